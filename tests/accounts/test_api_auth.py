"""The auth API: sign-up, JWT sign-in, rotation, revocation, lockout, passwords."""

import datetime
import re

import pytest
from django.core import mail
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import Profile, User

from .factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "correct-Horse-battery-77"
SIGNUP = "/api/v1/auth/signup/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def _bearer(client, access: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- Sign-up ----------------------------------------------------------------------


def test_signup_creates_the_account_which_signs_in_and_verifies(api_client, mails):
    with mails() as outbox:
        response = api_client.post(
            SIGNUP, {"email": "New@Example.com", "password": STRONG}, format="json"
        )

    assert response.status_code == 202
    assert response.json()["email"] == "new@example.com"
    pair = _obtain(api_client, "new@example.com", STRONG).json()
    me = _bearer(api_client, pair["access"]).get(ME).json()
    assert me["email"] == "new@example.com"
    assert me["email_verified"] is False
    assert me["plan"]["slug"] == "free"
    assert [p["name"] for p in me["profiles"]] == ["new"]

    [message] = outbox
    token = re.search(r"/accounts/email/verify/(\S+)/", message.body).group(1)
    api_client.credentials()
    verified = api_client.post(
        "/api/v1/auth/email/verify/", {"token": token}, format="json"
    )
    assert verified.status_code == 204
    assert _bearer(api_client, pair["access"]).get(ME).json()["email_verified"]


def test_signup_with_a_taken_address_answers_alike_and_mails_its_owner(
    api_client, mails
):
    UserFactory(email="taken@example.com")
    with mails() as outbox:
        new = api_client.post(
            SIGNUP, {"email": "new@example.com", "password": STRONG}, format="json"
        )
        taken = api_client.post(
            SIGNUP, {"email": "TAKEN@example.com", "password": STRONG}, format="json"
        )

    assert taken.status_code == new.status_code == 202
    assert set(taken.json()) == set(new.json())
    assert taken.json()["message"].replace("taken@", "new@") == new.json()["message"]
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    notice = outbox[-1]
    assert notice.to == ["taken@example.com"]
    assert "already has one" in notice.body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "fresh@example.com", "password": "12345678"}, "password"),
        ({"email": "fresh@example.com", "password": "short"}, "password"),
        ({"email": "not an email", "password": STRONG}, "email"),
        ({"password": STRONG}, "email"),
        ({"email": "fresh@example.com"}, "password"),
    ],
    ids=["numeric", "short", "bad-email", "no-email", "no-pw"],
)
def test_signup_bad_input_is_a_400_with_fields_and_writes_nothing(
    api_client, payload, field
):
    UserFactory(email="taken@example.com")

    response = api_client.post(SIGNUP, payload, format="json")

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert User.objects.count() == 1
    assert not Profile.objects.exists()


# --- Tokens -----------------------------------------------------------------------


def _obtain(api_client, email, password):
    return api_client.post(TOKEN, {"email": email, "password": password}, format="json")


def test_token_pair_for_email_and_password_in_any_case(api_client, user, password):
    response = _obtain(api_client, user.email.upper(), password)

    assert response.status_code == 200
    pair = response.json()
    assert set(pair) == {"access", "refresh"}
    assert _bearer(api_client, pair["access"]).get(ME).json()["id"] == user.pk
    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_is_a_401_in_the_error_shape(api_client, user):
    response = _obtain(api_client, user.email, "wrong-password")
    assert response.status_code == 401
    error = _error(response)
    assert error["code"] == "no_active_account"
    assert "email" in error["message"]


def test_inactive_account_gets_no_token(api_client, password):
    user = UserFactory(is_active=False)
    assert _obtain(api_client, user.email, password).status_code == 401


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    api_client, user, password
):
    first = _obtain(api_client, user.email, password).json()

    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    assert _bearer(api_client, second["access"]).get(ME).status_code == 200

    api_client.credentials()
    replay = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401
    assert _error(replay)["code"] == "token_not_valid"
    # The new one still works.
    assert (
        api_client.post(REFRESH, {"refresh": second["refresh"]}, format="json")
    ).status_code == 200


def test_logout_revokes_the_refresh_token(api_client, user, password):
    pair = _obtain(api_client, user.email, password).json()

    response = api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204

    refused = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert refused.status_code == 401
    assert "blacklisted" in _error(refused)["message"]
    # Logging out twice is refused the same way.
    assert (
        api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
    ).status_code == 401


def test_logout_with_an_access_token_instead_of_refresh_is_refused(api_client, user):
    access = str(AccessToken.for_user(user))
    response = api_client.post(LOGOUT, {"refresh": access}, format="json")
    assert response.status_code == 401
    assert _error(response)["code"] == "token_not_valid"


