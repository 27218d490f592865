"""The chunks of a chunked transcode: planned by the job's holder, claimed by
any transcode worker, done, failed or handed on when their worker goes quiet.

Every write is conditional: on the job still being the video's (its token,
processing) and, for a chunk, on the worker still holding it, so a worker
that was presumed dead and comes back changes nothing.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ..models import Video, VideoChunk


class ChunkLost(Exception):
    """The chunk is no longer this worker's (handed on, or the job is gone)."""


def _stale() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(
        seconds=settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS
    )


def _job_current(video_id: int, job_token: str) -> bool:
    return Video.objects.filter(
        pk=video_id, job_token=job_token, status=Video.Status.PROCESSING
    ).exists()


def _claimable() -> Q:
    return Q(state=VideoChunk.State.PENDING) | Q(
        state=VideoChunk.State.RUNNING, heartbeat_at__lt=_stale()
    )


@transaction.atomic
def video_chunks_plan(
    *, video_id: int, job_token: str, revision: str, specs: list[dict]
) -> None:
    """The job's chunks for ``revision``: rows of another run are dropped
    (their revision is abandoned with the run), rows of this one kept."""
    VideoChunk.objects.filter(video_id=video_id).exclude(
        job_token=job_token, revision=revision
    ).delete()
    VideoChunk.objects.bulk_create(
        [
            VideoChunk(
                video_id=video_id,
                job_token=job_token,
                revision=revision,
                kind=spec["kind"],
                index=spec["index"],
                total_frames=spec["total_frames"],
                spec=spec,
            )
            for spec in specs
        ],
        ignore_conflicts=True,
    )


def video_chunks_queue(
    *, video_id: int, job_token: str, parts: list[tuple[str, int]]
) -> None:
    """Send a task per part, ``(kind, index)``, to the transcode workers."""
    from ..tasks import video_transcode_chunk

    for kind, index in parts:
        transaction.on_commit(
            lambda kind=kind, index=index: video_transcode_chunk.delay(
                video_id, job_token, index, kind
            )
        )


def video_chunk_free(*, video_id: int, job_token: str, kind: str, index: int) -> bool:
    """Whether part ``index`` of ``kind`` could be claimed now (nobody live
    holds it): a look before work worth doing only for a part still wanted,
    such as fetching the source. ``video_chunk_claim`` still decides."""
    return (
        _job_current(video_id, job_token)
        and VideoChunk.objects.filter(
            video_id=video_id, job_token=job_token, kind=kind, index=index
        )
        .filter(_claimable())
        .exists()
    )


@transaction.atomic
def video_chunk_claim(
    *,
    video_id: int,
    job_token: str,
    worker: str,
    kind: str = VideoChunk.Kind.VIDEO,
    index: int | None = None,
) -> VideoChunk | None:
    """Take part ``index`` of ``kind`` if nobody live holds it; without an
    index, the first part free of either kind (audio tracks first)."""
    if not _job_current(video_id, job_token):
        return None
    free = VideoChunk.objects.filter(video_id=video_id, job_token=job_token).filter(
        _claimable()
    )
    if index is not None:
        free = free.filter(kind=kind, index=index)
    chunk = free.select_for_update(skip_locked=True).order_by("kind", "index").first()
    if chunk is None:
        return None
    if chunk.attempts >= settings.TRANSCODE_MAX_ATTEMPTS:
        chunk.state = VideoChunk.State.FAILED
        chunk.failure_reason = (
            f"{_part(chunk)} was tried {chunk.attempts} times: "
            f"{chunk.failure_reason or 'its worker stopped each time'}"
        )
        chunk.save(update_fields=["state", "failure_reason"])
        return None
    now = timezone.now()
    VideoChunk.objects.filter(pk=chunk.pk).update(
        state=VideoChunk.State.RUNNING,
        attempts=F("attempts") + 1,
        worker=worker[:200],
        heartbeat_at=now,
        frames=0,
    )
    chunk.refresh_from_db()
    return chunk


def _part(chunk: VideoChunk) -> str:
    if chunk.kind == VideoChunk.Kind.AUDIO:
        return f"Audio track {chunk.index + 1}"
    return f"Chunk {chunk.index}"


def _held(chunk: VideoChunk) -> QuerySet[VideoChunk]:
    return VideoChunk.objects.filter(
        pk=chunk.pk, worker=chunk.worker, state=VideoChunk.State.RUNNING
    )


def video_chunk_heartbeat(*, chunk: VideoChunk, frames: int) -> None:
    """Say the chunk is being encoded, ``frames`` done; raises ChunkLost if it
    was handed on or its job is no longer the video's."""
    if not _job_current(chunk.video_id, str(chunk.job_token)):
        raise ChunkLost(f"The job of {_part(chunk)} was replaced.")
    if not _held(chunk).update(heartbeat_at=timezone.now(), frames=max(0, frames)):
        raise ChunkLost(f"{_part(chunk)} was handed to another worker.")


def video_chunk_done(*, chunk: VideoChunk, frames: int) -> bool:
    """Mark the chunk encoded and stored (its record is in storage)."""
    return bool(
        _held(chunk).update(
            state=VideoChunk.State.DONE, frames=frames, heartbeat_at=timezone.now()
        )
    )


def video_chunk_release(*, chunk: VideoChunk, reason: str) -> None:
    """Give the chunk back after a transient failure: any worker may take it."""
    _held(chunk).update(
        state=VideoChunk.State.PENDING, failure_reason=reason[:2000], worker=""
    )


def video_chunk_fail(*, chunk: VideoChunk, reason: str) -> None:
    """The chunk cannot be encoded: its job fails with this reason."""
    _held(chunk).update(state=VideoChunk.State.FAILED, failure_reason=reason[:2000])


def video_chunks_forget(*, video_id: int, job_token: str) -> None:
    """Drop a finished job's chunk rows."""
    VideoChunk.objects.filter(video_id=video_id, job_token=job_token).delete()


def video_chunks_requeue_stalled() -> int:
    """Beat: send a new task for every chunk whose worker went quiet while its
    job's holder is alive (a dead holder's whole job is requeued instead)."""
    stalled = VideoChunk.objects.filter(
        state=VideoChunk.State.RUNNING,
        heartbeat_at__lt=_stale(),
        video__status=Video.Status.PROCESSING,
        video__job_token=F("job_token"),
        video__heartbeat_at__gte=_stale(),
    )
    requeued = 0
    for chunk in stalled:
        with transaction.atomic():
            if VideoChunk.objects.filter(pk=chunk.pk, heartbeat_at__lt=_stale()).update(
                state=VideoChunk.State.PENDING, worker=""
            ):
                video_chunks_queue(
                    video_id=chunk.video_id,
                    job_token=str(chunk.job_token),
                    parts=[(chunk.kind, chunk.index)],
                )
                requeued += 1
    return requeued
