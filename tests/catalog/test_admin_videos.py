"""Editors upload sources and subtitles and re-transcode in the admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from catalog.models import TextTrack, Video
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    editor = User.objects.create_user(
        email="ed@example.com", password="x", is_staff=True
    )
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    return client


def _inline_management(prefix: str = "text_tracks") -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_uploading_a_source_in_admin_attaches_it_and_queues_a_transcode(
    editor_client, django_capture_on_commit_callbacks
):
    movie = TitleFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        response = editor_client.post(
            "/admin/catalog/video/add/",
            {
                "upload": SimpleUploadedFile("film.mp4", b"\x00" * 4096),
                "movie": movie.pk,
                **_inline_management(),
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    video = Video.objects.get()
    movie.refresh_from_db()
    assert movie.video == video
    assert video.status == Video.Status.QUEUED
    assert video.source_name == "film.mp4"
    assert callbacks  # the transcode task is sent once the upload is committed


def test_admin_refuses_an_upload_that_is_not_a_video_file(editor_client):
    response = editor_client.post(
        "/admin/catalog/video/add/",
        {"upload": SimpleUploadedFile("notes.txt", b"hello"), **_inline_management()},
    )
    assert response.status_code == 200
    assert "does not look like a video file" in response.content.decode()
    assert not Video.objects.exists()


def test_bad_subtitles_in_the_admin_inline_are_refused_with_a_reason(editor_client):
    video = Video.objects.create()
    response = editor_client.post(
        f"/admin/catalog/video/{video.pk}/change/",
        {
            "text_tracks-TOTAL_FORMS": "1",
            "text_tracks-INITIAL_FORMS": "0",
            "text_tracks-MIN_NUM_FORMS": "0",
            "text_tracks-MAX_NUM_FORMS": "1000",
            "text_tracks-0-language": "en",
            "text_tracks-0-label": "English",
            "text_tracks-0-kind": "subtitles",
            "text_tracks-0-file": SimpleUploadedFile("en.srt", b"not subtitles at all"),
        },
    )
    assert response.status_code == 200
    assert "subtitles file" in response.content.decode()
    assert not TextTrack.objects.exists()


def test_retranscode_action_issues_a_new_job(
    editor_client, django_capture_on_commit_callbacks
):
    video = Video.objects.create(status=Video.Status.READY, revision="r1")
    video.source.save("film.mp4", SimpleUploadedFile("film.mp4", b"\x00" * 10))
    with django_capture_on_commit_callbacks() as callbacks:
        response = editor_client.post(
            "/admin/catalog/video/",
            {"action": "retranscode", "_selected_action": [video.pk]},
        )
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED
    assert (
        video.revision == "r1"
    )  # the published revision plays until the new one is done
    assert callbacks


def test_video_change_page_shows_status_progress_and_renditions(editor_client):
    video = Video.objects.create(status=Video.Status.PROCESSING, progress=42)
    response = editor_client.get(f"/admin/catalog/video/{video.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Processing" in page
    assert 'value="42"' in page