def test_expired_access_token_is_refused_with_token_expired(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-datetime.timedelta(seconds=1))

    response = _bearer(api_client, str(token)).get(ME)

    assert response.status_code == 401
    assert _error(response)["code"] == "token_expired"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-jwt",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
        "Bearer two parts",
    ],
    ids=["garbage", "bad-signature", "three-parts"],
)
def test_malformed_token_is_a_401_in_the_error_shape(api_client, header):
    response = api_client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    error = _error(response)
    assert error["code"] in {"token_not_valid", "bad_authorization_header"}
    assert "{" not in error["message"]  # a sentence, not a nested dict


def test_token_signed_with_another_key_is_refused(api_client, user):
    import jwt

    forged = jwt.encode(
        {
            "token_type": "access",
            "user_id": str(user.pk),
            "exp": 4102444800,
            "jti": "x",
        },
        "another-secret-key-of-enough-length-123",
        algorithm="HS256",
    )
    response = _bearer(api_client, forged).get(ME)
    assert response.status_code == 401
    assert _error(response)["code"] == "token_not_valid"


def test_refresh_token_cannot_be_used_as_access_token(api_client, user):
    refresh = RefreshToken.for_user(user)
    assert _bearer(api_client, str(refresh)).get(ME).status_code == 401


def test_token_of_a_deleted_account_is_refused(api_client, user):
    access = str(AccessToken.for_user(user))
    user.delete()
    response = _bearer(api_client, access).get(ME)
    assert response.status_code == 401
    assert _error(response)["code"] == "user_not_found"


@pytest.mark.parametrize("user_id", ["abc", str(2**70), "-1"])
def test_token_naming_no_possible_account_is_refused(api_client, settings, user_id):
    # Signed with the server's key, so only the account lookup can refuse it.
    import jwt

    claims = {"token_type": "access", "user_id": user_id, "exp": 4102444800}
    token = jwt.encode({**claims, "jti": "x"}, settings.SECRET_KEY, algorithm="HS256")
    response = _bearer(api_client, token).get(ME)
    assert response.status_code == 401
    assert _error(response)["code"] in {"token_not_valid", "user_not_found"}


def test_token_user_comes_with_the_plan_it_has_now(api_client, user):
    from .factories import PlanFactory

    access = str(AccessToken.for_user(user))
    user.plan = PlanFactory(name="Gold", slug="gold")
    user.save()
    response = _bearer(api_client, access).get(ME)
    assert response.status_code == 200
    assert response.json()["plan"]["slug"] == "gold"


# --- Lockout and throttling -----------------------------------------------------------


def test_five_failed_sign_ins_lock_the_email_from_that_address(
    api_client, user, password
):
    statuses = [
        _obtain(api_client, user.email, f"wrong-{n}").status_code for n in range(4)
    ]
    assert statuses == [401] * 4

    fifth = _obtain(api_client, user.email.upper(), "wrong-5")  # case changes nothing
    assert fifth.status_code == 429

    sixth = _obtain(api_client, user.email, password)  # even the right password
    assert sixth.status_code == 429
    error = _error(sixth)
    assert error["code"] == "locked_out"
    assert "15 minutes" in error["message"]
    assert int(sixth["Retry-After"]) == 15 * 60


def test_lockout_is_per_email_and_address(api_client, user, other_user, password):
    for n in range(5):
        _obtain(api_client, user.email, f"wrong-{n}")
    assert _obtain(api_client, other_user.email, password).status_code == 200
    elsewhere = api_client.post(
        TOKEN,
        {"email": user.email, "password": password},
        format="json",
        REMOTE_ADDR="203.0.113.9",
    )
    assert elsewhere.status_code == 200


def test_a_successful_sign_in_resets_the_failure_count(api_client, user, password):
    for n in range(4):
        _obtain(api_client, user.email, f"wrong-{n}")
    assert _obtain(api_client, user.email, password).status_code == 200
    for n in range(4):
        assert _obtain(api_client, user.email, f"again-{n}").status_code == 401


