"""The chunk rows of a chunked transcode: claimed once, handed on when their
worker goes quiet, failed after too many tries, requeued by the reaper."""

import datetime
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from catalog import selectors, services
from catalog.models import Video, VideoChunk
from catalog.services import video_chunks
from catalog.tasks import video_transcode_chunk
from catalog.transcoding import chunk_work
from catalog.transcoding.errors import SourceRejected
from tests.catalog.factories import VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(settings) -> tuple[Video, str]:
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 90
    settings.TRANSCODE_MAX_ATTEMPTS = 2
    video = VideoFactory(
        status=Video.Status.PROCESSING,
        job_token=uuid.uuid4(),
        heartbeat_at=timezone.now(),
    )
    token = str(video.job_token)
    video_chunks.video_chunks_plan(
        video_id=video.pk,
        job_token=token,
        revision="r1",
        specs=[{"kind": "video", "index": i, "total_frames": 100} for i in range(3)],
    )
    return video, token


def quiet(chunk: VideoChunk, minutes: int = 5) -> None:
    VideoChunk.objects.filter(pk=chunk.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_chunks_are_claimed_one_worker_each_and_counted(job):
    video, token = job
    ids = {"video_id": video.pk, "job_token": token}
    first = video_chunks.video_chunk_claim(**ids, worker="a")
    second = video_chunks.video_chunk_claim(**ids, worker="b")
    assert (first.index, second.index) == (0, 1)
    assert video_chunks.video_chunk_claim(**ids, worker="c", index=0) is None
    video_chunks.video_chunk_heartbeat(chunk=first, frames=40)
    assert video_chunks.video_chunk_done(chunk=second, frames=100)
    assert selectors.video_chunks_progress(**ids) == {
        "chunks": 3,
        "done": 1,
        "frames": 140,
        "total_frames": 300,
    }
    # Planning the same run again keeps its rows; another run's replace them.
    video_chunks.video_chunks_plan(**ids, revision="r1", specs=[])
    assert VideoChunk.objects.filter(video=video).count() == 3
    video_chunks.video_chunks_plan(**ids, revision="r2", specs=[])
    assert not VideoChunk.objects.filter(video=video).exists()


def test_a_quiet_chunk_is_handed_on_and_its_old_worker_changes_nothing(job):
    video, token = job
    ids = {"video_id": video.pk, "job_token": token}
    dead = video_chunks.video_chunk_claim(**ids, worker="a", index=1)
    quiet(dead)
    taken = video_chunks.video_chunk_claim(**ids, worker="b", index=1)
    assert taken is not None and taken.attempts == 2
    with pytest.raises(video_chunks.ChunkLost):
        video_chunks.video_chunk_heartbeat(chunk=dead, frames=10)
    assert not video_chunks.video_chunk_done(chunk=dead, frames=100)
    # Out of attempts: the next claim fails the chunk with a reason.
    video_chunks.video_chunk_release(chunk=taken, reason="the store was down")
    assert video_chunks.video_chunk_claim(**ids, worker="c", index=1) is None
    failed = VideoChunk.objects.get(video=video, index=1)
    assert failed.state == VideoChunk.State.FAILED
    assert "tried 2 times: the store was down" in failed.failure_reason


def test_a_replaced_job_stops_its_chunks(job):
    video, token = job
    ids = {"video_id": video.pk, "job_token": token}
    running = video_chunks.video_chunk_claim(**ids, worker="a")
    # An editor asks again: the job gets a new token.
    Video.objects.filter(pk=video.pk).update(
        job_token=uuid.uuid4(), status=Video.Status.QUEUED
    )
    with pytest.raises(video_chunks.ChunkLost):
        video_chunks.video_chunk_heartbeat(chunk=running, frames=10)
    assert video_chunks.video_chunk_claim(**ids, worker="b") is None


def test_reaper_requeues_a_stalled_chunk_not_the_job(
    job, monkeypatch, django_capture_on_commit_callbacks
):
    video, token = job
    sent = []
    monkeypatch.setattr(video_transcode_chunk, "delay", lambda *a: sent.append(a))
    stalled = video_chunks.video_chunk_claim(
        video_id=video.pk, job_token=token, worker="a"
    )
    quiet(stalled)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.video_transcode_reap()
    assert result["chunks_requeued"] == 1 and result["requeued"] == 0
    assert sent == [(video.pk, token, stalled.index, "video")]
    stalled.refresh_from_db()
    assert stalled.state == VideoChunk.State.PENDING
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING


@pytest.fixture
def fetching(monkeypatch) -> list[tuple]:
    """The worker's source fetch and encode, stubbed (no ffmpeg, no storage):
    what each fetch saw of chunk 0's row, and each part encoded."""
    seen = []

    def fetch(video, label):
        row = VideoChunk.objects.get(video=video, kind="video", index=0)
        seen.append(("fetch", row.state, row.worker))
        return Path("/nonexistent/source")

    def encode(claimed, video, source):
        seen.append(("encode", claimed.index, claimed.worker))
        return "done"

    monkeypatch.setattr(chunk_work, "_kept_source", fetch)
    monkeypatch.setattr(chunk_work, "_encode_claimed_part", encode)
    return seen


def run(video, token, **kwargs) -> str:
    return chunk_work.run_chunk(
        video_id=video.pk, job_token=token, index=0, worker="w", **kwargs
    )


def test_the_source_is_fetched_before_the_part_is_claimed(job, fetching):
    """A long download holds no lease, so no heartbeat can lapse during it."""
    video, token = job
    assert run(video, token) == "done"
    assert fetching == [
        ("fetch", VideoChunk.State.PENDING, ""),
        ("encode", 0, "w"),
    ]


def test_a_part_taken_during_the_fetch_is_skipped(job, fetching, monkeypatch):
    video, token = job
    fetch = chunk_work._kept_source

    def slow_fetch(video, label):
        video_chunks.video_chunk_claim(
            video_id=video.pk, job_token=token, worker="other", index=0
        )
        return fetch(video, label)

    monkeypatch.setattr(chunk_work, "_kept_source", slow_fetch)
    assert run(video, token) == "skipped"
    assert [step for step in fetching if step[0] == "encode"] == []
    assert VideoChunk.objects.get(video=video, index=0).worker == "other"


def test_a_part_held_by_a_live_worker_is_skipped_without_fetching(job, fetching):
    video, token = job
    video_chunks.video_chunk_claim(
        video_id=video.pk, job_token=token, worker="other", index=0
    )
    assert run(video, token) == "skipped"
    assert fetching == []


def test_an_unreadable_source_fails_the_part_with_its_reason(job, monkeypatch):
    video, token = job

    def missing(video, label):
        raise SourceRejected("The source file is missing from storage.")

    monkeypatch.setattr(chunk_work, "_kept_source", missing)
    assert run(video, token) == "failed"
    row = VideoChunk.objects.get(video=video, index=0)
    assert row.state == VideoChunk.State.FAILED
    assert row.failure_reason == "The source file is missing from storage."
