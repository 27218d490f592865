"""Editors add audio tracks and correct roles on the video's admin page."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from accounts.models import User
from catalog.models import AddedAudioTrack, AudioTrackOverride, Video

from .test_repackage import run_queued, speech

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    editor = User.objects.create_user(
        email="ed@example.com", password="x", is_staff=True
    )
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    return client


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _post(video: Video, **rows) -> dict:
    data = {**_management("text_tracks")}
    for prefix in ("added_audio_tracks", "audio_overrides"):
        row = rows.get(prefix)
        data.update(_management(prefix, total=1 if row else 0))
        for key, value in (row or {}).items():
            data[f"{prefix}-0-{key}"] = value
    return data


def test_an_editor_adds_a_description_in_the_admin_and_sees_the_warning(
    editor_client, transcoded, tmp_path, settings
):
    video, _ = transcoded("normal")
    path = speech(tmp_path, "ad.wav", 4.5)
    response = editor_client.post(
        f"/admin/catalog/video/{video.pk}/change/",
        _post(
            video,
            added_audio_tracks={
                "file": SimpleUploadedFile(path.name, path.read_bytes()),
                "language": "en",
                "name": "English (described)",
                "role": "description",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    (track,) = AddedAudioTrack.objects.all()
    assert track.role == "description" and "trimmed" in track.warning
    video.refresh_from_db()
    assert video.job_kind == Video.JobKind.REPACKAGE
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    page = editor_client.get(
        f"/admin/catalog/video/{video.pk}/change/"
    ).content.decode()
    assert escape(track.warning) in page
    assert "English (described)" in page


def test_a_file_that_is_not_audio_is_a_form_error_and_nothing_is_stored(
    editor_client, transcoded
):
    video, _ = transcoded("normal")
    response = editor_client.post(
        f"/admin/catalog/video/{video.pk}/change/",
        _post(
            video,
            added_audio_tracks={
                "file": SimpleUploadedFile("x.wav", b"just some words\n" * 50),
                "language": "fr",
                "name": "Français",
                "role": "dub",
            },
        ),
    )
    assert response.status_code == 200
    assert "not an audio file" in response.content.decode()
    assert not AddedAudioTrack.objects.exists()


def test_an_editor_overrides_a_source_tracks_role_in_the_admin(
    editor_client, transcoded, settings
):
    video, _ = transcoded("three_tracks")
    response = editor_client.post(
        f"/admin/catalog/video/{video.pk}/change/",
        _post(
            video,
            audio_overrides={
                "position": "1",
                "role": "description",
                "name": "",
                "language": "",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AudioTrackOverride.objects.get().role == "description"
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert video.audio_tracks.filter(
        revision=video.revision, position=1
    ).first().role == ("description")
    missing = editor_client.post(
        f"/admin/catalog/video/{video.pk}/change/",
        _post(video, audio_overrides={"position": "9", "role": "dub"}),
    )
    assert missing.status_code == 200
    assert "no audio track 9" in missing.content.decode()
