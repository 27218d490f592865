"""Editors' uploads and actions: the artwork size limit and their own permissions.

``ARTWORK_MAX_UPLOAD_BYTES`` was defined but never checked; the API's text
track upload and re-transcode asked for ``add_video`` (a new video) instead
of what the admin asks for the same acts.
"""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User
from catalog.models import Person, TextTrack, Title, Video
from tests.catalog.test_admin import title_form

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n"


def png(size_bytes: int) -> SimpleUploadedFile:
    """A real PNG padded with a trailing chunk to about ``size_bytes``."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    data = buffer.getvalue()
    return SimpleUploadedFile(
        "poster.png", data + b"\0" * max(0, size_bytes - len(data)), "image/png"
    )


@pytest.fixture
def editor_client(client):
    user = User.objects.create_user(email="editor@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


def test_the_admin_refuses_a_poster_over_the_artwork_limit(editor_client, settings):
    settings.ARTWORK_MAX_UPLOAD_BYTES = 50_000

    response = editor_client.post(
        reverse("admin:catalog_title_add"), title_form(poster=png(60_000))
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "poster" in errors
    assert "limit" in errors["poster"][0]
    assert not Title.objects.filter(slug="admin-made").exists()


def test_the_admin_refuses_a_person_photo_over_the_artwork_limit(
    editor_client, settings
):
    settings.ARTWORK_MAX_UPLOAD_BYTES = 50_000

    response = editor_client.post(
        reverse("admin:catalog_person_add"),
        {"name": "Big Photo", "slug": "big-photo", "bio": "", "photo": png(60_000)},
    )

    assert response.status_code == 200
    assert "photo" in response.context["adminform"].form.errors
    assert not Person.objects.exists()


def test_the_admin_takes_artwork_within_the_limit(editor_client, settings):
    settings.ARTWORK_MAX_UPLOAD_BYTES = 50_000

    response = editor_client.post(
        reverse("admin:catalog_title_add"), title_form(poster=png(40_000))
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Title.objects.get(slug="admin-made").poster.name.startswith(
        "artwork/posters/"
    )


# --- Permissions of the editors' API ---------------------------------------------


def staff_with(*codenames: str) -> User:
    user = User.objects.create_user(
        email=f"{'-'.join(codenames) or 'none'}@example.com", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalog", codename__in=codenames
        )
    )
    return user


def test_retranscode_needs_change_video_not_add_video(api_client):
    video = Video.objects.create()
    api_client.force_authenticate(staff_with("view_video", "add_video"))

    response = api_client.post(f"/api/v1/videos/{video.uuid}/retranscode/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_retranscode_is_allowed_with_change_video(api_client):
    video = Video.objects.create()
    api_client.force_authenticate(staff_with("change_video"))

    response = api_client.post(f"/api/v1/videos/{video.uuid}/retranscode/")

    # Past the permission check: refused only because there is no source.
    assert response.status_code == 400


def _add_track(api_client, video, language="en"):
    return api_client.post(
        f"/api/v1/videos/{video.uuid}/text-tracks/",
        {
            "language": language,
            "label": "English",
            "file": SimpleUploadedFile("en.vtt", VTT),
        },
        format="multipart",
    )


@pytest.mark.parametrize(
    "codenames",
    [("add_video", "change_video"), ("add_video", "add_texttrack")],
    ids=["without_add_texttrack", "without_change_video"],
)
def test_a_text_track_upload_needs_its_own_permissions(api_client, codenames):
    video = Video.objects.create()
    api_client.force_authenticate(staff_with(*codenames))

    response = _add_track(api_client, video)

    assert response.status_code == 403
    assert not TextTrack.objects.exists()


def test_replacing_a_language_needs_change_texttrack(api_client):
    video = Video.objects.create()
    api_client.force_authenticate(staff_with("change_video", "add_texttrack"))

    assert _add_track(api_client, video, language="fr").status_code == 201
    replaced = _add_track(api_client, video, language="fr")

    assert replaced.status_code == 403
    assert TextTrack.objects.count() == 1


def test_editors_may_still_add_and_replace_text_tracks_and_retranscode(api_client):
    user = User.objects.create_user(email="ed@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    api_client.force_authenticate(user)
    video = Video.objects.create()

    assert _add_track(api_client, video).status_code == 201
    assert _add_track(api_client, video).status_code == 201
    assert (
        api_client.post(f"/api/v1/videos/{video.uuid}/retranscode/").status_code == 400
    )
