"""Account services: sign-up, credentials, profiles and their limits."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.models import Plan, Profile, User

from .factories import PlanFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "correct-Horse-battery-77"


def _fields(exc_info) -> dict:
    return exc_info.value.message_dict


# --- Sign-up --------------------------------------------------------------------


def test_signup_creates_account_with_one_default_profile_named_from_email():
    user = services.user_signup(email="  Alice.Smith@Example.COM ", password=STRONG)

    assert user.email == "alice.smith@example.com"
    assert user.check_password(STRONG)
    assert user.plan is None  # the default plan applies
    [profile] = user.profiles.all()
    assert profile.name == "alice.smith"
    assert (profile.is_kids, profile.max_maturity) == (False, 18)


def test_signup_names_the_first_profile_after_the_given_name():
    user = services.user_signup(email="bo@example.com", password=STRONG, name="Bo")
    assert list(user.profiles.values_list("name", flat=True)) == ["Bo"]
    assert user.name == "Bo"


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@Example.com"])
def test_signup_refuses_an_email_in_use_in_any_case(email):
    UserFactory(email="taken@example.com")
    with pytest.raises(ValidationError) as exc_info:
        services.user_signup(email=email, password=STRONG)
    assert "email" in _fields(exc_info)
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "why"),
    [("short", "too short"), ("password123", "too common"), ("83749201837", "numeric")],
)
def test_signup_refuses_weak_passwords_and_writes_nothing(password, why):
    with pytest.raises(ValidationError) as exc_info:
        services.user_signup(email="new@example.com", password=password)
    assert why in " ".join(_fields(exc_info)["password"])
    assert not User.objects.exists()
    assert not Profile.objects.exists()


def test_signup_refuses_a_password_like_the_email():
    with pytest.raises(ValidationError) as exc_info:
        services.user_signup(email="moonriver@example.com", password="moonriver1")
    assert "password" in _fields(exc_info)


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "two@@example.com"])
def test_signup_refuses_malformed_emails(email):
    with pytest.raises(ValidationError) as exc_info:
        services.user_signup(email=email, password=STRONG)
    assert "email" in _fields(exc_info)
    assert not User.objects.exists()


# --- Credentials ------------------------------------------------------------------


MAIL = {"client": "198.51.100.7", "base_url": "https://vod.example"}


def test_email_change_needs_the_current_password(password):
    user = UserFactory(email="old@example.com")
    with pytest.raises(ValidationError) as exc_info:
        services.user_email_change(
            user=user, password="wrong", new_email="new@example.com", **MAIL
        )
    assert "password" in _fields(exc_info)
    user.refresh_from_db()
    assert user.email == "old@example.com"


def _change_link_token(body: str) -> str:
    match = re.search(r"https://vod\.example/accounts/email/change/(\S+)/", body)
    assert match, body
    return match.group(1)


def test_email_change_waits_for_the_new_address_and_tells_the_old_one(password, mails):
    user = UserFactory(email="old@example.com")
    with mails() as outbox:
        services.user_email_change(
            user=user, password=password, new_email="New@Example.com", **MAIL
        )
    user.refresh_from_db()
    assert user.email == "old@example.com"
    by_address = {message.to[0]: message for message in outbox}
    assert set(by_address) == {"old@example.com", "new@example.com"}
    assert "new@example.com" in by_address["old@example.com"].body

    with mails() as outbox:
        services.user_email_change_confirm(
            token=_change_link_token(by_address["new@example.com"].body)
        )
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert user.email_verified
    [notice] = outbox
    assert notice.to == ["old@example.com"]


def test_an_email_change_link_fails_once_the_address_is_taken(password, mails):
    user = UserFactory(email="old@example.com")
    with mails() as outbox:
        services.user_email_change(
            user=user, password=password, new_email="new@example.com", **MAIL
        )
    token = _change_link_token(
        next(m for m in outbox if m.to == ["new@example.com"]).body
    )
    UserFactory(email="NEW@example.com".lower())

    with pytest.raises(ValidationError) as exc_info:
        services.user_email_change_confirm(token=token)
    assert "token" in _fields(exc_info)
    user.refresh_from_db()
    assert user.email == "old@example.com"


def test_password_change_needs_the_old_password(password):
    user = UserFactory()
    with pytest.raises(ValidationError) as exc_info:
        services.user_password_change(
            user=user, old_password="wrong", new_password=STRONG
        )
    assert "old_password" in _fields(exc_info)
    user.refresh_from_db()
    assert user.check_password(password)


def test_password_change_validates_the_new_password(password):
    user = UserFactory()
    with pytest.raises(ValidationError) as exc_info:
        services.user_password_change(
            user=user, old_password=password, new_password="123"
        )
    assert "new_password" in _fields(exc_info)


def test_password_change_revokes_every_refresh_token_of_the_account(password):
    user, other = UserFactory(), UserFactory()
    RefreshToken.for_user(user)
    RefreshToken.for_user(user)
    RefreshToken.for_user(other)

    services.user_password_change(user=user, old_password=password, new_password=STRONG)

    user.refresh_from_db()
    assert user.check_password(STRONG)
    revoked = BlacklistedToken.objects.values_list("token__user", flat=True)
    assert sorted(revoked) == [user.pk, user.pk]


def test_password_reset_confirm_refuses_a_bad_token():
    user = UserFactory()
    with pytest.raises(ValidationError) as exc_info:
        services.user_password_reset_confirm(
            uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
            token="nope",
            new_password=STRONG,
        )
    assert "token" in _fields(exc_info)


# --- Profiles ---------------------------------------------------------------------


def test_account_has_at_most_five_profiles():
    user = UserFactory()
    for n in range(Profile.MAX_PER_ACCOUNT):
        services.profile_create(user=user, name=f"P{n}")
    with pytest.raises(ValidationError) as exc_info:
        services.profile_create(user=user, name="Sixth")
    assert "at most 5 profiles" in exc_info.value.messages[0]
    assert user.profiles.count() == 5


def test_kids_profile_defaults_to_seven_plus():
    profile = services.profile_create(user=UserFactory(), name="Kid", is_kids=True)
    assert (profile.is_kids, profile.max_maturity) == (True, 7)


def test_kids_profile_keeps_a_chosen_limit():
    profile = services.profile_create(
        user=UserFactory(), name="Teen", is_kids=True, max_maturity=13
    )
    assert profile.max_maturity == 13


@pytest.mark.parametrize("max_maturity", [5, 19, -1])
def test_maturity_limit_must_be_a_rating(max_maturity):
    with pytest.raises(ValidationError) as exc_info:
        services.profile_create(
            user=UserFactory(), name="Kid", is_kids=True, max_maturity=max_maturity
        )
    assert "max_maturity" in _fields(exc_info)


def test_only_kids_profiles_have_a_maturity_limit():
    with pytest.raises(ValidationError) as exc_info:
        services.profile_create(user=UserFactory(), name="Adult", max_maturity=13)
    assert "max_maturity" in _fields(exc_info)


def test_profile_names_are_unique_per_account_in_any_case():
    user = UserFactory()
    services.profile_create(user=user, name="Sam")
    with pytest.raises(ValidationError) as exc_info:
        services.profile_create(user=user, name="  sam ")
    assert "name" in _fields(exc_info)
    # Another account may use the same name.
    services.profile_create(user=UserFactory(), name="Sam")


def test_profile_name_cannot_be_blank():
    with pytest.raises(ValidationError) as exc_info:
        services.profile_create(user=UserFactory(), name="   ")
    assert "name" in _fields(exc_info)


def test_turning_kids_on_applies_the_default_and_off_lifts_the_limit():
    profile = ProfileFactory()
    services.profile_update(profile=profile, is_kids=True)
    profile.refresh_from_db()
    assert (profile.is_kids, profile.max_maturity) == (True, 7)

    services.profile_update(profile=profile, max_maturity=16)
    profile.refresh_from_db()
    assert profile.max_maturity == 16

    services.profile_update(profile=profile, name="Grown up", is_kids=False)
    profile.refresh_from_db()
    assert (profile.name, profile.is_kids, profile.max_maturity) == (
        "Grown up",
        False,
        18,
    )


def test_a_profile_keeps_its_audio_and_captions_preferences():
    profile = services.profile_create(
        user=UserFactory(),
        name="Ana",
        audio_language="pt-br",
        audio_description=True,
        captions_language="EN",
    )

    profile.refresh_from_db()
    assert (
        profile.audio_language,
        profile.audio_description,
        profile.captions_language,
    ) == ("pt-BR", True, "en")


def test_a_new_adult_profile_starts_on_each_titles_audio_without_captions():
    profile = services.profile_create(user=UserFactory(), name="Ana")

    assert profile.playback_preferences.as_dict() == {
        "audio_language": "",
        "audio_description": False,
        "captions_language": "",
    }


def test_a_new_kids_profile_hears_the_sites_language_unless_told(settings):
    settings.LANGUAGE_CODE = "fr-fr"
    user = UserFactory()

    kid = services.profile_create(user=user, name="Kid", is_kids=True)
    chosen = services.profile_create(
        user=user, name="Kid 2", is_kids=True, audio_language="de"
    )
    original = services.profile_create(
        user=user, name="Kid 3", is_kids=True, audio_language=""
    )

    assert (kid.audio_language, kid.captions_language) == ("fr-FR", "")
    assert chosen.audio_language == "de"
    assert original.audio_language == ""  # blank on purpose: the title's own


def test_a_profile_turned_kids_without_an_audio_language_gets_the_sites():
    blank = ProfileFactory()
    spanish = ProfileFactory(audio_language="es")

    services.profile_update(profile=blank, is_kids=True)
    services.profile_update(profile=spanish, is_kids=True)

    blank.refresh_from_db()
    spanish.refresh_from_db()
    assert blank.audio_language == "en-US"
    assert spanish.audio_language == "es"


def test_updating_preferences_leaves_what_is_not_given():
    profile = ProfileFactory(
        audio_language="it", audio_description=True, captions_language="it"
    )

    services.profile_update(profile=profile, captions_language="")
    profile.refresh_from_db()
    assert (
        profile.audio_language,
        profile.audio_description,
        profile.captions_language,
    ) == ("it", True, "")

    services.profile_update(profile=profile, audio_language="", audio_description=False)
    profile.refresh_from_db()
    assert (profile.audio_language, profile.audio_description) == ("", False)


@pytest.mark.parametrize("field", ["audio_language", "captions_language"])
def test_a_bad_language_is_refused_and_nothing_is_written(field):
    profile = ProfileFactory(name="Before", audio_language="fr")

    with pytest.raises(ValidationError) as exc_info:
        services.profile_update(profile=profile, name="After", **{field: "French"})

    assert "is not a language tag" in _fields(exc_info)[field][0]
    profile.refresh_from_db()
    assert (profile.name, profile.audio_language) == ("Before", "fr")
    with pytest.raises(ValidationError):
        services.profile_create(user=profile.user, name="New", **{field: "en_GB"})
    assert profile.user.profiles.count() == 1


def test_renaming_a_profile_to_its_own_name_is_allowed():
    profile = ProfileFactory(name="Max")
    services.profile_update(profile=profile, name="MAX")
    profile.refresh_from_db()
    assert profile.name == "MAX"


def test_the_last_profile_cannot_be_deleted():
    profile = ProfileFactory()
    with pytest.raises(ValidationError):
        services.profile_delete(profile=profile)
    assert Profile.objects.filter(pk=profile.pk).exists()


def test_a_profile_is_deleted_when_another_remains():
    first = ProfileFactory()
    second = ProfileFactory(user=first.user)
    services.profile_delete(profile=second)
    assert list(first.user.profiles.all()) == [first]


# --- Plans --------------------------------------------------------------------------


def test_making_a_plan_default_unsets_the_previous_default():
    premium = Plan.objects.get(slug="premium")
    services.plan_make_default(plan=premium)
    assert list(Plan.objects.filter(is_default=True)) == [premium]


def test_plan_make_default_on_a_new_plan():
    plan = PlanFactory()
    services.plan_make_default(plan=plan)
    plan.refresh_from_db()
    assert plan.is_default
    assert Plan.objects.filter(is_default=True).count() == 1
