"""Direct uploads on the embedded default: Django signs, receives and joins parts."""

import hashlib
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from accounts.models import User
from catalog import tasks
from catalog.models import Upload, Video
from catalog.upload_stores.local import PARTS_FOLDER
from tests.catalog.upload_helpers import (
    checksums,
    create_body,
    make_editor,
    sha256_b64,
    split,
)

pytestmark = pytest.mark.django_db

PART = 64 * 1024


@pytest.fixture(autouse=True)
def _small_parts(settings):
    settings.UPLOAD_PART_SIZE = PART


@pytest.fixture
def editor():
    return make_editor()


@pytest.fixture
def editor_client(api_client, editor):
    api_client.force_authenticate(editor)
    return api_client


@pytest.fixture
def data() -> bytes:
    return os.urandom(3 * PART + 1000)  # four parts, the last one short


def _parts_folder(settings, upload_id) -> Path:
    return Path(settings.MEDIA_ROOT) / PARTS_FOLDER / str(upload_id)


def _create(client, data, **extra) -> dict:
    response = client.post(
        "/api/v1/uploads/", create_body("film.mp4", data, **extra), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def _sign(client, upload, parts, numbers) -> dict[int, dict]:
    response = client.post(
        f"/api/v1/uploads/{upload['upload_id']}/part-urls/",
        {"parts": checksums(parts, numbers)},
        format="json",
    )
    assert response.status_code == 200, response.content
    return {part["part_number"]: part for part in response.json()["parts"]}


def _put(signed: dict, body: bytes):
    """PUT a part as any HTTP client would: no session, just the signed URL."""
    url = urlsplit(signed["url"])
    return Client().generic(
        "PUT",
        f"{url.path}?{url.query}",
        body,
        content_type="application/octet-stream",
        headers=signed["headers"],
    )


def test_an_upload_resumes_after_a_crash_and_becomes_the_videos_source(
    editor, editor_client, data, settings, django_capture_on_commit_callbacks
):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    assert upload["part_count"] == 4 and upload["state"] == "open"
    for number, signed in _sign(editor_client, upload, parts, [1, 2]).items():
        assert signed["headers"] == {"x-amz-checksum-sha256": sha256_b64(parts[number])}
        stored = _put(signed, parts[number])
        assert stored.status_code == 200, stored.content
        assert stored["ETag"] == f'"{hashlib.sha256(parts[number]).hexdigest()}"'

    # The client crashes; another one, knowing only the upload id, resumes.
    resumed = Client()
    resumed.force_login(editor)
    listed = resumed.get(f"/api/v1/uploads/{upload['upload_id']}/parts/")
    assert listed.status_code == 200
    assert [(p["part_number"], p["size"]) for p in listed.json()["parts"]] == [
        (1, PART),
        (2, PART),
    ]
    assert listed.json()["parts"][0]["checksum_sha256"] == sha256_b64(parts[1])
    for number, signed in _sign(editor_client, upload, parts, [3, 4]).items():
        assert _put(signed, parts[number]).status_code == 200

    with django_capture_on_commit_callbacks(execute=False) as queued:
        done = editor_client.post(
            f"/api/v1/uploads/{upload['upload_id']}/complete/",
            {"parts": checksums(parts, [1, 2, 3, 4])},
            format="json",
        )

    assert done.status_code == 200, done.content
    assert done.json()["state"] == "completed"
    video = Video.objects.get(uuid=upload["video"])
    assert video.source.name == upload["key"]
    assert video.status == Video.Status.QUEUED and video.source_size == len(data)
    with video.source.open("rb") as stored:
        assert (
            hashlib.sha256(stored.read()).hexdigest()
            == hashlib.sha256(data).hexdigest()
        )
    # The transcode is queued once the transaction commits.
    assert [c for c in queued if "video_transcode_queue" in c.__qualname__]
    assert not _parts_folder(settings, upload["upload_id"]).exists()


def test_a_corrupted_part_is_refused_and_nothing_of_it_is_kept(
    editor_client, data, settings
):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    signed = _sign(editor_client, upload, parts, [1])[1]

    corrupted = bytearray(parts[1])
    corrupted[100] ^= 0xFF
    response = _put(signed, bytes(corrupted))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_digest"
    listed = editor_client.get(f"/api/v1/uploads/{upload['upload_id']}/parts/")
    assert listed.json()["parts"] == []
    assert list(_parts_folder(settings, upload["upload_id"]).iterdir()) == []


def test_a_part_without_its_signed_checksum_header_is_refused(editor_client, data):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    signed = _sign(editor_client, upload, parts, [1])[1]

    response = _put({**signed, "headers": {}}, parts[1])

    assert response.status_code == 400
    assert "x-amz-checksum-sha256" in response.json()["error"]["message"]


def test_an_expired_part_url_is_refused(editor_client, data, monkeypatch):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    # The URL was signed longer ago than UPLOAD_PART_URL_SECONDS.
    an_hour_ago = signing.b62_encode(int(time.time()) - 3600)
    with monkeypatch.context() as patched:
        patched.setattr(signing.TimestampSigner, "timestamp", lambda self: an_hour_ago)
        signed = _sign(editor_client, upload, parts, [1])[1]

    response = _put(signed, parts[1])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "expired"
    assert "expired" in response.json()["error"]["message"]


def test_a_part_url_works_for_its_own_part_only(editor_client, data):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    signed = _sign(editor_client, upload, parts, [1])[1]
    other = signed["url"].replace("/parts/1/", "/parts/2/")

    response = _put({**signed, "url": other}, parts[1])

    assert response.status_code == 403


def test_completing_with_a_missing_part_is_refused_and_the_upload_stays_open(
    editor_client, data
):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    for number, signed in _sign(editor_client, upload, parts, [1, 2, 4]).items():
        assert _put(signed, parts[number]).status_code == 200

    response = editor_client.post(
        f"/api/v1/uploads/{upload['upload_id']}/complete/",
        {"parts": checksums(parts, [1, 2, 3, 4])},
        format="json",
    )

    assert response.status_code == 400
    assert "Parts not stored yet: 3" in str(response.json()["error"]["fields"])
    assert Upload.objects.get(uuid=upload["upload_id"]).state == "open"
    assert not Video.objects.get(uuid=upload["video"]).source


def test_a_file_other_than_announced_fails_and_is_deleted(
    editor_client, data, settings
):
    parts = split(data, PART)
    upload = _create(editor_client, data, sha256="0" * 64)
    for number, signed in _sign(editor_client, upload, parts, [1, 2, 3, 4]).items():
        assert _put(signed, parts[number]).status_code == 200

    response = editor_client.post(
        f"/api/v1/uploads/{upload['upload_id']}/complete/",
        {"parts": checksums(parts, [1, 2, 3, 4])},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification_failed"
    assert "SHA-256" in response.json()["error"]["message"]
    assert Upload.objects.get(uuid=upload["upload_id"]).state == "failed"
    assert not Video.objects.get(uuid=upload["video"]).source
    assert not (Path(settings.MEDIA_ROOT) / upload["key"]).exists()


def test_another_editors_upload_is_not_found(editor_client, data, api_client):
    upload = _create(editor_client, data)
    other = Client()
    other.force_login(make_editor())
    base = f"/api/v1/uploads/{upload['upload_id']}"
    part = {"parts": [{"part_number": 1, "checksum_sha256": sha256_b64(b"x")}]}

    responses = [
        other.get(f"{base}/"),
        other.get(f"{base}/parts/"),
        other.post(f"{base}/part-urls/", part, content_type="application/json"),
        other.post(f"{base}/complete/", part, content_type="application/json"),
        other.delete(f"{base}/"),
    ]

    assert {response.status_code for response in responses} == {404}
    assert Upload.objects.get(uuid=upload["upload_id"]).state == "open"


@pytest.mark.parametrize("who", ["anonymous", "viewer", "staff_not_editor"])
def test_only_editors_may_start_an_upload(api_client, who, data, settings):
    if who == "viewer":
        api_client.force_authenticate(User.objects.create_user(email="v@example.com"))
    elif who == "staff_not_editor":
        api_client.force_authenticate(
            User.objects.create_user(email="s@example.com", is_staff=True)
        )

    response = api_client.post(
        "/api/v1/uploads/", create_body("film.mp4", data), format="json"
    )

    assert response.status_code == (401 if who == "anonymous" else 403)
    assert not Upload.objects.exists() and not Video.objects.exists()


def test_a_file_over_the_limit_is_refused_before_anything_is_created(
    editor_client, settings
):
    settings.VIDEO_UPLOAD_MAX_BYTES = 1000

    response = editor_client.post(
        "/api/v1/uploads/",
        {"file_name": "big.mp4", "size": 1001, "content_type": "video/mp4"},
        format="json",
    )

    assert response.status_code == 400
    assert "limit" in str(response.json()["error"]["fields"]["size"])
    assert not Upload.objects.exists() and not Video.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / PARTS_FOLDER).exists()


def test_a_file_that_is_not_a_video_is_refused(editor_client):
    response = editor_client.post(
        "/api/v1/uploads/",
        {"file_name": "notes.pdf", "size": 10, "content_type": "application/pdf"},
        format="json",
    )

    assert response.status_code == 400
    assert "not a video" in str(response.json()["error"]["fields"]["content_type"])
    assert not Upload.objects.exists() and not Video.objects.exists()


def test_an_upload_for_an_existing_video_replaces_its_source_when_done(
    editor_client, data
):
    video = Video.objects.create()
    upload = _create(editor_client, data, video=str(video.uuid))
    assert upload["video"] == str(video.uuid)
    assert Video.objects.count() == 1


def test_abort_deletes_the_parts_and_may_be_repeated(editor_client, data, settings):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    assert (
        _put(_sign(editor_client, upload, parts, [1])[1], parts[1]).status_code == 200
    )

    first = editor_client.delete(f"/api/v1/uploads/{upload['upload_id']}/")
    again = editor_client.delete(f"/api/v1/uploads/{upload['upload_id']}/")

    assert first.status_code == again.status_code == 200
    assert first.json()["state"] == "aborted"
    assert not _parts_folder(settings, upload["upload_id"]).exists()
    signed = editor_client.post(
        f"/api/v1/uploads/{upload['upload_id']}/part-urls/",
        {"parts": checksums(parts, [2])},
        format="json",
    )
    assert signed.status_code == 409
    assert signed.json()["error"]["code"] == "not_open"


def test_beat_aborts_uploads_not_completed_in_time_and_deletes_their_parts(
    editor_client, data, settings
):
    parts = split(data, PART)
    stale = _create(editor_client, data)
    fresh = _create(editor_client, data)
    assert _put(_sign(editor_client, stale, parts, [1])[1], parts[1]).status_code == 200
    Upload.objects.filter(uuid=stale["upload_id"]).update(
        expires_at=Upload.objects.get(uuid=stale["upload_id"]).created_at
    )

    assert tasks.uploads_expire() == 1
    assert tasks.uploads_expire() == 0  # idempotent

    expired = Upload.objects.get(uuid=stale["upload_id"])
    assert expired.state == "aborted" and "24 hours" in expired.failure_reason
    assert not _parts_folder(settings, stale["upload_id"]).exists()
    assert Upload.objects.get(uuid=fresh["upload_id"]).state == "open"
    assert _parts_folder(settings, fresh["upload_id"]).is_dir()


def test_beat_queues_again_a_verification_that_never_ended(
    editor_client, data, monkeypatch, django_capture_on_commit_callbacks
):
    upload = Upload.objects.get(uuid=_create(editor_client, data)["upload_id"])
    Upload.objects.filter(pk=upload.pk).update(
        state=Upload.State.VERIFYING, expires_at=upload.created_at
    )
    queued = []
    monkeypatch.setattr(tasks.upload_verify, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.uploads_expire() == 0  # nothing aborted: it is verifying
    with django_capture_on_commit_callbacks(execute=True):
        tasks.uploads_expire()  # the new deadline has not passed yet

    assert queued == [upload.pk]
    upload.refresh_from_db()
    assert upload.state == "verifying" and upload.expires_at > upload.created_at


@pytest.mark.parametrize(
    ("name", "stored"),
    [("../../etc/passwd.mp4", "passwd.mp4"), ("..", "source"), ("a b?.mov", "a_b.mov")],
)
def test_the_file_name_becomes_a_safe_key(editor_client, name, stored):
    response = editor_client.post(
        "/api/v1/uploads/",
        {"file_name": name, "size": 10, "content_type": "video/mp4"},
        format="json",
    )

    assert response.status_code == 201, response.content
    upload = response.json()
    assert upload["key"] == f"sources/{upload['video']}/{upload['upload_id']}/{stored}"
    assert upload["file_name"] == name


def test_parts_may_be_completed_by_number_alone_as_s3_clients_list_them(
    editor_client, data
):
    parts = split(data, PART)
    upload = _create(editor_client, data)
    for number, signed in _sign(editor_client, upload, parts, [1, 2, 3, 4]).items():
        assert _put(signed, parts[number]).status_code == 200
    listed = editor_client.get(f"/api/v1/uploads/{upload['upload_id']}/parts/")

    done = editor_client.post(
        f"/api/v1/uploads/{upload['upload_id']}/complete/",
        {
            "parts": [
                {"part_number": p["part_number"], "etag": p["etag"]}
                for p in listed.json()["parts"]
            ]
        },
        format="json",
    )

    assert done.status_code == 200, done.content
    assert done.json()["state"] == "completed"


def test_the_schema_documents_every_upload_operation_and_its_refusals(api_client):
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]

    operations = {
        ("/api/v1/uploads/", "post"): {"201", "400", "401", "403", "429", "503"},
        ("/api/v1/uploads/{uuid}/", "get"): {"200", "404", "409"},
        ("/api/v1/uploads/{uuid}/", "delete"): {"200", "404", "409"},
        ("/api/v1/uploads/{uuid}/part-urls/", "post"): {"200", "400", "409"},
        ("/api/v1/uploads/{uuid}/parts/", "get"): {"200", "404", "409"},
        ("/api/v1/uploads/{uuid}/complete/", "post"): {"200", "202", "400", "409"},
    }
    for (path, method), statuses in operations.items():
        assert statuses <= set(paths[path][method]["responses"]), (path, method)


def test_staff_abort_a_stuck_upload_from_the_admin(editor_client, data, settings):
    upload = _create(editor_client, data)
    admin = Client()
    admin.force_login(
        User.objects.create_superuser(email="root@example.com", password="x")
    )
    pk = Upload.objects.get(uuid=upload["upload_id"]).pk

    listed = admin.get("/admin/catalog/upload/")
    response = admin.post(
        "/admin/catalog/upload/", {"action": "abort", "_selected_action": [pk]}
    )

    assert listed.status_code == 200 and b"film.mp4" in listed.content
    assert response.status_code == 302
    assert Upload.objects.get(pk=pk).state == "aborted"
    assert not _parts_folder(settings, upload["upload_id"]).exists()
