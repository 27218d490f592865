"""Administrators assign plans and see profiles; editors get nothing here."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Plan, Profile

from .factories import PlanFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def editor_client(client):
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    return client


def test_plan_list_shows_levels_streams_height_and_default(admin_client):
    response = admin_client.get(reverse("admin:accounts_plan_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ["Name", "Access level", "Max streams", "Max height", "Is default"]:
        assert heading in html
    for plan in Plan.objects.all():
        assert plan.name in html


def test_make_default_action_moves_the_default(admin_client):
    premium = Plan.objects.get(slug="premium")
    response = admin_client.post(
        reverse("admin:accounts_plan_changelist"),
        {"action": "make_default", "_selected_action": [premium.pk]},
    )
    assert response.status_code == 302
    assert list(Plan.objects.filter(is_default=True)) == [premium]


def test_user_page_assigns_a_plan_and_shows_profiles(admin_client):
    user = UserFactory()
    profile = ProfileFactory(user=user, name="Kiddo", kids=True)
    plan = PlanFactory(name="Gold")
    url = reverse("admin:accounts_user_change", args=[user.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="plan"' in html
    assert "Kiddo" in html

    data = {
        "email": user.email,
        "name": "",
        "plan": plan.pk,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "profiles-TOTAL_FORMS": "1",
        "profiles-INITIAL_FORMS": "1",
        "profiles-MIN_NUM_FORMS": "0",
        "profiles-MAX_NUM_FORMS": "5",
        "profiles-0-id": profile.pk,
        "profiles-0-user": user.pk,
        "profiles-0-name": "Kiddo",
        "profiles-0-is_kids": "on",
        "profiles-0-max_maturity": "13",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    user.refresh_from_db()
    profile.refresh_from_db()
    assert user.plan == plan
    assert profile.max_maturity == 13


def _profile_rows_form(user, profiles: list[dict], initial: int) -> dict:
    data = {
        "email": user.email,
        "name": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "profiles-TOTAL_FORMS": str(len(profiles)),
        "profiles-INITIAL_FORMS": str(initial),
        "profiles-MIN_NUM_FORMS": "0",
        "profiles-MAX_NUM_FORMS": "5",
    }
    for index, fields in enumerate(profiles):
        for key, value in fields.items():
            data[f"profiles-{index}-{key}"] = value
    return data


def test_admins_edit_a_profiles_preferences_with_the_same_checks(admin_client):
    user = UserFactory()
    profile = ProfileFactory(user=user, name="Robin")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    row = {"id": profile.pk, "user": user.pk, "name": "Robin", "max_maturity": "18"}

    refused = admin_client.post(
        url, _profile_rows_form(user, [{**row, "audio_language": "english"}], 1)
    )
    assert refused.status_code == 200
    assert "is not a language tag" in refused.content.decode()

    saved = admin_client.post(
        url,
        _profile_rows_form(
            user,
            [
                {
                    **row,
                    "audio_language": "PT-br",
                    "audio_description": "on",
                    "captions_language": "en",
                },
                {"user": user.pk, "name": "Kid", "is_kids": "on", "max_maturity": "7"},
            ],
            1,
        ),
    )
    assert saved.status_code == 302
    profile.refresh_from_db()
    assert profile.playback_preferences.as_dict() == {
        "audio_language": "pt-BR",
        "audio_description": True,
        "captions_language": "en",
    }
    assert user.profiles.get(name="Kid").audio_language == "en-US"


def test_admins_turning_a_profile_into_a_kids_one_follow_the_services(admin_client):
    """The kids default is the services' rule: a profile made a kids one
    without an audio language hears the site's; a kids profile set blank keeps
    each title's own."""
    user = UserFactory()
    robin = ProfileFactory(user=user, name="Robin")
    kid = ProfileFactory(user=user, name="Kid", kids=True, audio_language="")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    rows = [
        {"id": robin.pk, "user": user.pk, "name": "Robin", "is_kids": "on"},
        {"id": kid.pk, "user": user.pk, "name": "Kid", "is_kids": "on"},
    ]
    for row in rows:
        row["max_maturity"] = "7"

    response = admin_client.post(url, _profile_rows_form(user, rows, 2))

    assert response.status_code == 302, response.context["errors"]
    robin.refresh_from_db()
    kid.refresh_from_db()
    assert (robin.is_kids, robin.audio_language) == (True, "en-US")
    assert (kid.is_kids, kid.audio_language) == (True, "")


def _user_form(user, profiles, *, delete):
    """The user page's POST, keeping every profile but those in ``delete``."""
    data = {
        "email": user.email,
        "name": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "profiles-TOTAL_FORMS": str(len(profiles)),
        "profiles-INITIAL_FORMS": str(len(profiles)),
        "profiles-MIN_NUM_FORMS": "0",
        "profiles-MAX_NUM_FORMS": "5",
    }
    for index, profile in enumerate(profiles):
        prefix = f"profiles-{index}-"
        data |= {
            prefix + "id": profile.pk,
            prefix + "user": user.pk,
            prefix + "name": profile.name,
            prefix + "max_maturity": str(profile.max_maturity),
        }
        if profile in delete:
            data[prefix + "DELETE"] = "on"
    return data


def test_admin_refuses_deleting_the_last_profile_as_the_service_does(admin_client):
    user = UserFactory()
    only = ProfileFactory(user=user)
    with pytest.raises(ValidationError) as refused:
        services.profile_delete(profile=only)

    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(url, _user_form(user, [only], delete=[only]))

    assert response.status_code == 200
    assert refused.value.messages[0] in response.content.decode()
    assert list(Profile.objects.filter(user=user)) == [only]


def test_admin_deletes_a_profile_when_another_stays(admin_client):
    user = UserFactory()
    first, second = ProfileFactory(user=user), ProfileFactory(user=user)

    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(url, _user_form(user, [first, second], delete=[first]))

    assert response.status_code == 302, response.context["errors"]
    assert list(Profile.objects.filter(user=user)) == [second]
    # The service refuses the same deletion of what is now the last one.
    with pytest.raises(ValidationError):
        services.profile_delete(profile=second)


def test_editors_have_no_permission_on_accounts():
    editors = Group.objects.get(name="Editors")
    assert not editors.permissions.filter(content_type__app_label="accounts").exists()
    # Beyond the catalog, editors only read the analytics.
    others = editors.permissions.exclude(content_type__app_label="catalog")
    assert set(others.values_list("content_type__app_label", "codename")) == {
        ("analytics", "view_titleday")
    }
    assert Permission.objects.filter(content_type__app_label="accounts").exists()


@pytest.mark.parametrize(
    "url_name",
    ["admin:accounts_user_changelist", "admin:accounts_plan_changelist"],
)
def test_editors_cannot_open_account_screens(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_admin_replaces_the_only_profile_in_one_save(admin_client):
    """Deletions go through profile_delete after the new profiles are saved, so
    swapping the only profile for a new one is not refused."""
    user = UserFactory()
    only = ProfileFactory(user=user)
    data = _user_form(user, [only], delete=[only]) | {
        "profiles-TOTAL_FORMS": "2",
        "profiles-1-user": user.pk,
        "profiles-1-name": "Newcomer",
        "profiles-1-max_maturity": "18",
    }

    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert list(Profile.objects.filter(user=user).values_list("name", flat=True)) == [
        "Newcomer"
    ]
