"""A worker fetching an https:// source, against a real HTTPS server on loopback."""

import io
import os

import pytest
from django.core.files.storage import default_storage

from catalog import services
from catalog.ingest import run
from catalog.ingest.parts import Parts
from catalog.models import Video
from catalog.transcoding import pipeline
from catalog.transcoding.errors import TransientFailure
from tests.catalog.https_origin import Origin
from tests.helpers import make_test_clip

PART = 64 * 1024


@pytest.fixture
def origin(settings, tmp_path):
    server = Origin(tmp_path)
    settings.INGEST_URL_CA_BUNDLE = str(server.cert)
    settings.INGEST_URL_ALLOW_PRIVATE_HOSTS = ["localhost"]  # the test-only door
    settings.INGEST_URL_PART_BYTES = PART
    settings.INGEST_URL_READ_TIMEOUT_SECONDS = 5
    yield server
    server.stop()


def _ingest(url: str) -> Video:
    video = services.video_source_ingest(video=Video.objects.create(), location=url)
    assert video.status == Video.Status.QUEUED and video.ingest_location == url
    return video


def _fetch(video: Video) -> str:
    return run.fetch(video_id=video.pk, job_token=str(video.job_token))


def _incoming(video: Video) -> list:
    return Parts(
        storage=default_storage, video_uuid=video.uuid, job_token=str(video.job_token)
    ).stored()


