"""Media on S3: a real S3 HTTP endpoint (moto's standalone server), real workers.

The server on 127.0.0.1:9100 is used when it answers (``.ci/run`` starts it for
the service-backed run); otherwise the suite starts ``moto_server`` itself on a
free port. Under CI with VOD_EXPECT_SERVICES=1 a missing server is a failure.
Each test gets buckets of its own, so tests never see each other's objects.

moto does not enforce ACLs or bucket policies: that sources stay private is
checked on what the storage sets (no public grant, presigned URLs), not by an
anonymous GET being refused.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import boto3
import m3u8
import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.response import StreamingBody
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from accounts.models import User
from catalog import services
from catalog.models import Rendition, RevisionCleanup, Video
from catalog.transcoding import pipeline
from catalog.transcoding.errors import TransientFailure
from catalog.transcoding.publish import RevisionWriter
from playback.delivery.serving import storage_file_response
from tests.catalog.factories import TitleFactory
from tests.helpers import make_test_clip, start_worker, stop_process, wait_for
from tests.playback.conftest import api_for
from tests.playback.factories import ProfileFactory, UserFactory
from vod.media_types import GROWING_PLAYLIST, IMMUTABLE, PLAYLIST
from vod.storage import MAX_ATTEMPTS, MediaStorage, is_transient

S3_PORT = 9100
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}
REGION = "us-east-1"
FAST = {
    "TRANSCODE_LADDER": "360:800,240:400",
    "TRANSCODE_X264_PRESET": "ultrafast",
    "TRANSCODE_SEGMENT_SECONDS": "2",
}


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a running S3 server: the shared one, or one started here."""
    if _answers(S3_PORT):
        yield f"http://127.0.0.1:{S3_PORT}"
        return
    if os.environ.get("CI") == "true" and os.environ.get("VOD_EXPECT_SERVICES") == "1":
        pytest.fail(f"No S3 server on 127.0.0.1:{S3_PORT}; .ci/run starts moto_server.")
    port = _free_port()
    server = subprocess.Popen(
        [
            Path(sys.executable).with_name("moto_server"),
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _answers(port), timeout=30, what="moto_server to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(server)


def _closed_endpoint() -> str:
    return f"http://127.0.0.1:{_free_port()}"  # nothing listens there


class S3:
    """Two fresh buckets on the S3 server, and the storages over them."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        suffix = uuid.uuid4().hex[:12]
        self.media_bucket = f"media-{suffix}"
        self.sources_bucket = f"sources-{suffix}"
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.client.create_bucket(Bucket=self.media_bucket)
        self.client.create_bucket(Bucket=self.sources_bucket)

    def storages(self, *, endpoint: str | None = None, media_backend=None) -> dict:
        options = {
            "endpoint_url": endpoint or self.endpoint,
            "region_name": REGION,
            **CREDENTIALS,
        }
        return {
            "default": {
                "BACKEND": "vod.storage.SourceStorage",
                "OPTIONS": {**options, "bucket_name": self.sources_bucket},
            },
            "videos": {
                "BACKEND": media_backend or "vod.storage.MediaStorage",
                "OPTIONS": {**options, "bucket_name": self.media_bucket},
            },
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }

    def worker_env(self, **extra: str) -> dict:
        """What an operator sets for a worker on this store."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.media_bucket,
            "AWS_SOURCES_BUCKET_NAME": self.sources_bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            **FAST,
            **extra,
        }

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix
        )
        return [entry["Key"] for page in pages for entry in page.get("Contents", ())]


@pytest.fixture
def s3(settings, s3_endpoint) -> S3:
    """The project's storages on S3, as AWS_STORAGE_BUCKET_NAME would set them."""
    store = S3(s3_endpoint)
    settings.STORAGES = store.storages()
    return store


