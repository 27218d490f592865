"""Editors' screens for titles: who may open them, and what the actions do."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from catalog.models import Title
from tests.catalog.factories import (
    CreditFactory,
    GenreFactory,
    PersonFactory,
    PosterTitleFactory,
    SeasonFactory,
    TitleFactory,
    catalog_populate,
)

pytestmark = pytest.mark.django_db

CATALOG_MODELS = ["title", "season", "episode", "genre", "person", "video"]


@pytest.fixture
def editor():
    user = User.objects.create_user(email="editor@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client):
    """Staff who may look at titles but change nothing."""
    user = User.objects.create_user(email="viewer@example.com", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="catalog", codename="view_title")
    )
    client.force_login(user)
    return client


def bulk_action(client, action: str, titles: list[Title]):
    return client.post(
        reverse("admin:catalog_title_changelist"),
        {"action": action, "_selected_action": [t.pk for t in titles], "index": 0},
        follow=True,
    )


class ImageTags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.images: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def test_editors_group_comes_from_migrations_without_superuser_powers(editor):
    codenames = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )

    assert not editor.is_superuser
    assert {"add_title", "change_title", "delete_title", "view_title"} <= codenames
    assert "view_rendition" in codenames
    assert "change_rendition" not in codenames
    assert not {name for name in codenames if name.endswith(("_user", "_group"))}


@pytest.mark.parametrize("model", CATALOG_MODELS)
def test_editors_can_open_catalog_changelists_and_add_pages(editor_client, model):
    for page in ["changelist", "add"]:
        response = editor_client.get(reverse(f"admin:catalog_{model}_{page}"))

        assert response.status_code == 200, (model, page)


@pytest.mark.parametrize(
    "url_name", ["admin:accounts_user_changelist", "admin:auth_group_changelist"]
)
def test_editors_may_not_manage_accounts_or_groups(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_admin_index_shows_editors_the_catalog_only(editor_client):
    html = editor_client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:catalog_title_changelist") in html
    assert reverse("admin:accounts_user_changelist") not in html
    assert reverse("admin:auth_group_changelist") not in html


def test_title_change_page_has_credit_and_season_inlines(editor_client):
    series = TitleFactory(series=True, name="Inline Show")
    CreditFactory(title=series, person=PersonFactory(name="Inline Star"))
    SeasonFactory(title=series, number=1, name="Opening Season")

    response = editor_client.get(
        reverse("admin:catalog_title_change", args=[series.pk])
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="credits-TOTAL_FORMS"' in html
    assert 'name="seasons-TOTAL_FORMS"' in html
    assert "Inline Star" in html
    assert 'value="Opening Season"' in html


def title_form(**overrides) -> dict:
    """The fields the title add/change form posts, with empty inlines."""
    data = {
        "kind": "movie",
        "name": "Admin Made",
        "slug": "admin-made",
        "synopsis": "",
        "year": "2024",
        "runtime_minutes": "",
        "maturity_rating": "0",
        "video": "",
        "visibility": "draft",
        "access_level": "free",
        "available_from_0": "",
        "available_from_1": "",
        "available_until_0": "",
        "available_until_1": "",
    }
    for prefix in ["credits", "seasons"]:
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | overrides


def test_adding_a_published_title_in_admin_sets_published_at_and_search_names(
    editor_client,
):
    person = PersonFactory(name="Admin Credited")

    response = editor_client.post(
        reverse("admin:catalog_title_add"),
        title_form(
            visibility="published",
            **{
                "credits-TOTAL_FORMS": "1",
                "credits-0-person": str(person.pk),
                "credits-0-role": "actor",
                "credits-0-character": "",
                "credits-0-order": "0",
            },
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    title = Title.objects.get(slug="admin-made")
    assert title.published_at is not None
    assert title.people_names == "Admin Credited"
    assert title in Title.objects.visible_to_viewers()


def test_bulk_publish_action_publishes_the_selected_titles(editor_client):
    chosen = [TitleFactory(draft=True), TitleFactory(draft=True)]
    left = TitleFactory(draft=True)

    response = bulk_action(editor_client, "publish", chosen)

    assert response.status_code == 200
    assert "Published 2 title(s)." in response.content.decode()
    for title in chosen:
        title.refresh_from_db()
        assert title.visibility == Title.Visibility.PUBLISHED
        assert title.published_at is not None
    left.refresh_from_db()
    assert left.visibility == Title.Visibility.DRAFT


def test_bulk_unpublish_action_returns_the_selected_titles_to_draft(editor_client):
    chosen = [TitleFactory(), TitleFactory()]
    left = TitleFactory()

    response = bulk_action(editor_client, "unpublish", chosen)

    assert "Unpublished 2 title(s)." in response.content.decode()
    assert set(
        Title.objects.filter(pk__in=[t.pk for t in chosen]).values_list(
            "visibility", flat=True
        )
    ) == {"draft"}
    left.refresh_from_db()
    assert left.visibility == Title.Visibility.PUBLISHED


def test_bulk_actions_need_the_change_permission(viewer_client):
    draft = TitleFactory(draft=True)
    published = TitleFactory()

    changelist = viewer_client.get(reverse("admin:catalog_title_changelist"))
    bulk_action(viewer_client, "publish", [draft])
    bulk_action(viewer_client, "unpublish", [published])

    assert changelist.status_code == 200
    assert 'value="publish"' not in changelist.content.decode()
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.visibility == Title.Visibility.DRAFT
    assert published.visibility == Title.Visibility.PUBLISHED


def test_title_changelist_shows_poster_thumbnails_with_alt_text(editor_client):
    PosterTitleFactory(name="Thumbnail Film")
    TitleFactory(name="No Poster")

    response = editor_client.get(reverse("admin:catalog_title_changelist"))

    posters = [
        image
        for image in ImageTags(response.content.decode()).images
        if "artwork/posters/" in image.get("src", "")
    ]
    assert [image["alt"] for image in posters] == ["Poster of Thumbnail Film"]


def test_title_changelist_queries_do_not_grow_with_the_catalog(editor_client):
    genres = [GenreFactory() for _ in range(3)]
    url = reverse("admin:catalog_title_changelist")
    catalog_populate(10, genres=genres)
    with CaptureQueriesContext(connection) as before:
        assert editor_client.get(url).status_code == 200

    catalog_populate(50, genres=genres)
    with CaptureQueriesContext(connection) as after:
        assert editor_client.get(url).status_code == 200

    assert len(after) == len(before)