def _source_bytes(video: Video) -> bytes:
    video.refresh_from_db()
    with default_storage.open(video.source.name, "rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_a_fetched_source_is_attached_and_its_transcode_runs(
    origin, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TRANSCODE_LADDER = [(144, 200)]
    settings.TRANSCODE_X264_PRESET = "ultrafast"
    clip = make_test_clip(tmp_path / "film.mp4", size="256x144", rate=25, seconds=2)
    origin.files["/masters/film.mp4"] = clip.read_bytes()
    video = _ingest(origin.url("/masters/film.mp4"))

    with django_capture_on_commit_callbacks() as queued:
        assert _fetch(video) == "fetched"

    assert _source_bytes(video) == clip.read_bytes()
    assert video.source_name == "film.mp4" and video.ingest_location == ""
    assert video.ingest_bytes == video.source_size == clip.stat().st_size
    assert video.status == Video.Status.QUEUED  # the same job, now a transcode
    assert [c for c in queued if "video_transcode_queue" in c.__qualname__]
    assert not _incoming(video)
    assert pipeline.transcode(video_id=video.pk, job_token=str(video.job_token)) == (
        "ready"
    )
    video.refresh_from_db()
    assert video.status == Video.Status.READY


@pytest.mark.django_db
def test_a_dropped_connection_resumes_with_range_from_the_bytes_stored(origin):
    data = os.urandom(5 * PART + 1234)
    origin.files["/film.mp4"] = data
    origin.drop_first["/film.mp4"] = 3 * PART + 100
    video = _ingest(origin.url("/film.mp4"))

    with pytest.raises(TransientFailure, match="broke off"):
        _fetch(video)
    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED  # released for the task's retry
    assert video.failure_reason.startswith("Retrying:")
    assert video.ingest_bytes >= 3 * PART

    assert _fetch(video) == "fetched"

    assert origin.requests == [("/film.mp4", None), ("/film.mp4", "bytes=196708-")]
    assert _source_bytes(video) == data


@pytest.mark.django_db
def test_a_server_that_ignores_range_is_taken_again_from_the_start(origin):
    data = os.urandom(4 * PART)
    origin.files["/film.mp4"] = data
    origin.drop_first["/film.mp4"] = 2 * PART + 10
    origin.ignore_range.add("/film.mp4")
    video = _ingest(origin.url("/film.mp4"))
    with pytest.raises(TransientFailure):
        _fetch(video)

    assert _fetch(video) == "fetched"

    # Answered with the whole file (200): taken from its first byte.
    assert origin.requests[1:] == [("/film.mp4", f"bytes={2 * PART + 10}-")]
    assert _source_bytes(video) == data


@pytest.mark.django_db
def test_a_file_changed_between_tries_is_fetched_whole_never_spliced(origin):
    old, new = os.urandom(4 * PART), os.urandom(4 * PART)
    origin.files["/film.mp4"], origin.etags["/film.mp4"] = old, '"v1"'
    origin.drop_first["/film.mp4"] = 2 * PART + 10
    video = _ingest(origin.url("/film.mp4"))
    with pytest.raises(TransientFailure):
        _fetch(video)
    origin.files["/film.mp4"], origin.etags["/film.mp4"] = new, '"v2"'

    assert _fetch(video) == "fetched"

    assert _source_bytes(video) == new


@pytest.mark.django_db
def test_a_fetch_stopped_before_the_join_is_not_fetched_again(origin):
    data = os.urandom(2 * PART)
    origin.files["/film.mp4"] = data
    video = _ingest(origin.url("/film.mp4"))
    parts = Parts(
        storage=default_storage, video_uuid=video.uuid, job_token=str(video.job_token)
    )
    for offset in (0, PART):  # all stored by a worker that died before the join
        parts.add(offset=offset, content=io.BytesIO(data[offset:][:PART]), size=PART)

    assert _fetch(video) == "fetched"

    assert origin.requests == [("/film.mp4", f"bytes={2 * PART}-")]  # a 416
    assert _source_bytes(video) == data


@pytest.mark.django_db
def test_a_source_over_the_size_limit_fails_by_its_length(origin, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 2 * PART
    origin.files["/big.mp4"] = os.urandom(3 * PART)
    published = _published_video()
    video = services.video_source_ingest(
        video=published, location=origin.url("/big.mp4")
    )

    assert _fetch(video) == "failed"

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert "over the size limit" in video.failure_reason
    assert video.revision == "r1" and video.hls_master_path  # still playable
    assert video.source.name == "sources/old/film.mp4"


@pytest.mark.django_db
def test_a_source_without_a_length_is_cut_off_at_the_size_limit(origin, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 2 * PART
    origin.files["/live.mp4"] = os.urandom(3 * PART)
    origin.no_length.add("/live.mp4")
    video = _ingest(origin.url("/live.mp4"))

    assert _fetch(video) == "failed"

    video.refresh_from_db()
    assert "over the size limit" in video.failure_reason
    assert not video.source
    assert not _incoming(video)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    ["https://127.0.0.1:{port}/film.mp4", "https://169.254.169.254/latest/meta-data/"],
)
def test_a_redirect_to_a_private_address_is_refused(origin, target):
    origin.files["/film.mp4"] = b"secret"
    origin.redirects["/go"] = target.format(port=origin.port)
    video = _ingest(origin.url("/go"))

    assert _fetch(video) == "failed"

    video.refresh_from_db()
    assert "private or local address" in video.failure_reason
    assert origin.requests == [("/go", None)]  # the target was never asked


@pytest.mark.django_db
def test_redirects_are_followed_a_few_times_at_most(origin, settings):
    settings.INGEST_URL_MAX_REDIRECTS = 2
    origin.files["/film.mp4"] = b"x" * 100
    for hop in range(3):
        origin.redirects[f"/{hop}"] = origin.url(f"/{hop + 1}")
    origin.redirects["/3"] = origin.url("/film.mp4")
    video = _ingest(origin.url("/0"))

    assert _fetch(video) == "failed"

    video.refresh_from_db()
    assert "redirects more than 2 times" in video.failure_reason


@pytest.mark.django_db
def test_a_server_that_hangs_is_given_up_on_after_the_read_timeout(origin, settings):
    settings.INGEST_URL_READ_TIMEOUT_SECONDS = 0.5
    origin.hanging.add("/slow.mp4")
    video = _ingest(origin.url("/slow.mp4"))

    with pytest.raises(TransientFailure, match="timed out"):
        _fetch(video)

    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED
    assert "timed out" in video.failure_reason


@pytest.mark.django_db
def test_an_untrusted_certificate_fails_the_fetch(origin, settings):
    settings.INGEST_URL_CA_BUNDLE = None  # the system's CAs never signed it
    origin.files["/film.mp4"] = b"x" * 100
    video = _ingest(origin.url("/film.mp4"))

    assert _fetch(video) == "failed"

    video.refresh_from_db()
    assert "not trusted" in video.failure_reason


@pytest.mark.django_db
def test_a_missing_file_fails_with_the_servers_answer(origin):
    video = _ingest(origin.url("/none.mp4"))

    assert _fetch(video) == "failed"

    video.refresh_from_db()
    assert "404" in video.failure_reason


def _published_video() -> Video:
    return Video.objects.create(
        status=Video.Status.READY,
        source="sources/old/film.mp4",
        revision="r1",
        hls_master_path="videos/x/r1/master.m3u8",
    )
