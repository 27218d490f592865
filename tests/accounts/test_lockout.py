"""What django-axes counts a sign-in attempt against."""

import pytest
from django.test import RequestFactory

from accounts.lockout import lockout_message, login_username


@pytest.mark.parametrize(
    ("credentials", "post", "expected"),
    [
        ({"username": " Ann@Example.com "}, {}, "ann@example.com"),
        ({"email": "BO@example.com"}, {}, "bo@example.com"),
        (None, {"username": "Cy@Example.com"}, "cy@example.com"),
        (None, {"email": "di@example.com"}, "di@example.com"),
        (None, {}, None),
        ({"username": "   "}, {}, None),
    ],
)
def test_login_username_is_the_lowercased_email(credentials, post, expected):
    request = RequestFactory().post("/accounts/login/", post)
    assert login_username(request, credentials) == expected


def test_lockout_message_says_how_long(settings):
    settings.AXES_COOLOFF_TIME = 0.5  # hours
    assert "30 minutes" in lockout_message()
