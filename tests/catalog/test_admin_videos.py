"""Editors upload sources and subtitles and re-transcode in the admin."""

import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from catalog import services
from catalog.models import AudioTrack, TextTrack, Video, VideoChunk
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


def test_video_list_counts_chunks_and_frames_across_workers(editor_client):
    video = Video.objects.create(
        status=Video.Status.PROCESSING, progress=40, job_token=uuid.uuid4()
    )
    for index, (state, frames) in enumerate(
        [(VideoChunk.State.DONE, 100), (VideoChunk.State.RUNNING, 40), ("pending", 0)]
    ):
        VideoChunk.objects.create(
            video=video,
            job_token=video.job_token,
            revision="r1",
            index=index,
            state=state,
            frames=frames,
            total_frames=100,
        )
    page = editor_client.get("/admin/catalog/video/").content.decode()
    assert "1 of 3 chunks done, 140 of 300 frames encoded" in page


def test_video_change_page_shows_the_published_audio_tracks_and_loudness(
    editor_client,
):
    video = Video.objects.create(status=Video.Status.READY, revision="r2")
    common = {"video": video, "codecs": "mp4a.40.2", "bandwidth": 130_000}
    AudioTrack.objects.create(
        **common,
        revision="r2",
        position=0,
        language="fr",
        name="Français",
        role=AudioTrack.Role.MAIN,
        channels=6,
        playlist_path="videos/x/r2/audio-0-6ch.m3u8",
        loudness_in_lufs=-31.24,
        loudness_out_lufs=-24.04,
        true_peak_in_dbtp=-12.0,
        true_peak_out_dbtp=-4.8,
    )
    AudioTrack.objects.create(
        **common,
        revision="r1",  # superseded: not shown
        position=0,
        language="de",
        name="Deutsch",
        channels=2,
        playlist_path="videos/x/r1/audio-0-2ch.m3u8",
    )

    response = editor_client.get(f"/admin/catalog/video/{video.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Français" in page and "Deutsch" not in page
    assert "-31.2 → -24.0 LUFS" in page
    assert "-12.0 → -4.8 dBTP" in page
    assert 'name="audio_tracks-TOTAL_FORMS"' in page


# --- Subtitles edited or deleted in the admin republish the stream ----------


@pytest.fixture
def queued_tasks(monkeypatch) -> list[tuple]:
    """The arguments of every transcode or repackage task sent to the broker."""
    from catalog.tasks import video_repackage, video_transcode

    sent = []
    for task in (video_transcode, video_repackage):
        monkeypatch.setattr(task, "delay", lambda *args: sent.append(args))
    return sent


@pytest.fixture
def published_with_subtitles() -> tuple[Video, TextTrack]:
    """A published video with a source and one English track, added by the service."""
    video = Video.objects.create(status=Video.Status.READY, revision="r1")
    video.source.save("film.mp4", SimpleUploadedFile("film.mp4", b"\x00" * 10))
    track = services.text_track_add(
        video=video,
        language="en",
        label="English",
        file=SimpleUploadedFile("en.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"),
    )
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.READY, stage=Video.Stage.DONE
    )
    video.refresh_from_db()
    return video, track


def _track_post(video: Video, track: TextTrack, **changes) -> dict:
    row = {
        "text_tracks-0-id": track.pk,
        "text_tracks-0-video": video.pk,
        "text_tracks-0-language": track.language,
        "text_tracks-0-label": track.label,
        "text_tracks-0-kind": track.kind,
    }
    row.update({f"text_tracks-0-{key}": value for key, value in changes.items()})
    return {
        "text_tracks-TOTAL_FORMS": "1",
        "text_tracks-INITIAL_FORMS": "1",
        "text_tracks-MIN_NUM_FORMS": "0",
        "text_tracks-MAX_NUM_FORMS": "1000",
        **row,
    }


def _assert_republished(video: Video, queued_tasks: list) -> None:
    """What the service path does: a new repackage of the published revision
    (its video is not encoded again), sent once committed."""
    before = video.job_token
    video.refresh_from_db()
    assert video.job_token != before
    assert video.job_kind == Video.JobKind.REPACKAGE
    assert video.status == Video.Status.QUEUED
    assert video.revision == "r1"  # the published stream plays until then
    assert queued_tasks == [(video.pk, str(video.job_token))]


def test_service_path_republishes_as_the_admin_does(
    published_with_subtitles, django_capture_on_commit_callbacks, queued_tasks
):
    video, track = published_with_subtitles
    with django_capture_on_commit_callbacks(execute=True):
        services.text_track_update(
            track=track,
            language="en",
            label="English (UK)",
            kind=track.kind,
            is_default=False,
        )
    _assert_republished(video, queued_tasks)