def test_token_endpoint_is_throttled_per_address(api_client, user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "3/min")
    statuses = [
        _obtain(api_client, f"nobody{n}@example.com", "x").status_code for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    assert _error(_obtain(api_client, user.email, "x"))["code"] == "throttled"


# --- Passwords and email --------------------------------------------------------------


def test_password_change_needs_the_old_password(user_api, user, password):
    response = user_api.post(
        "/api/v1/auth/password/change/",
        {"old_password": "wrong", "new_password": STRONG},
        format="json",
    )
    assert response.status_code == 400
    assert "old_password" in _error(response)["fields"]
    user.refresh_from_db()
    assert user.check_password(password)


def test_password_change_revokes_old_tokens_and_returns_a_fresh_pair(
    api_client, user, password
):
    old = _obtain(api_client, user.email, password).json()
    _bearer(api_client, old["access"])

    response = api_client.post(
        "/api/v1/auth/password/change/",
        {"old_password": password, "new_password": STRONG},
        format="json",
    )

    assert response.status_code == 200
    fresh = response.json()
    assert _bearer(api_client, old["access"]).get(ME).status_code == 401
    api_client.credentials()
    assert (
        api_client.post(REFRESH, {"refresh": old["refresh"]}, format="json")
    ).status_code == 401
    assert _bearer(api_client, fresh["access"]).get(ME).status_code == 200


def test_password_change_requires_sign_in(api_client):
    response = api_client.post(
        "/api/v1/auth/password/change/",
        {"old_password": "x", "new_password": STRONG},
        format="json",
    )
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


def _reset_link_parts(body: str) -> tuple[str, str]:
    match = re.search(
        r"https?://[^/\s]+/accounts/password/reset/([^/]+)/([^/]+)/", body
    )
    assert match, body
    return match.group(1), match.group(2)


def test_password_reset_emails_a_link_that_sets_a_new_password(
    api_client, user, password, mails
):
    with mails() as outbox:
        response = api_client.post(
            "/api/v1/auth/password/reset/", {"email": user.email.upper()}, format="json"
        )
    assert response.status_code == 204
    [message] = outbox
    assert message.to == [user.email]
    uid, token = _reset_link_parts(message.body)

    confirm = api_client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": STRONG},
        format="json",
    )
    assert confirm.status_code == 204
    assert _obtain(api_client, user.email, STRONG).status_code == 200
    # The link works once.
    again = api_client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "another-Strong-pass-9"},
        format="json",
    )
    assert again.status_code == 400
    assert "token" in _error(again)["fields"]


def test_password_reset_answers_the_same_for_unknown_addresses(api_client):
    response = api_client.post(
        "/api/v1/auth/password/reset/", {"email": "nobody@example.com"}, format="json"
    )
    assert response.status_code == 204
    assert mail.outbox == []


def test_password_reset_confirm_validates_the_new_password(api_client, user, mails):
    with mails() as outbox:
        api_client.post("/api/v1/auth/password/reset/", {"email": user.email})
    uid, token = _reset_link_parts(outbox[0].body)
    response = api_client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "123"},
        format="json",
    )
    assert response.status_code == 400
    assert "new_password" in _error(response)["fields"]


@pytest.mark.parametrize("uid", ["", "!!", "MTIzNDU2Nzg5"])
def test_password_reset_confirm_refuses_bad_uids(api_client, uid):
    response = api_client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": "abc", "new_password": STRONG},
        format="json",
    )
    assert response.status_code == 400


def test_email_change_needs_the_password_and_confirmation_from_the_new_address(
    api_client, user, other_user, password, mails
):
    pair = _obtain(api_client, user.email, password).json()
    _bearer(api_client, pair["access"])
    url = "/api/v1/auth/email/change/"
    wrong = api_client.post(
        url, {"password": "wrong", "new_email": "me@example.com"}, format="json"
    )
    assert wrong.status_code == 400
    assert "password" in _error(wrong)["fields"]

    with mails() as outbox:
        taken = api_client.post(
            url,
            {"password": password, "new_email": other_user.email.upper()},
            format="json",
        )
        ok = api_client.post(
            url, {"password": password, "new_email": "Me@Example.com"}, format="json"
        )
    # A taken address is not told apart; only the free one gets a link.
    assert taken.status_code == ok.status_code == 202
    assert ok.json()["email"] == "me@example.com"
    user.refresh_from_db()
    assert user.email != "me@example.com"
    [confirm] = [m for m in outbox if m.to == ["me@example.com"]]
    assert not [m for m in outbox if m.to == [other_user.email]]
    token = re.search(r"/accounts/email/change/(\S+)/", confirm.body).group(1)

    api_client.credentials()
    done = api_client.post(
        "/api/v1/auth/email/change/confirm/", {"token": token}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["email"] == "me@example.com"
    assert done.json()["email_verified"] is True
    # The apps of the account sign in again, now with the new address.
    assert _bearer(api_client, pair["access"]).get(ME).status_code == 401
    api_client.credentials()
    assert _obtain(api_client, "me@example.com", password).status_code == 200
    again = api_client.post(
        "/api/v1/auth/email/change/confirm/", {"token": token}, format="json"
    )
    assert again.status_code == 400
