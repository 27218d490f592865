"""Direct uploads to S3 (moto's standalone server): parts go to the bucket.

The server is tests/test_s3.py's (``s3_endpoint``): the shared one on port
9100, or one started for the run; under VOD_EXPECT_SERVICES a missing one is a
failure. moto stores a part whatever its ``x-amz-checksum-sha256`` says, where
S3 refuses it (BadDigest): here a corrupted part is caught by the whole-file
SHA-256 instead, as it would be on any store that did not check.
"""

import hashlib
import os
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from rest_framework.test import APIClient

from catalog import tasks
from catalog.models import AddedAudioTrack, AudioTrack, Upload, Video
from tests import test_s3
from tests.catalog.transcoding.conftest import FAST_TRANSCODES, attach_and_transcode
from tests.catalog.transcoding.test_repackage import run_queued, speech, stored
from tests.catalog.upload_helpers import (
    checksums,
    create_body,
    make_editor,
    padded_clip,
    split,
)
from tests.helpers import make_test_clip, start_worker, stop_process, wait_for

# tests/test_s3.py's S3 server and fresh buckets, as fixtures here too.
s3_endpoint = test_s3.s3_endpoint
s3 = test_s3.s3

MIB = 1024 * 1024
PART = 5 * MIB  # S3's smallest part but the last


