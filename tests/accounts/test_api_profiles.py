"""The account API: me, and profiles CRUD, never across accounts."""

import pytest
from openapi_spec_validator import validate

from accounts.api.schema import PROFILE_HEADER_PARAMETER
from accounts.models import Profile

from .factories import PlanFactory, ProfileFactory

pytestmark = pytest.mark.django_db

PROFILES = "/api/v1/profiles/"


def _error(response) -> dict:
    body = response.json()
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_me_shows_the_account_plan_and_profiles(user_api, user, profile):
    user.plan = PlanFactory(
        name="Gold",
        access_level="premium",
        max_streams=4,
        max_height=2160,
        max_audio_channels=6,
    )
    user.save()

    response = user_api.get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email
    assert body["plan"] == {
        "name": "Gold",
        "slug": user.plan.slug,
        "access_level": "premium",
        "max_streams": 4,
        "max_height": 2160,
        "max_audio_channels": 6,
    }
    assert [p["id"] for p in body["profiles"]] == [profile.pk]


def test_me_without_a_plan_shows_the_default_plan(user_api):
    plan = user_api.get("/api/v1/me/").json()["plan"]
    assert plan == {
        "name": "Free",
        "slug": "free",
        "access_level": "free",
        "max_streams": 1,
        "max_height": 480,
        "max_audio_channels": 2,
    }


def test_me_works_with_the_browser_session(client, user):
    client.force_login(user)
    assert client.get("/api/v1/me/").json()["id"] == user.pk


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/me/"),
        ("get", PROFILES),
        ("post", PROFILES),
        ("get", "/api/v1/profiles/1/"),
        ("patch", "/api/v1/profiles/1/"),
        ("delete", "/api/v1/profiles/1/"),
        ("post", "/api/v1/auth/email/change/"),
    ],
)
def test_anonymous_clients_are_refused(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


def test_list_shows_only_the_accounts_profiles(user_api, user, profile, other_profile):
    ProfileFactory(user=user, name="Second")
    response = user_api.get(PROFILES)
    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == [profile.name, "Second"]


def test_create_a_kids_profile_with_the_default_limit(user_api, user):
    response = user_api.post(PROFILES, {"name": "Kid", "is_kids": True}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["is_kids"], body["max_maturity"]) == ("Kid", True, 7)
    assert user.profiles.filter(pk=body["id"], max_maturity=7).exists()


def test_sixth_profile_is_a_400_in_the_error_shape(user_api, user):
    for n in range(4):
        ProfileFactory(user=user, name=f"P{n}")
    response = user_api.post(PROFILES, {"name": "Sixth"}, format="json")
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid"
    assert "at most 5" in error["fields"]["non_field_errors"][0]
    assert user.profiles.count() == 5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": "Kid", "is_kids": True, "max_maturity": 12}, "max_maturity"),
        ({"name": "Adult", "max_maturity": 13}, "max_maturity"),
        ({"name": "Kid", "is_kids": "perhaps"}, "is_kids"),
        ({"name": "Ana", "audio_language": "Portuguese"}, "audio_language"),
        ({"name": "Ana", "audio_language": None}, "audio_language"),
        ({"name": "Ana", "captions_language": "pt_BR"}, "captions_language"),
        ({"name": "Ana", "captions_language": "x" * 36}, "captions_language"),
        ({"name": "Ana", "audio_description": "loud"}, "audio_description"),
    ],
)
def test_create_bad_input_is_a_400_and_writes_nothing(user_api, user, payload, field):
    response = user_api.post(PROFILES, payload, format="json")
    assert response.status_code == 400
    assert field in _error(response)["fields"]
    assert user.profiles.count() == 1


def test_duplicate_profile_name_is_a_400(user_api, profile):
    response = user_api.post(PROFILES, {"name": profile.name.upper()}, format="json")
    assert response.status_code == 400
    assert "name" in _error(response)["fields"]


