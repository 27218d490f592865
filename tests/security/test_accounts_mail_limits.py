"""Mail-bombing through sign-up and password reset: every account email is
counted per address and per client, and sent by a worker, never the request."""

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "correct-Horse-battery-77"
RESET = "/api/v1/auth/password/reset/"
SIGNUP = "/api/v1/auth/signup/"


@pytest.fixture(autouse=True)
def _setup(settings):
    from vod.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ACCOUNT_EMAILS_PER_EMAIL_HOUR = 5
    settings.ACCOUNT_EMAILS_PER_CLIENT_HOUR = 20
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _reset(email, address, **headers):
    return APIClient().post(
        RESET, {"email": email}, format="json", REMOTE_ADDR=address, **headers
    )


@pytest.mark.parametrize("owned", [True, False], ids=["account", "no-account"])
def test_password_reset_mails_one_address_at_most_five_times_an_hour(
    owned, django_capture_on_commit_callbacks
):
    if owned:
        UserFactory(email="victim@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        # From many addresses: the limit is the victim's, not the sender's.
        statuses = [
            _reset("Victim@example.com", f"203.0.113.{n}").status_code for n in range(7)
        ]

    # The same answers whether or not an account has the address.
    assert statuses == [204] * 5 + [429] * 2
    assert len(mail.outbox) == (5 if owned else 0)
    refused = _reset("victim@example.com", "198.51.100.1")
    error = refused.json()["error"]
    assert error["code"] == "too_many_emails"
    assert "try again" in error["message"]
    assert 0 < int(refused["Retry-After"]) <= 3600


def test_one_client_asks_for_at_most_twenty_account_emails_an_hour(settings):
    statuses = [
        _reset(f"person{n}@example.com", "203.0.113.9").status_code for n in range(21)
    ]
    assert statuses == [204] * 20 + [429]
    # Another client is not held back by it.
    assert _reset("person0@example.com", "203.0.113.10").status_code == 204


def test_behind_a_proxy_the_limit_is_per_forwarded_client(settings):
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.2"
    for n in range(20):
        _reset(f"p{n}@example.com", proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert (
        _reset("a@example.com", proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
        == 429
    )
    assert (
        _reset("a@example.com", proxy, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code
        == 204
    )


def test_sign_up_and_reset_share_the_limit_of_an_address():
    UserFactory(email="victim@example.com")
    for n in range(3):
        _reset("victim@example.com", f"203.0.113.{n}")
    statuses = [
        APIClient()
        .post(
            SIGNUP,
            {"email": "victim@example.com", "password": STRONG},
            format="json",
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        .status_code
        for n in range(3)
    ]
    assert statuses == [202, 202, 429]


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "/accounts/signup/",
            {"name": "", "password": STRONG, "password_confirm": STRONG},
        ),
        ("/accounts/password/reset/", {}),
    ],
    ids=["signup", "password-reset"],
)
def test_the_pages_are_limited_too(url, data):
    UserFactory(email="victim@example.com")
    answers = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            url, {**data, "email": "victim@example.com"}
        )
        for n in range(6)
    ]
    assert answers[4].status_code in {200, 302}
    assert answers[5].status_code == 429
    assert "Too many emails" in answers[5].text
    assert answers[5]["Retry-After"]


def test_emails_are_sent_by_a_task_queued_on_commit_never_in_the_request(
    monkeypatch, django_capture_on_commit_callbacks
):
    from accounts import tasks

    UserFactory(email="victim@example.com")
    queued = []
    monkeypatch.setattr(
        tasks.account_email_send,
        "apply_async",
        lambda args=None, kwargs=None, **options: queued.append((kwargs, options)),
    )

    with django_capture_on_commit_callbacks() as callbacks:
        assert _reset("victim@example.com", "203.0.113.1").status_code == 204
        assert (
            APIClient()
            .post(
                SIGNUP, {"email": "new@example.com", "password": STRONG}, format="json"
            )
            .status_code
            == 202
        )
    # Nothing was sent or queued during the requests: only once they commit.
    assert mail.outbox == []
    assert queued == []
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert mail.outbox == []  # the worker sends them
    assert [kwargs["kind"] for kwargs, _ in queued] == ["password_reset", "verify"]
    assert all("queue" not in options for _, options in queued)
    assert tasks.account_email_send.app.conf.task_default_queue == "default"