def test_deleting_subtitles_in_admin_republishes_without_them(
    editor_client,
    published_with_subtitles,
    django_capture_on_commit_callbacks,
    queued_tasks,
):
    video, track = published_with_subtitles
    stored = track.file.name
    storage = track.file.storage
    assert storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/catalog/video/{video.pk}/change/",
            _track_post(video, track, DELETE="on"),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not TextTrack.objects.exists()
    assert not storage.exists(stored)
    _assert_republished(video, queued_tasks)


def test_editing_a_subtitle_label_in_admin_republishes(
    editor_client,
    published_with_subtitles,
    django_capture_on_commit_callbacks,
    queued_tasks,
):
    video, track = published_with_subtitles
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/catalog/video/{video.pk}/change/",
            _track_post(video, track, label="English (UK)", is_default="on"),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    track.refresh_from_db()
    assert (track.label, track.is_default) == ("English (UK)", True)
    _assert_republished(video, queued_tasks)


def test_replacing_a_subtitle_file_in_admin_converts_it_and_republishes(
    editor_client,
    published_with_subtitles,
    django_capture_on_commit_callbacks,
    queued_tasks,
):
    video, track = published_with_subtitles
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nBonjour\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/catalog/video/{video.pk}/change/",
            _track_post(
                video,
                track,
                language="fr",
                label="Fran\u00e7ais",
                file=SimpleUploadedFile("fr.srt", srt),
            ),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    track = TextTrack.objects.get()  # the same track, not a second one
    assert track.language == "fr"
    with track.file.open("rb") as handle:
        assert handle.read().decode().startswith("WEBVTT")
    _assert_republished(video, queued_tasks)


# --- The admin's rules are the services' -------------------------------------


def test_admin_shows_the_services_size_limit(editor_client, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 1024
    response = editor_client.post(
        "/admin/catalog/video/add/",
        {
            "upload": SimpleUploadedFile("film.mp4", b"\x00" * 4096),
            **_inline_management(),
        },
    )
    assert response.status_code == 200
    with pytest.raises(ValidationError) as refused:
        services.video_source_check(size=4096)
    assert refused.value.messages[0] in response.content.decode()
    assert not Video.objects.exists()


def test_admin_shows_an_error_a_service_raises_while_saving(
    editor_client, published_with_subtitles, monkeypatch
):
    # A rule only the write can check (e.g. another editor got there first).
    video, track = published_with_subtitles

    def refuse(**kwargs):
        raise ValidationError("Another editor changed these subtitles meanwhile.")

    monkeypatch.setattr(services, "text_track_update", refuse)
    response = editor_client.post(
        f"/admin/catalog/video/{video.pk}/change/",
        _track_post(video, track, label="Changed"),
        follow=True,
    )
    assert response.status_code == 200
    assert "Another editor changed these subtitles meanwhile." in (
        response.content.decode()
    )
    track.refresh_from_db()
    assert track.label == "English"


# --- The uploader (Uppy over the direct upload API) ---------------------------------


def _uploader(response) -> dict:
    return response.context["source_uploader"]


def test_the_add_page_uploads_new_videos_through_the_direct_upload_api(
    editor_client, settings
):
    settings.UPLOAD_PART_SIZE = 8 * 1024 * 1024
    response = editor_client.get("/admin/catalog/video/add/")

    uploader = _uploader(response)
    assert uploader["api"] == "/api/v1/"
    assert uploader["video"] is None  # each file becomes a new video
    assert uploader["partSize"] == 8 * 1024 * 1024
    assert uploader["csrfToken"]
    html = response.content.decode()
    assert 'id="source-uploader-config"' in html
    assert "vendor/uppy/uppy.min.js" in html
    assert "js/admin/source-upload.js" in html


def test_the_change_page_uploads_a_new_source_for_its_video(editor_client):
    video = Video.objects.create()

    response = editor_client.get(f"/admin/catalog/video/{video.pk}/change/")

    assert _uploader(response)["video"] == str(video.uuid)


def test_staff_who_may_only_view_videos_get_no_uploader(client):
    viewer = User.objects.create_user(
        email="look@example.com", password="x", is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_video"))
    client.force_login(viewer)
    video = Video.objects.create()

    response = client.get(f"/admin/catalog/video/{video.pk}/change/")

    assert response.status_code == 200
    assert _uploader(response) is None
    assert b"source-upload.js" not in response.content


def test_in_production_the_form_has_no_file_field_and_adds_a_video_without_one(
    editor_client, settings
):
    settings.SOURCE_UPLOADS_THROUGH_WEB = False
    movie = TitleFactory()

    page = editor_client.get("/admin/catalog/video/add/")
    response = editor_client.post(
        "/admin/catalog/video/add/", {"movie": movie.pk, **_inline_management()}
    )

    assert b'name="upload"' not in page.content
    assert _uploader(page) is not None
    assert response.status_code == 302, response.content.decode()[:3000]
    movie.refresh_from_db()
    assert movie.video.status == Video.Status.UPLOADED
    assert not movie.video.source
