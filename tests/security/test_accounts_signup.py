"""Enumeration through sign-up: the answer must not tell who has an account."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "correct-Horse-battery-77"
SIGNUP = "/api/v1/auth/signup/"


@pytest.fixture(autouse=True)
def _setup(settings):
    from vod.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def hashes(monkeypatch):
    """How many passwords were hashed."""
    calls = []
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return calls


def _api_signup(email):
    return APIClient().post(SIGNUP, {"email": email, "password": STRONG}, format="json")


def test_api_signup_answers_a_taken_address_as_a_new_one(
    hashes, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.com")
    hashes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = _api_signup("fresh@example.com")
    new_hashes, hashes[:] = len(hashes), []
    with django_capture_on_commit_callbacks(execute=True):
        taken = _api_signup("Taken@Example.com")

    assert taken.status_code == new.status_code
    assert taken.json() == {
        key: value.replace("fresh@", "taken@") for key, value in new.json().items()
    }
    assert "access" not in taken.json()  # nobody gets into the taken account
    # Similar work: the password is hashed in both cases.
    assert len(hashes) == new_hashes == 1
    # One mail each: a verification link for the new address, a notice for the
    # owner of the taken one.
    assert [m.to for m in mail.outbox] == [["fresh@example.com"], ["taken@example.com"]]
    assert "already has one" in mail.outbox[1].body
    assert User.objects.filter(email="taken@example.com").count() == 1


def test_signup_page_answers_a_taken_address_as_a_new_one():
    UserFactory(email="taken@example.com")

    def signup(email):
        data = {
            "email": email,
            "name": "",
            "password": STRONG,
            "password_confirm": STRONG,
        }
        client = Client()
        return client, client.post("/accounts/signup/", data)

    new_client, new = signup("fresh@example.com")
    taken_client, taken = signup("taken@example.com")

    assert taken.status_code == new.status_code
    assert taken.headers.get("Location") == new.headers.get("Location")
    assert taken.content.replace(b"taken@", b"fresh@") == new.content
    assert "_auth_user_id" not in taken_client.session
    assert "_auth_user_id" not in new_client.session
