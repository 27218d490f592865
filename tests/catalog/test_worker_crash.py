"""A transcode worker killed with SIGKILL mid-encode: the job still ends ready, once.

Real processes throughout: ffmpeg makes the source, a Celery worker consumes the
job from the configured broker (filesystem in the embedded run, Redis in the
service-backed run) and is killed with SIGKILL; the reaper hands the job to a
second worker, which publishes exactly one revision.
"""

import os
import signal
import subprocess
import sys
import time

import imageio_ffmpeg
import pytest
from django.core.files import File
from django.core.files.storage import storages

from catalog import services
from catalog.models import Rendition, Video
from tests.helpers import ROOT, shared_database_url



def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "vod",
            "worker",
            "--queues",
            "transcode",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: SIGKILL takes ffmpeg too
    )


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30:duration=16",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=16",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    return path


def test_sigkilled_worker_mid_transcode_still_ends_ready_with_one_revision(
    transactional_db, settings, tmp_path, source
):
    scratch = tmp_path / "scratch"
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 3
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TRANSCODE_SCRATCH_DIR": str(scratch),
        "TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS": "3",
        "TRANSCODE_LADDER": "720:2800,360:800",
        "TRANSCODE_X264_PRESET": "medium",  # slow enough to be caught mid-encode
    }
    first = _start_worker(env)
    second = None
    try:
        video = services.video_create()
        with open(source, "rb") as handle:
            video = services.video_source_attach(
                video=video, file=File(handle, name="source.mp4"), name="source.mp4"
            )

        def encoding():
            current = Video.objects.get(pk=video.pk)
            return current.status == Video.Status.PROCESSING and current.progress >= 5

        _wait_for(encoding, 120, "the first worker to be encoding")
        _stop(first, signal.SIGKILL)
        assert list(scratch.iterdir()), "the killed worker left its scratch folder"

        second = _start_worker(env)
        # Once the dead worker's heartbeat is stale, the reaper hands the job over.
        time.sleep(settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS + 1)
        assert services.video_transcode_reap()["requeued"] == 1

        def finished():
            current = Video.objects.get(pk=video.pk)
            return current if current.status in (Video.Status.READY, Video.Status.FAILED) else None

        video = _wait_for(finished, 180, "the second worker to finish")
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)

    assert video.status == Video.Status.READY, video.failure_reason
    assert video.attempts == 2
    revisions = set(Rendition.objects.filter(video=video).values_list("revision", flat=True))
    assert revisions == {video.revision}
    # The killed attempt's files are scheduled for deletion, never published.
    storage = storages["videos"]
    settings.TRANSCODE_REVISION_GRACE_SECONDS = 0
    video.cleanups.update(delete_after=video.created_at)
    services.video_revisions_cleanup()
    directories, _ = storage.listdir(f"videos/{video.uuid}/")
    remaining = [d for d in directories if storage.listdir(f"videos/{video.uuid}/{d}/")[1]]
    assert remaining == [video.revision]
    # The second worker removed the scratch folder the killed one left behind.
    assert not list(scratch.iterdir())
