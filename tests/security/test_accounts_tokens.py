"""Attacks on the apps' tokens: a refresh token spent twice at the same moment,
and access tokens that outlive a logout or a change of credentials."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework_simplejwt.tokens import BlacklistMixin

from accounts.api.authentication import JWTAuthentication
from tests.accounts.factories import PASSWORD, UserFactory

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(user) -> dict:
    response = APIClient().post(
        TOKEN, {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _me(access: str):
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")


# --- Rotation: a refresh token works once, even twice at the same moment --------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_token_exactly_one_wins(monkeypatch):
    user = UserFactory(with_profile=True)
    refresh = _sign_in(user)["refresh"]

    # Both requests pass the blacklist check before either blacklists: the
    # interleaving that check-then-blacklist rotation lets through.
    barrier = threading.Barrier(2, timeout=10)
    check = BlacklistMixin.check_blacklist

    def check_then_wait(token):
        check(token)
        barrier.wait()

    monkeypatch.setattr(BlacklistMixin, "check_blacklist", check_then_wait)
    answers = []

    def refresh_once():
        try:
            answers.append(
                APIClient().post(REFRESH, {"refresh": refresh}, format="json")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(a.status_code for a in answers) == [200, 401]
    [loser] = [a for a in answers if a.status_code == 401]
    assert loser.json()["error"]["code"] == "token_not_valid"
    [winner] = [a for a in answers if a.status_code == 200]
    monkeypatch.setattr(BlacklistMixin, "check_blacklist", check)
    assert _me(winner.json()["access"]).status_code == 200
    # The one rotated pair goes on; the spent token stays spent.
    again = APIClient().post(
        REFRESH, {"refresh": winner.json()["refresh"]}, format="json"
    )
    assert again.status_code == 200
    spent = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert spent.status_code == 401


# --- Revocation at once ---------------------------------------------------------


@pytest.mark.django_db
def test_logout_revokes_that_apps_access_token_at_once():
    user = UserFactory(with_profile=True)
    phone, tv = _sign_in(user), _sign_in(user)
    assert _me(phone["access"]).status_code == 200

    out = APIClient().post(LOGOUT, {"refresh": phone["refresh"]}, format="json")
    assert out.status_code == 204

    refused = _me(phone["access"])
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_revoked"
    # Another app of the account stays signed in.
    assert _me(tv["access"]).status_code == 200


@pytest.mark.django_db
def test_an_access_token_renewed_by_refresh_dies_with_its_sign_in():
    user = UserFactory(with_profile=True)
    first = _sign_in(user)
    rotated = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json")
    pair = rotated.json()

    APIClient().post(LOGOUT, {"refresh": pair["refresh"]}, format="json")

    assert _me(first["access"]).status_code == 401
    assert _me(pair["access"]).status_code == 401


@pytest.mark.django_db
def test_logout_everywhere_revokes_every_app_of_the_account():
    user = UserFactory(with_profile=True)
    other = UserFactory(with_profile=True)
    phone, tv, theirs = _sign_in(user), _sign_in(user), _sign_in(other)

    out = APIClient().post(
        LOGOUT, {"refresh": phone["refresh"], "everywhere": True}, format="json"
    )
    assert out.status_code == 204

    for pair in (phone, tv):
        assert _me(pair["access"]).status_code == 401
        refused = APIClient().post(REFRESH, {"refresh": pair["refresh"]})
        assert refused.status_code == 401
    assert _me(theirs["access"]).status_code == 200
    # Signing in again works, with a new version.
    assert _me(_sign_in(user)["access"]).status_code == 200


@pytest.mark.django_db
def test_revoked_access_tokens_stay_revoked_when_the_cache_is_emptied():
    from django.core.cache import cache

    user = UserFactory(with_profile=True)
    pair = _sign_in(user)
    APIClient().post(
        LOGOUT, {"refresh": pair["refresh"], "everywhere": True}, format="json"
    )
    cache.clear()  # the version is also on the account row
    assert _me(pair["access"]).status_code == 401


@pytest.mark.django_db
def test_a_bearer_request_reads_the_account_row_and_nothing_more(
    django_assert_num_queries,
):
    user = UserFactory(with_profile=True)
    access = _sign_in(user)["access"]
    authentication = JWTAuthentication()

    def authenticate():
        request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")
        return authentication.authenticate(request)

    authenticate()  # fills the cache
    # The revocation check reads the cache; its only query is the account
    # row (with its plan) that every Bearer request already read.
    with django_assert_num_queries(1):
        found, _token = authenticate()
    assert found.pk == user.pk
