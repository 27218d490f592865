"""Film-length dubs and descriptions through the direct uploads (local store):
sent in parts, probed as audio by a worker, published by repackaging."""

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from catalog import tasks
from catalog.models import AddedAudioTrack, Upload, Video
from tests.catalog.upload_helpers import checksums, make_editor, split

from .test_repackage import add, master, run_queued, speech, stored

PART = 64 * 1024


@pytest.fixture(autouse=True)
def _small_parts(settings):
    settings.UPLOAD_PART_SIZE = PART


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def track_body(for_video: Video, data: bytes, **extra) -> dict:
    return {
        "purpose": "audio_track",
        "video": str(for_video.uuid),
        "language": "fr",
        "name": "Français",
        "file_name": "fr-master.wav",
        "size": len(data),
        "content_type": "audio/wav",
        "sha256": hashlib.sha256(data).hexdigest(),
        **extra,
    }


def send(client, upload: dict, data: bytes) -> dict[int, bytes]:
    """Sign and PUT every part as any HTTP client would."""
    parts = split(data, PART)
    signed = client.post(
        f"/api/v1/uploads/{upload['upload_id']}/part-urls/",
        {"parts": checksums(parts, parts)},
        format="json",
    )
    assert signed.status_code == 200, signed.content
    for part in signed.json()["parts"]:
        url = urlsplit(part["url"])
        put = Client().generic(
            "PUT",
            f"{url.path}?{url.query}",
            parts[part["part_number"]],
            content_type="application/octet-stream",
            headers=part["headers"],
        )
        assert put.status_code == 200, put.content
    return parts


def complete(client, upload: dict, parts, capture) -> dict:
    """Complete, then run the verification the commit queued, as a worker."""
    with capture(execute=False):
        done = client.post(
            f"/api/v1/uploads/{upload['upload_id']}/complete/",
            {"parts": checksums(parts, parts)},
            format="json",
        )
    assert done.status_code == 202, done.content  # a worker probes it
    assert done.json()["state"] == "verifying"
    assert not AddedAudioTrack.objects.exists()
    tasks.upload_verify(Upload.objects.get(uuid=upload["upload_id"]).pk)
    return client.get(f"/api/v1/uploads/{upload['upload_id']}/").json()


def test_a_dub_uploaded_in_parts_is_published_by_repackaging(
    transcoded, settings, tmp_path, django_capture_on_commit_callbacks
):
    video, _ = transcoded("normal")
    before = stored(video, video.revision)
    old_revision = video.revision
    data = speech(tmp_path, "fr.wav", 2.5).read_bytes()
    client = _client(make_editor())

    created = client.post("/api/v1/uploads/", track_body(video, data), format="json")
    assert created.status_code == 201, created.content
    upload = created.json()
    assert (upload["purpose"], upload["language"], upload["role"]) == (
        "audio_track",
        "fr",
        "dub",
    )
    assert upload["part_count"] > 1
    parts = send(client, upload, data)
    done = complete(client, upload, parts, django_capture_on_commit_callbacks)

    assert done["state"] == "completed", done["failure_reason"]
    track = AddedAudioTrack.objects.get(pk=done["audio_track"])
    assert (track.language, track.name, track.role) == ("fr", "Français", "dub")
    assert track.file.name == upload["key"]  # the uploaded object, not a copy
    assert track.container_format == "wav" and track.warning == ""
    video.refresh_from_db()
    assert video.job_kind == Video.JobKind.REPACKAGE

    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert video.revision != old_revision
    after = stored(video, video.revision)
    untouched = [name for name in before if name not in ("master.m3u8", "manifest.mpd")]
    assert any(name.startswith("seg-") for name in untouched)
    for name in untouched:
        assert after[name] == before[name], name
    (french,) = [m for m in master(settings, video).media if m.language == "fr"]
    assert french.name == "Français"