def _editor() -> User:
    user = User.objects.create_user(
        email=f"ed-{uuid.uuid4().hex[:6]}@example.com", password="x", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# --- What the storages write ---------------------------------------------------


@pytest.mark.django_db
def test_outputs_carry_the_media_tables_type_and_caching(s3):
    writer = RevisionWriter("videos/v/r1/")
    writer.put_text("#EXTM3U\n", "360p.m3u8")
    writer.put_text("#EXTM3U\n", "240p.m3u8", growing=True)
    writer.put_text("<MPD/>", "manifest.mpd")
    writer.storage.save("videos/v/r1/init-0.mp4", ContentFile(b"\0" * 16))
    writer.storage.save("videos/v/r1/seg-0-00001.m4s", ContentFile(b"\0" * 16))

    def head(name: str) -> tuple[str, str]:
        meta = s3.client.head_object(Bucket=s3.media_bucket, Key=f"videos/v/r1/{name}")
        return meta["ContentType"], meta["CacheControl"]

    assert head("360p.m3u8") == ("application/vnd.apple.mpegurl", PLAYLIST)
    assert head("240p.m3u8") == ("application/vnd.apple.mpegurl", GROWING_PLAYLIST)
    assert head("manifest.mpd") == ("application/dash+xml", PLAYLIST)
    assert head("init-0.mp4") == ("video/mp4", IMMUTABLE)
    assert head("seg-0-00001.m4s") == ("video/iso.segment", IMMUTABLE)


@pytest.mark.django_db
def test_sources_are_private_and_their_urls_presigned(s3):
    video = services.video_create()
    video = services.video_source_attach(
        video=video, file=ContentFile(b"\0" * 4096, name="film.mp4"), name="film.mp4"
    )

    assert video.source.name in s3.keys(s3.sources_bucket)
    grants = s3.client.get_object_acl(Bucket=s3.sources_bucket, Key=video.source.name)
    grantees = {grant["Grantee"].get("URI", "") for grant in grants["Grants"]}
    assert not {g for g in grantees if "AllUsers" in g or "AuthenticatedUsers" in g}
    url = video.source.url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
    assert not s3.keys(s3.media_bucket)  # sources never land among public media


@pytest.mark.django_db
def test_a_range_is_one_ranged_get_never_the_whole_object(s3):
    data = os.urandom(256 * 1024)
    storage = storages["videos"]
    storage.save("videos/v/r1/seg-0-00001.m4s", ContentFile(data))
    request = RequestFactory().get("/media/s/t/x", HTTP_RANGE="bytes=1000-1999")

    response = storage_file_response(
        request, storage=storage, path="videos/v/r1/seg-0-00001.m4s"
    )

    stream = response.file_to_stream.handle
    assert isinstance(stream, StreamingBody)  # not a downloaded copy of the object
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert b"".join(response.streaming_content) == data[1000:2000]


@pytest.mark.django_db
def test_a_missing_object_is_a_404_not_a_storage_fault(s3):
    request = RequestFactory().get("/media/s/t/x")
    response = storage_file_response(
        request, storage=storages["videos"], path="videos/none/r/seg.m4s"
    )
    assert response.status_code == 404


# --- Which failures are worth a retry ------------------------------------------


def _client_error(status: int, code: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutObject",
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (EndpointConnectionError(endpoint_url="http://s3"), True),
        (ReadTimeoutError(endpoint_url="http://s3"), True),
        (_client_error(500, "InternalError"), True),
        (_client_error(503, "SlowDown"), True),
        (_client_error(400, "RequestTimeout"), True),
        (_client_error(403, "AccessDenied"), False),
        (_client_error(404, "NoSuchBucket"), False),
        (NoCredentialsError(), False),
        (ConnectionResetError(), True),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, bool) else "",
)
def test_unreachable_slow_or_busy_storage_is_transient_refusals_are_not(
    error, transient
):
    assert is_transient(error) is transient


# --- S3 unreachable ------------------------------------------------------------


