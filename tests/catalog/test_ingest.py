"""``manage.py ingest`` as an operator runs it, against a real worker process."""

import pytest

from catalog.models import Title, Video
from tests.catalog.https_origin import Origin
from tests.helpers import (
    make_test_clip,
    run_manage,
    shared_database_url,
    start_worker,
    stop_process,
)


@pytest.fixture
def tiny_source(tmp_path):
    return make_test_clip(tmp_path / "tiny.mp4", size="320x180", rate=25, seconds=2)


@pytest.fixture
def shared_env(settings):
    """What the command and the worker need to see this test's database and media."""
    return {
        "DATABASE_URL": shared_database_url(),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TRANSCODE_LADDER": "240:400,144:200",
        "TRANSCODE_X264_PRESET": "ultrafast",
    }


@pytest.fixture
def transcode_worker(transactional_db, shared_env):
    worker = start_worker(queues="transcode", env=shared_env)
    yield worker
    stop_process(worker)


def test_ingest_wait_creates_a_draft_movie_and_ends_ready(
    transcode_worker, shared_env, tiny_source
):
    result = run_manage(
        "ingest", str(tiny_source), "--title", "Tiny Film", "--wait", env=shared_env
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ready: videos/" in result.stdout
    movie = Title.objects.get(name="Tiny Film")
    assert movie.visibility == Title.Visibility.DRAFT
    assert movie.video.status == Video.Status.READY
    assert movie.video.hls_master_path.endswith("/master.m3u8")


def test_ingest_wait_exits_nonzero_with_the_reason_when_the_source_is_bad(
    transcode_worker, shared_env, tmp_path
):
    text = tmp_path / "notes.mp4"
    text.write_text("these are meeting notes, not a video\n" * 20)

    result = run_manage(
        "ingest", str(text), "--title", "Notes", "--wait", env=shared_env
    )

    assert result.returncode == 1
    assert "Transcode failed" in result.stderr
    assert "not a video file we can read" in result.stderr
    assert Title.objects.get(name="Notes").video.status == Video.Status.FAILED


def test_ingest_wait_says_so_when_no_worker_takes_the_job(
    transactional_db, shared_env, tiny_source
):
    env = {**shared_env, "INGEST_NO_WORKER_WARNING_SECONDS": "1"}

    result = run_manage(
        "ingest",
        str(tiny_source),
        "--title",
        "Lonely",
        "--wait",
        "--timeout",
        "4",
        env=env,
    )

    assert result.returncode == 1
    assert "No worker has picked the job up" in result.stderr
    assert "Gave up waiting" in result.stderr
    assert Title.objects.get(name="Lonely").video.status == Video.Status.QUEUED


def test_ingest_refuses_a_missing_file(transactional_db, shared_env):
    result = run_manage("ingest", "/no/such/file.mp4", "--title", "X", env=shared_env)

    assert result.returncode == 1
    assert "no such file" in result.stderr
    assert not Title.objects.exists()


def test_ingest_wait_fetches_an_https_location_with_a_real_worker(
    transactional_db, shared_env, tiny_source, tmp_path
):
    origin = Origin(tmp_path)
    origin.files["/deliveries/tiny.mp4"] = tiny_source.read_bytes()
    origin.drop_first["/deliveries/tiny.mp4"] = 5000  # the first try breaks off
    env = {
        **shared_env,
        "INGEST_URL_CA_BUNDLE": str(origin.cert),
        "INGEST_URL_ALLOW_PRIVATE_HOSTS": "localhost",  # the test-only setting
        "INGEST_URL_PART_BYTES": "4096",
    }
    worker = start_worker(queues="default,transcode", env=env)
    try:
        result = run_manage(
            "ingest",
            origin.url("/deliveries/tiny.mp4"),
            "--title",
            "Fetched Film",
            "--wait",
            env=env,
            timeout=240,
        )
    finally:
        stop_process(worker)
        origin.stop()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ready: videos/" in result.stdout
    video = Title.objects.get(name="Fetched Film").video
    assert video.status == Video.Status.READY
    assert video.source_name == "tiny.mp4"
    assert origin.requests[1] == ("/deliveries/tiny.mp4", "bytes=5000-")