def test_a_file_that_is_not_audio_fails_its_upload_and_adds_nothing(
    transcoded, tmp_path, django_capture_on_commit_callbacks
):
    video, _ = transcoded("normal")
    data = b"A shopping list, not a dub.\n" * 5000
    client = _client(make_editor())
    upload = client.post(
        "/api/v1/uploads/", track_body(video, data), format="json"
    ).json()
    parts = send(client, upload, data)

    done = complete(client, upload, parts, django_capture_on_commit_callbacks)

    assert done["state"] == "failed" and done["audio_track"] is None
    assert "cannot be added as an audio track" in done["failure_reason"]
    assert "not an audio file" in done["failure_reason"]
    assert not AddedAudioTrack.objects.exists()
    assert not default_storage.exists(upload["key"])
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.job_kind != "repackage"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"language": "not a language"}, "language"),
        ({"language": ""}, "language"),
        ({"name": "Two\nlines"}, "name"),
        ({"role": "main"}, "role"),
        ({"video": None}, "video"),
        ({"content_type": "video/mp4"}, "content_type"),
        ({"size": 4 * 1024**3 + 1}, "size"),
    ],
    ids=["language", "no-language", "name", "role", "video", "not-audio", "too-big"],
)
@pytest.mark.django_db
def test_a_bad_track_is_refused_at_create_and_nothing_is_created(change, field):
    video = Video.objects.create()
    body = track_body(video, b"x" * 1000, **change)
    refused = _client(make_editor()).post("/api/v1/uploads/", body, format="json")
    assert refused.status_code == 400, refused.content
    assert field in refused.json()["error"]["fields"]
    assert not Upload.objects.exists()
    assert Video.objects.count() == 1


@pytest.mark.django_db
def test_source_fields_are_refused_for_a_source_upload():
    body = track_body(Video.objects.create(), b"x" * 1000, purpose="source")
    body["content_type"] = "video/mp4"
    refused = _client(make_editor()).post("/api/v1/uploads/", body, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"language", "name"}


@pytest.mark.django_db
def test_only_editors_upload_tracks_and_only_to_their_own_uploads(
    django_capture_on_commit_callbacks,
):
    video = Video.objects.create()
    data = b"x" * (PART + 10)
    staff = User.objects.create_user(
        email="staff@example.com", password="x", is_staff=True
    )
    refused = _client(staff).post(
        "/api/v1/uploads/", track_body(video, data), format="json"
    )
    assert refused.status_code == 403
    assert not Upload.objects.exists()

    upload = (
        _client(make_editor())
        .post("/api/v1/uploads/", track_body(video, data), format="json")
        .json()
    )
    other = _client(make_editor())
    parts = split(data, PART)
    for path, body in [
        ("part-urls/", {"parts": checksums(parts, parts)}),
        ("complete/", {"parts": checksums(parts, parts)}),
    ]:
        response = other.post(
            f"/api/v1/uploads/{upload['upload_id']}/{path}", body, format="json"
        )
        assert response.status_code == 404
    assert Upload.objects.get().state == Upload.State.OPEN


def test_the_form_upload_is_held_to_the_request_body_cap(
    transcoded, tmp_path, settings
):
    video, _ = transcoded("normal")
    settings.REQUEST_BODY_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        add(video, speech(tmp_path, "fr.wav", 1.0), language="fr", name="Français")
    message = " ".join(refused.value.messages)
    assert "in one request" in message and "in parts" in message
    assert not AddedAudioTrack.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("sources/*/audio/*"))


@pytest.mark.django_db
def test_editors_see_their_own_uploads_and_why_one_failed_in_the_admin():
    video = Video.objects.create()
    editor, other = make_editor(), make_editor()
    for owner, name in [(editor, "mine.wav"), (other, "theirs.wav")]:
        Upload.objects.create(
            video=video,
            created_by=owner,
            purpose=Upload.Purpose.AUDIO_TRACK,
            file_name=name,
            size=10,
            content_type="audio/wav",
            part_size=PART,
            storage_key=f"sources/{video.uuid}/audio/{name}",
            state=Upload.State.FAILED,
            failure_reason="This file cannot be added as an audio track: empty.",
            expires_at=video.created_at,
        )
    admin = Client()
    admin.force_login(editor)

    listed = admin.get("/admin/catalog/upload/")

    assert listed.status_code == 200
    assert b"mine.wav" in listed.content and b"theirs.wav" not in listed.content
    assert b"cannot be added as an audio track" in listed.content
    theirs = Upload.objects.get(file_name="theirs.wav")
    assert admin.get(f"/admin/catalog/upload/{theirs.pk}/change/").status_code == 302
