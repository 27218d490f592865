"""A transcode worker killed with SIGKILL mid-encode: the job still ends ready, once.

Real processes throughout: ffmpeg makes the source, a Celery worker consumes the
job from the configured broker (filesystem in the embedded run, Redis in the
service-backed run) and is killed with SIGKILL; the reaper hands the job to a
second worker, which publishes exactly one revision.
"""

import signal
import time

import pytest
from django.core.files import File
from django.core.files.storage import storages

from catalog import services
from catalog.models import Rendition, Video
from tests.helpers import make_test_clip, start_worker, stop_process, wait_for


@pytest.fixture
def source(tmp_path):
    return make_test_clip(tmp_path / "source.mp4", size="1280x720", rate=30, seconds=16)


def test_sigkilled_worker_mid_transcode_still_ends_ready_with_one_revision(
    transactional_db, settings, tmp_path, source
):
    scratch = tmp_path / "scratch"
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 3
    env = {
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TRANSCODE_SCRATCH_DIR": str(scratch),
        "TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS": "3",
        "TRANSCODE_LADDER": "720:2800,360:800",
        "TRANSCODE_X264_PRESET": "medium",  # slow enough to be caught mid-encode
    }
    first = start_worker(queues="transcode", env=env)
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

        wait_for(encoding, timeout=120, what="the first worker to be encoding")
        stop_process(first, signal.SIGKILL)
        assert list(scratch.iterdir()), "the killed worker left its scratch folder"

        second = start_worker(queues="transcode", env=env)
        # Once the dead worker's heartbeat is stale, the reaper hands the job over.
        time.sleep(settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS + 1)
        assert services.video_transcode_reap()["requeued"] == 1

        def finished():
            current = Video.objects.get(pk=video.pk)
            return (
                current
                if current.status in (Video.Status.READY, Video.Status.FAILED)
                else None
            )

        video = wait_for(finished, timeout=180, what="the second worker to finish")
    finally:
        stop_process(first, signal.SIGKILL)
        if second is not None:
            stop_process(second)

    assert video.status == Video.Status.READY, video.failure_reason
    assert video.attempts == 2
    revisions = set(
        Rendition.objects.filter(video=video).values_list("revision", flat=True)
    )
    assert revisions == {video.revision}
    # The killed attempt's files are scheduled for deletion, never published.
    storage = storages["videos"]
    settings.TRANSCODE_REVISION_GRACE_SECONDS = 0
    video.cleanups.update(delete_after=video.created_at)
    services.video_revisions_cleanup()
    directories, _ = storage.listdir(f"videos/{video.uuid}/")
    remaining = [
        d for d in directories if storage.listdir(f"videos/{video.uuid}/{d}/")[1]
    ]
    assert remaining == [video.revision]
    # The second worker removed the scratch folder the killed one left behind.
    assert not list(scratch.iterdir())