def test_rename_and_toggle_kids(user_api, profile):
    url = f"{PROFILES}{profile.pk}/"
    response = user_api.patch(url, {"name": "Renamed", "is_kids": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["max_maturity"]) == (
        "Renamed",
        7,
    )
    profile.refresh_from_db()
    assert (profile.name, profile.is_kids, profile.max_maturity) == ("Renamed", True, 7)


def test_a_profile_says_its_audio_and_captions_preferences(user_api, user):
    response = user_api.post(
        PROFILES,
        {
            "name": "Ana",
            "audio_language": "pt-br",
            "audio_description": True,
            "captions_language": "en",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["audio_language"],
        body["audio_description"],
        body["captions_language"],
    ) == ("pt-BR", True, "en")
    listed = user_api.get(PROFILES).json()
    assert {"audio_language": "pt-BR", "captions_language": "en"}.items() <= next(
        p for p in listed if p["id"] == body["id"]
    ).items()


def test_a_kids_profile_made_through_the_api_hears_the_sites_language(user_api):
    body = user_api.post(
        PROFILES, {"name": "Kid", "is_kids": True}, format="json"
    ).json()

    assert (body["audio_language"], body["captions_language"]) == ("en-US", "")


def test_patch_changes_only_the_preferences_sent(user_api, profile):
    profile.audio_language, profile.captions_language = "de", "de"
    profile.save()
    url = f"{PROFILES}{profile.pk}/"

    response = user_api.patch(
        url, {"captions_language": "", "audio_description": True}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (
        body["audio_language"],
        body["audio_description"],
        body["captions_language"],
    ) == ("de", True, "")


def test_patch_with_a_bad_language_is_a_400_naming_it_and_changes_nothing(
    user_api, profile
):
    url, name_before = f"{PROFILES}{profile.pk}/", profile.name

    response = user_api.patch(
        url, {"name": "Renamed", "audio_language": "klingon"}, format="json"
    )

    assert response.status_code == 400
    assert "is not a language tag" in _error(response)["fields"]["audio_language"][0]
    profile.refresh_from_db()
    assert (profile.name, profile.audio_language) == (name_before, "")


def test_delete_a_profile_but_not_the_last(user_api, user, profile):
    second = ProfileFactory(user=user)
    assert user_api.delete(f"{PROFILES}{second.pk}/").status_code == 204
    assert not Profile.objects.filter(pk=second.pk).exists()

    last = user_api.delete(f"{PROFILES}{profile.pk}/")
    assert last.status_code == 400
    assert "at least one profile" in _error(last)["fields"]["non_field_errors"][0]
    assert Profile.objects.filter(pk=profile.pk).exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_accounts_profile_is_a_404_and_untouched(
    user_api, user, other_user, other_profile, method
):
    ProfileFactory(user=other_user, name="Spare")  # so deleting would be allowed
    url = f"{PROFILES}{other_profile.pk}/"
    response = getattr(user_api, method)(url, {"name": "Hijacked"}, format="json")

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"
    other_profile.refresh_from_db()
    assert other_profile.name != "Hijacked"


def test_unknown_profile_is_a_404(user_api):
    assert user_api.get(f"{PROFILES}999999/").status_code == 404


def test_schema_documents_auth_profiles_and_the_profile_header(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate(schema)

    schemes = schema["components"]["securitySchemes"]
    assert schemes["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert schemes["cookieAuth"]["in"] == "cookie"
    paths = schema["paths"]
    for path in [
        "/api/v1/auth/signup/",
        "/api/v1/auth/token/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/password/change/",
        "/api/v1/auth/password/reset/",
        "/api/v1/auth/password/reset/confirm/",
        "/api/v1/auth/email/change/",
        "/api/v1/me/",
        "/api/v1/profiles/",
        "/api/v1/profiles/{id}/",
    ]:
        assert path in paths, path
    assert {"jwtAuth": []} in paths["/api/v1/me/"]["get"]["security"]
    assert {"cookieAuth": []} in paths["/api/v1/me/"]["get"]["security"]
    assert "security" not in paths["/api/v1/auth/token/"]["post"]
    token_request = paths["/api/v1/auth/token/"]["post"]["requestBody"]
    ref = token_request["content"]["application/json"]["schema"]["$ref"]
    assert set(
        schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    ) == {
        "email",
        "password",
    }
    assert "X-Profile-ID" in schema["info"]["description"]
    components = schema["components"]["schemas"]
    preferences = {"audio_language", "audio_description", "captions_language"}
    for name in ["Profile", "ProfileCreateRequest", "PatchedProfileUpdateRequest"]:
        assert preferences <= set(components[name]["properties"]), name
    channels = components["Plan"]["properties"]["max_audio_channels"]
    assert "5.1" in channels["description"]
    enum = components[channels["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert enum == [2, 6]


def test_profile_header_parameter_is_an_optional_integer_header():
    assert PROFILE_HEADER_PARAMETER.name == "X-Profile-ID"
    assert PROFILE_HEADER_PARAMETER.location == "header"
    assert PROFILE_HEADER_PARAMETER.required is False