@pytest.fixture(autouse=True)
def _s3_sized_parts(settings):
    settings.UPLOAD_PART_SIZE = PART


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _create(client, name, data) -> dict:
    response = client.post("/api/v1/uploads/", create_body(name, data), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _put_parts(client, upload, parts, numbers, *, corrupt: int = 0):
    """Sign and PUT parts as a client does: with requests, to the store."""
    response = client.post(
        f"/api/v1/uploads/{upload['upload_id']}/part-urls/",
        {"parts": checksums(parts, numbers)},
        format="json",
    )
    assert response.status_code == 200, response.content
    signed = response.json()["parts"]
    for part in signed:
        body = parts[part["part_number"]]
        if part["part_number"] == corrupt:
            body = b"\xff" + body[1:]
        stored = requests.put(
            part["url"], data=body, headers=part["headers"], timeout=30
        )
        assert stored.status_code == 200, stored.text
    return signed


def _open_uploads(s3) -> list:
    return s3.client.list_multipart_uploads(Bucket=s3.sources_bucket).get("Uploads", [])


def test_an_upload_to_s3_resumes_after_a_crash_verifies_and_transcodes(
    transactional_db, s3, tmp_path
):
    data = padded_clip(tmp_path / "film.mp4", total_bytes=2 * PART + 300 * 1024)
    parts = split(data, PART)
    editor = make_editor()
    client = _client(editor)
    upload = _create(client, "film.mp4", data)
    assert upload["part_count"] == 3

    signed = _put_parts(client, upload, parts, [1])
    url = urlsplit(signed[0]["url"])
    assert f"{url.scheme}://{url.netloc}" == s3.endpoint  # straight to the store
    assert "x-amz-checksum-sha256" in parse_qs(url.query)["X-Amz-SignedHeaders"][0]

    # The client crashes; another one, with only the upload id, resumes.
    resumed = _client(editor)
    listed = resumed.get(f"/api/v1/uploads/{upload['upload_id']}/parts/")
    assert listed.status_code == 200
    assert [(p["part_number"], p["size"]) for p in listed.json()["parts"]] == [
        (1, PART)
    ]
    _put_parts(resumed, upload, parts, [2, 3])

    worker = start_worker(
        queues="default,transcode",
        env=s3.worker_env(TRANSCODE_SCRATCH_DIR=str(tmp_path / "scratch")),
    )
    try:
        done = resumed.post(
            f"/api/v1/uploads/{upload['upload_id']}/complete/",
            {"parts": checksums(parts, [1, 2, 3])},
            format="json",
        )
        assert done.status_code == 202, done.content  # a worker hashes the file
        assert done.json()["state"] == "verifying"

        def finished():
            video = Video.objects.get(uuid=upload["video"])
            ended = video.status in (Video.Status.READY, Video.Status.FAILED)
            return video if ended else None

        video = wait_for(finished, timeout=240, what="the verify and the transcode")
    finally:
        stop_process(worker)

    assert Upload.objects.get(uuid=upload["upload_id"]).state == "completed"
    assert video.status == Video.Status.READY, video.failure_reason
    assert video.source.name == upload["key"]
    stored = s3.client.get_object(Bucket=s3.sources_bucket, Key=upload["key"])
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == (
        hashlib.sha256(data).hexdigest()
    )
    assert not _open_uploads(s3)


@pytest.mark.django_db
def test_a_corrupted_part_fails_the_upload_and_leaves_nothing(
    s3, django_capture_on_commit_callbacks
):
    data = os.urandom(PART + 1000)
    parts = split(data, PART)
    client = _client(make_editor())
    upload = _create(client, "film.mp4", data)
    _put_parts(client, upload, parts, [1, 2], corrupt=2)

    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(
            f"/api/v1/uploads/{upload['upload_id']}/complete/",
            {"parts": checksums(parts, [1, 2])},
            format="json",
        )
    assert done.status_code == 202, done.content
    assert tasks.upload_verify(Upload.objects.get(uuid=upload["upload_id"]).pk) == (
        "failed"
    )

    failed = client.get(f"/api/v1/uploads/{upload['upload_id']}/").json()
    assert failed["state"] == "failed" and "SHA-256" in failed["failure_reason"]
    assert s3.keys(s3.sources_bucket) == [] and not _open_uploads(s3)
    assert not Video.objects.get(uuid=upload["video"]).source


@pytest.mark.django_db
def test_completing_without_every_part_is_refused_then_abort_drops_the_parts(s3):
    data = os.urandom(PART + 1000)
    parts = split(data, PART)
    client = _client(make_editor())
    upload = _create(client, "film.mp4", data)
    _put_parts(client, upload, parts, [1])

    refused = client.post(
        f"/api/v1/uploads/{upload['upload_id']}/complete/",
        {"parts": checksums(parts, [1, 2])},
        format="json",
    )
    assert refused.status_code == 400
    assert "Parts not stored yet: 2" in str(refused.json()["error"]["fields"])
    assert len(_open_uploads(s3)) == 1  # still open, to be resumed

    aborted = client.delete(f"/api/v1/uploads/{upload['upload_id']}/")
    assert aborted.status_code == 200 and aborted.json()["state"] == "aborted"
    assert not _open_uploads(s3) and s3.keys(s3.sources_bucket) == []


@pytest.mark.django_db
def test_beat_aborts_stale_uploads_on_s3(s3):
    data = os.urandom(PART + 1000)
    parts = split(data, PART)
    client = _client(make_editor())
    upload = _create(client, "film.mp4", data)
    _put_parts(client, upload, parts, [1])
    Upload.objects.filter(uuid=upload["upload_id"]).update(
        expires_at=Upload.objects.get(uuid=upload["upload_id"]).created_at
    )

    assert tasks.uploads_expire() == 1
    assert tasks.uploads_expire() == 0

    assert not _open_uploads(s3)
    assert Upload.objects.get(uuid=upload["upload_id"]).state == "aborted"


@pytest.mark.django_db
def test_part_urls_are_signed_for_the_endpoint_clients_reach(s3, settings):
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = "https://uploads.example.com"
    client = _client(make_editor())
    data = os.urandom(1000)
    upload = _create(client, "film.mp4", data)

    signed = client.post(
        f"/api/v1/uploads/{upload['upload_id']}/part-urls/",
        {"parts": checksums({1: data}, [1])},
        format="json",
    )

    assert signed.status_code == 200, signed.content
    url = signed.json()["parts"][0]["url"]
    assert url.startswith(f"https://uploads.example.com/{s3.sources_bucket}/")


@pytest.mark.django_db
def test_a_dub_uploaded_to_s3_in_parts_is_published_by_repackaging(
    settings, s3, tmp_path, django_capture_on_commit_callbacks
):
    for name, value in FAST_TRANSCODES.items():
        setattr(settings, name, value)
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    video, outcome = attach_and_transcode(
        make_test_clip(tmp_path / "s.mp4", size="320x240", rate=24, seconds=3)
    )
    assert outcome == "ready", video.failure_reason
    before = stored(video, video.revision)
    data = speech(tmp_path, "fr.wav", 30.0, channels=2).read_bytes()
    client = _client(make_editor())
    created = client.post(
        "/api/v1/uploads/",
        {
            **create_body("fr.wav", data, content_type="audio/wav"),
            "purpose": "audio_track",
            "video": str(video.uuid),
            "language": "fr",
            "name": "Français",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    upload = created.json()
    parts = split(data, PART)
    assert upload["part_count"] == len(parts) == 2
    _put_parts(client, upload, parts, [1, 2])

    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(
            f"/api/v1/uploads/{upload['upload_id']}/complete/",
            {"parts": checksums(parts, [1, 2])},
            format="json",
        )
    assert done.status_code == 202, done.content
    tasks.upload_verify(Upload.objects.get(uuid=upload["upload_id"]).pk)

    upload = client.get(f"/api/v1/uploads/{upload['upload_id']}/").json()
    assert upload["state"] == "completed", upload["failure_reason"]
    track = AddedAudioTrack.objects.get(pk=upload["audio_track"])
    assert track.file.name == upload["key"] and "trimmed" in track.warning
    stored_dub = s3.client.get_object(Bucket=s3.sources_bucket, Key=upload["key"])
    assert stored_dub["Body"].read() == data
    assert not _open_uploads(s3)

    old_revision = video.revision
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert video.revision != old_revision
    after = stored(video, video.revision)
    untouched = [name for name in before if name not in ("master.m3u8", "manifest.mpd")]
    assert any(name.startswith("seg-") for name in untouched)
    for name in untouched:
        assert after[name] == before[name], name
    assert AudioTrack.objects.filter(
        video=video, revision=video.revision, language="fr", role="dub"
    ).exists()
    assert b'LANGUAGE="fr"' in after["master.m3u8"]
