"""The editors' video API: who may call it, what it stores, and bad input."""

import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from catalog.models import TextTrack, Video
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db

SRT = b"1\n00:00:01,000 --> 00:00:02,000\nHello\n"


@pytest.fixture
def editor():
    user = User.objects.create_user(email="ed@example.com", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(api_client, editor):
    api_client.force_authenticate(editor)
    return api_client


@pytest.fixture
def video():
    return Video.objects.create()


@pytest.mark.parametrize(
    "who", ["anonymous", "viewer", "staff_without_editors_group"], ids=str
)
def test_only_editors_may_use_the_video_api(api_client, who, video):
    if who == "viewer":
        api_client.force_authenticate(User.objects.create_user(email="v@example.com"))
    elif who == "staff_without_editors_group":
        api_client.force_authenticate(
            User.objects.create_user(email="s@example.com", is_staff=True)
        )
    calls = [
        api_client.get("/api/v1/videos/"),
        api_client.post("/api/v1/videos/", {}),
        api_client.get(f"/api/v1/videos/{video.uuid}/"),
        api_client.put(
            f"/api/v1/videos/{video.uuid}/source/",
            {"file": SimpleUploadedFile("a.mp4", b"x")},
            format="multipart",
        ),
        api_client.post(f"/api/v1/videos/{video.uuid}/retranscode/"),
    ]
    # Anonymous callers are told to authenticate (401); signed-in ones are refused.
    expected = 401 if who == "anonymous" else 403
    assert {response.status_code for response in calls} == {expected}
    assert calls[0].json()["error"]["code"] in {
        "not_authenticated",
        "permission_denied",
    }
    video.refresh_from_db()
    assert not video.source


def test_editor_creates_a_video_for_a_movie_and_uploads_its_source(
    editor_client, django_capture_on_commit_callbacks
):
    movie = TitleFactory()
    created = editor_client.post(
        "/api/v1/videos/", {"title_id": movie.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    video_uuid = created.json()["uuid"]
    assert created.json()["title_id"] == movie.pk
    assert created.json()["status"] == "uploaded"

    with django_capture_on_commit_callbacks() as callbacks:
        uploaded = editor_client.put(
            f"/api/v1/videos/{video_uuid}/source/",
            {"file": SimpleUploadedFile("film.mp4", b"\x00" * 2048)},
            format="multipart",
        )

    assert uploaded.status_code == 202, uploaded.content
    body = uploaded.json()
    assert body["status"] == "queued"
    assert body["stage"] == "waiting"
    assert body["source_size"] == 2048
    video = Video.objects.get(uuid=video_uuid)
    assert video.source.name.startswith(f"sources/{video_uuid}/")
    assert video.job_token is not None
    assert len(callbacks) >= 1  # the transcode is queued once committed

    status = editor_client.get(f"/api/v1/videos/{video_uuid}/")
    assert status.status_code == 200
    assert {"progress", "stage_label", "failure_reason", "renditions"} <= set(
        status.json()
    )


def test_a_source_over_the_size_limit_is_refused_and_nothing_is_stored(
    editor_client, video, settings
):
    settings.VIDEO_UPLOAD_MAX_BYTES = 1000

    response = editor_client.put(
        f"/api/v1/videos/{video.uuid}/source/",
        {"file": SimpleUploadedFile("big.mp4", b"\x00" * 5000)},
        format="multipart",
    )

    assert response.status_code == 400
    assert "limit" in " ".join(response.json()["error"]["fields"]["file"])
    video.refresh_from_db()
    assert not video.source
    assert video.status == Video.Status.UPLOADED


def test_unknown_video_is_a_json_404(editor_client):
    response = editor_client.get(f"/api/v1/videos/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_series_cannot_get_a_video_of_its_own(editor_client):
    series = TitleFactory(series=True)
    response = editor_client.post(
        "/api/v1/videos/", {"title_id": series.pk}, format="json"
    )
    assert response.status_code == 400
    assert not Video.objects.exists()


def test_unknown_status_filter_is_a_400(editor_client):
    response = editor_client.get("/api/v1/videos/?status=exploded")
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_retranscode_without_a_source_is_a_400(editor_client, video):
    response = editor_client.post(f"/api/v1/videos/{video.uuid}/retranscode/")
    assert response.status_code == 400


def test_srt_subtitles_are_stored_as_webvtt(editor_client, video):
    response = editor_client.post(
        f"/api/v1/videos/{video.uuid}/text-tracks/",
        {
            "language": "en",
            "label": "English",
            "file": SimpleUploadedFile("en.srt", SRT),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    track = TextTrack.objects.get(video=video)
    assert track.file.read().decode().startswith("WEBVTT")


def test_junk_subtitles_are_refused_with_a_reason(editor_client, video):
    response = editor_client.post(
        f"/api/v1/videos/{video.uuid}/text-tracks/",
        {
            "language": "en",
            "label": "English",
            "file": SimpleUploadedFile("en.srt", b"\x89PNG\r\n\x1a\n\x00\x00junk"),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"]
    assert not TextTrack.objects.exists()
