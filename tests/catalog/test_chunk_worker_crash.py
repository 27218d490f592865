"""Two transcode workers share a chunked title; one is killed with SIGKILL
mid-chunk: the other takes its chunk over and the title ends ready, once.

Real processes throughout: two Celery workers consume the job and its chunk
tasks from the configured broker (filesystem in the embedded run, Redis in the
service-backed run); the worker encoding a chunk for the other is killed.
"""

import signal

import av
import pytest
from django.core.files import File

from catalog import services
from catalog.models import Rendition, Video, VideoChunk
from tests.helpers import make_test_clip, start_worker, stop_process, wait_for

SECONDS, RATE = 16, 30


@pytest.fixture
def source(tmp_path):
    return make_test_clip(
        tmp_path / "source.mp4", size="1280x720", rate=RATE, seconds=SECONDS
    )


def test_sigkilled_chunk_worker_is_taken_over_and_the_title_ends_ready_once(
    transactional_db, settings, tmp_path, source
):
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 3
    env = {
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TRANSCODE_SCRATCH_DIR": str(tmp_path / "scratch"),
        "TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS": "3",
        "TRANSCODE_LADDER": "720:2800,360:800",
        "TRANSCODE_X264_PRESET": "medium",  # slow enough to be caught mid-chunk
        "TRANSCODE_SEGMENT_SECONDS": "2",
        "TRANSCODE_CHUNK_SECONDS": "4",
        "TRANSCODE_FFMPEG_THREADS": "1",
    }
    workers = [start_worker(queues="transcode", env=env) for _ in range(2)]
    try:
        video = services.video_create()
        with open(source, "rb") as handle:
            video = services.video_source_attach(
                video=video, file=File(handle, name="source.mp4"), name="source.mp4"
            )

        def helper_mid_chunk():
            holder = Video.objects.get(pk=video.pk).worker
            return (
                VideoChunk.objects.filter(
                    video=video, state=VideoChunk.State.RUNNING, frames__gt=0
                )
                .exclude(worker=holder)
                .first()
            )

        chunk = wait_for(helper_mid_chunk, timeout=180, what="a chunk on the helper")
        pid = int(chunk.worker.rpartition(":")[2])
        killed = next(w for w in workers if w.pid == pid)
        stop_process(killed, signal.SIGKILL)

        def taken_over():
            row = VideoChunk.objects.filter(pk=chunk.pk).first()
            return row is not None and row.attempts == 2 and row.worker != chunk.worker

        wait_for(taken_over, timeout=60, what="the killed worker's chunk taken over")

        def finished():
            current = Video.objects.get(pk=video.pk)
            return (
                current
                if current.status in (Video.Status.READY, Video.Status.FAILED)
                else None
            )

        video = wait_for(finished, timeout=300, what="the title to finish")
    finally:
        for worker in workers:
            stop_process(worker, signal.SIGKILL)

    assert video.status == Video.Status.READY, video.failure_reason
    assert video.attempts == 1  # the job itself never changed hands
    renditions = Rendition.objects.filter(video=video)
    assert set(renditions.values_list("revision", flat=True)) == {video.revision}
    # The holder drops the chunk rows just after it publishes.
    wait_for(
        lambda: not VideoChunk.objects.filter(video=video).exists(),
        timeout=30,
        what="the chunk rows to be dropped",
    )
    for rendition in renditions:
        path = settings.MEDIA_ROOT / rendition.playlist_path
        with av.open(str(path)) as container:
            frames = sum(
                1 for packet in container.demux(container.streams[0]) if packet.size
            )
        assert frames == SECONDS * RATE, rendition.playlist_path