class HangingUpServer:
    """Accepts each connection and closes it at once, counting them: an S3
    endpoint that answers nothing, to count how often a client tries."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed by stop()
                return
            self.connections += 1
            connection.close()

    def stop(self) -> None:
        self.socket.close()
        self.thread.join(timeout=5)


@pytest.fixture
def s3_down(settings, s3):
    """The storages point at an endpoint that hangs up on every connection."""
    server = HangingUpServer()
    settings.STORAGES = s3.storages(endpoint=server.endpoint)
    yield server
    server.stop()


@pytest.mark.django_db
def test_readyz_is_503_naming_storage_fast_when_s3_is_unreachable(client, s3_down):
    """Fast means bounded: one storage call of at most MAX_ATTEMPTS tries, each
    under the client's short timeouts, instead of botocore's default retries
    (a wall-clock limit here would fail on a busy machine)."""
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]
    assert 1 <= s3_down.connections <= MAX_ATTEMPTS


@pytest.mark.django_db
def test_readyz_is_ok_on_s3(client, s3):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"] == "ok"


@pytest.mark.django_db
def test_an_upload_while_s3_is_unreachable_is_a_fast_json_503(api_client, s3_down):
    api_client.force_authenticate(_editor())
    video = Video.objects.create()

    response = api_client.put(
        f"/api/v1/videos/{video.uuid}/source/",
        {"file": SimpleUploadedFile("film.mp4", b"\0" * 2048)},
        format="multipart",
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert response["Retry-After"]
    assert 1 <= s3_down.connections <= MAX_ATTEMPTS  # gave up fast
    video.refresh_from_db()
    assert not video.source and video.status == Video.Status.UPLOADED


@pytest.mark.django_db
def test_a_page_that_needs_s3_while_it_is_down_is_a_friendly_503(client, s3_down):
    client.force_login(_editor())
    video = Video.objects.create()

    response = client.post(
        f"/admin/catalog/video/{video.pk}/change/",
        {
            "upload": SimpleUploadedFile("film.mp4", b"\0" * 2048),
            "text_tracks-TOTAL_FORMS": "0",
            "text_tracks-INITIAL_FORMS": "0",
        },
        headers={"Accept": "text/html"},
    )

    assert response.status_code == 503
    assert b"Unavailable for a moment" in response.content


# --- The pipeline on S3 ----------------------------------------------------------


class FailingAfterWritesStorage(MediaStorage):
    """The store goes away after a few files of a revision are written.

    A test double of the fault only: the writes before it and the connection
    error after it are real, against a real endpoint and a closed port.
    """

    writes_before_fault = 4

    def _save(self, name, content):
        if type(self).writes_before_fault <= 0 and not getattr(self, "_down", False):
            self._down = True
            self.endpoint_url = _closed_endpoint()
            self._bucket = None
            self._connections.__dict__.clear()
        type(self).writes_before_fault -= 1
        return super()._save(name, content)


@pytest.mark.django_db
def test_a_storage_fault_mid_publish_releases_the_job_and_publishes_nothing(
    settings, s3, tmp_path
):
    settings.STORAGES = s3.storages(
        media_backend="tests.test_s3.FailingAfterWritesStorage"
    )
    settings.TRANSCODE_LADDER = [(240, 400)]
    settings.TRANSCODE_X264_PRESET = "ultrafast"
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    FailingAfterWritesStorage.writes_before_fault = 4
    source = make_test_clip(tmp_path / "s.mp4", size="320x240", rate=24, seconds=3)
    video = services.video_create()
    with open(source, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name="s.mp4"), name="s.mp4"
        )

    with pytest.raises(TransientFailure) as raised:
        pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))

    assert "Could not store" in raised.value.reason
    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED
    assert video.failure_reason.startswith("Retrying: Could not store")
    assert video.revision == ""
    assert not Rendition.objects.filter(video=video).exists()
    written = s3.keys(s3.media_bucket, f"videos/{video.uuid}/")
    assert written, "the fault came after some files were stored"
    assert not any(key.endswith("/manifest.mpd") for key in written)
    abandoned = {key.split("/")[2] for key in written}
    assert set(
        RevisionCleanup.objects.filter(video=video).values_list("revision", flat=True)
    ) >= abandoned - {video.preview_revision}


def _finished(video_id: int):
    current = Video.objects.get(pk=video_id)
    return (
        current if current.status in (Video.Status.READY, Video.Status.FAILED) else None
    )


def test_ingest_transcode_publish_and_play_through_s3(transactional_db, s3, tmp_path):
    source = make_test_clip(tmp_path / "source.mp4", size="480x270", rate=24, seconds=5)
    worker = start_worker(
        queues="transcode",
        env=s3.worker_env(TRANSCODE_SCRATCH_DIR=str(tmp_path / "scratch")),
    )
    try:
        video = services.video_create()
        with open(source, "rb") as handle:
            video = services.video_source_attach(
                video=video, file=File(handle, name="source.mp4"), name="source.mp4"
            )
        video = wait_for(lambda: _finished(video.pk), timeout=180, what="the transcode")
    finally:
        stop_process(worker)
    assert video.status == Video.Status.READY, video.failure_reason

    # Every published file is typed and cached as the media table says.
    prefix = video.revision_prefix(video.revision)
    keys = s3.keys(s3.media_bucket, prefix)
    assert f"{prefix}master.m3u8" in keys and f"{prefix}manifest.mpd" in keys
    for key in keys:
        meta = s3.client.head_object(Bucket=s3.media_bucket, Key=key)
        if key.endswith((".m3u8", ".mpd")):
            assert meta["CacheControl"] == PLAYLIST, key
        else:
            assert meta["CacheControl"] == IMMUTABLE, key
        if key.endswith(".m4s"):
            assert meta["ContentType"] == "video/iso.segment"
    # The source stayed in the private bucket, and nowhere else.
    assert s3.keys(s3.sources_bucket) == [video.source.name]
    assert not s3.keys(s3.media_bucket, "sources/")

    # A viewer plays it: master, variant, init and a segment, ranged, from S3.
    title = TitleFactory(video=video)
    profile = ProfileFactory(user=UserFactory())
    started = api_for(profile).post(
        "/api/v1/playback/sessions/", {"title_id": title.pk}, format="json"
    )
    assert started.status_code == 201, started.content
    hls_url = started.json()["hls_url"]
    player = Client()
    master = player.get(_path(hls_url))
    assert master.status_code == 200
    variant_url = _join(hls_url, m3u8.loads(master.content.decode()).playlists[0].uri)
    variant = player.get(_path(variant_url))
    assert variant.status_code == 200
    playlist = m3u8.loads(b"".join(variant.streaming_content).decode())
    for uri in (playlist.segment_map[0].uri, playlist.segments[0].uri):
        url = _join(variant_url, uri)
        key = prefix + url.rsplit(prefix, 1)[-1]
        stored = s3.client.get_object(Bucket=s3.media_bucket, Key=key)["Body"].read()
        ranged = player.get(_path(url), headers={"Range": "bytes=10-209"})
        assert ranged.status_code == 206
        assert b"".join(ranged.streaming_content) == stored[10:210]
        whole = player.get(_path(url))
        assert b"".join(whole.streaming_content) == stored


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _join(base: str, uri: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, uri)


def test_a_worker_that_cannot_reach_s3_retries_later_and_then_publishes(
    transactional_db, s3, tmp_path
):
    source = make_test_clip(tmp_path / "source.mp4", size="320x240", rate=24, seconds=3)
    scratch = str(tmp_path / "scratch")
    video = services.video_create()
    with open(source, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name="source.mp4"), name="source.mp4"
        )
    cut_off = start_worker(
        queues="transcode",
        env=s3.worker_env(
            AWS_S3_ENDPOINT_URL=_closed_endpoint(), TRANSCODE_SCRATCH_DIR=scratch
        ),
    )
    try:

        def released():
            current = Video.objects.get(pk=video.pk)
            return current if current.attempts and current.failure_reason else None

        held = wait_for(released, timeout=60, what="the failed attempt")
    finally:
        stop_process(cut_off, signal.SIGTERM)
    assert held.status == Video.Status.QUEUED  # released to retry, not failed
    assert held.failure_reason.startswith(
        "Retrying: Could not read the source from storage"
    )
    assert held.revision == "" and not s3.keys(s3.media_bucket)

    # The retry (after its backoff) goes to a worker that reaches the store.
    worker = start_worker(
        queues="transcode", env=s3.worker_env(TRANSCODE_SCRATCH_DIR=scratch)
    )
    try:
        video = wait_for(lambda: _finished(video.pk), timeout=180, what="the retry")
    finally:
        stop_process(worker)
    assert video.status == Video.Status.READY, video.failure_reason
    assert video.attempts == 2


@pytest.mark.django_db
def test_a_store_that_refuses_the_writes_fails_the_job_with_the_reason(
    settings, s3, tmp_path
):
    stores = s3.storages()
    stores["videos"]["OPTIONS"]["bucket_name"] = f"missing-{uuid.uuid4().hex[:8]}"
    settings.STORAGES = stores
    settings.TRANSCODE_LADDER = [(240, 400)]
    settings.TRANSCODE_X264_PRESET = "ultrafast"
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    source = make_test_clip(tmp_path / "s.mp4", size="320x240", rate=24, seconds=2)
    video = services.video_create()
    with open(source, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name="s.mp4"), name="s.mp4"
        )

    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))

    assert outcome == "failed"  # retrying would only be refused again
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert "the store refused it" in video.failure_reason
    assert "NoSuchBucket" in video.failure_reason
    assert video.revision == ""
