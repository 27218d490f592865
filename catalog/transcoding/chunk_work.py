"""A transcode worker's side of one chunk: claim it, encode it, say how it went.

Run by the chunk's own task on any transcode worker (which fetches the source
first: workers share no disk), or by the job's holder while it waits for the
others (``chunked``). The chunk row (``services.video_chunks``) is the lease:
a worker that stops reporting loses the chunk to the next one that asks.
"""

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from .. import selectors
from ..models import Video, VideoChunk
from ..services import video_chunks
from . import audio_part, chunk_encode, encode, ffmpeg, scratch, track_work
from .chunks import Chunk, chunk_from_dict, exact_rate
from .errors import EncoderUnavailable, SourceRejected, StorageRefused, TransientFailure
from .ladder import Rung
from .publish import RevisionWriter
from .scratch import scratch_dir

HEARTBEAT_SECONDS = 2.0


def chunk_spec(
    plan: encode.EncodePlan, chunk: Chunk, *, total_frames: int, timeout: float
) -> dict:
    """All a worker needs to encode ``chunk`` of ``plan`` without probing again."""
    return {
        "kind": VideoChunk.Kind.VIDEO,
        "index": chunk.index,
        "chunk": chunk.as_dict(),
        "total_frames": total_frames,
        "timeout": timeout,
        "container_format": plan.container_format,
        "rungs": [dataclasses.asdict(rung) for rung in plan.rungs],
        "frame_rate": plan.frame_rate,
        "duration": plan.duration,
        "storyboard": dataclasses.asdict(plan.storyboard),
    }


def plan_from_spec(spec: dict, source: Path, output_dir: Path) -> encode.EncodePlan:
    return encode.EncodePlan(
        source=source,
        container_format=spec["container_format"],
        output_dir=output_dir,
        rungs=[Rung(**rung) for rung in spec["rungs"]],
        frame_rate=spec["frame_rate"],
        duration=spec["duration"],
        storyboard=encode.Storyboard(**spec["storyboard"]),
    )


def run_chunk(
    *, video_id: int, job_token: str, index: int, worker: str, kind: str = "video"
) -> str:
    """The part's task: encode chunk (or audio track) ``index`` if it is still
    wanted and free.

    The source is fetched before the part is claimed: a film's source can
    take minutes to download, during which a claimed part would send no
    heartbeat and look dead to the reaper. So the worker only looks whether
    the part is free, fetches (once per job: its next parts share the
    source), then claims; a part another worker took meanwhile is skipped.
    """
    part = {"video_id": video_id, "job_token": job_token, "kind": kind, "index": index}
    if not video_chunks.video_chunk_free(**part):
        return "skipped"
    video = Video.objects.get(pk=video_id)
    label = f"source-{video.uuid}-{job_token}"
    try:
        source = _kept_source(video, label)
    except (SourceRejected, StorageRefused) as exc:
        # The source itself is unreadable: the part fails for good, with why.
        claimed = video_chunks.video_chunk_claim(**part, worker=worker)
        if claimed is not None:
            video_chunks.video_chunk_fail(chunk=claimed, reason=exc.reason)
        return "failed"
    claimed = video_chunks.video_chunk_claim(**part, worker=worker)
    if claimed is None:
        outcome = "skipped"
    else:
        outcome = _encode_claimed_part(claimed, video, source)
    if not selectors.video_chunks_left(video_id=video_id, job_token=job_token):
        scratch.drop_kept(label)
    return outcome


def _encode_claimed_part(claimed: VideoChunk, video: Video, source: Path) -> str:
    try:
        with scratch_dir(f"{video.uuid}-chunk") as work:
            return encode_part(claimed, video=video, source=source, work=work)
    except (SourceRejected, StorageRefused) as exc:
        video_chunks.video_chunk_fail(chunk=claimed, reason=exc.reason)
        return "failed"
    except TransientFailure as exc:
        video_chunks.video_chunk_release(chunk=claimed, reason=exc.reason)
        raise


def _kept_source(video: Video, label: str) -> Path:
    """The source in scratch, fetched once per worker for all the chunks of
    the job it encodes (a worker usually takes several in a row)."""
    folder = scratch.kept_dir(label)
    source, complete = folder / "source", folder / "complete"
    if not complete.exists():
        track_work.fetch(video.source, source, what="source")
        complete.touch()
    return source


def encode_part(
    claimed: VideoChunk,
    *,
    video: Video,
    source: Path,
    work: Path,
    tick: Callable[[], None] = lambda: None,
) -> str:
    """Encode a part this worker holds, a chunk or an audio track; "done",
    "failed" or "abandoned" (a transient failure gives it back and is raised)."""
    if claimed.kind == VideoChunk.Kind.VIDEO:
        return encode_claimed(claimed, video=video, source=source, work=work, tick=tick)
    return _settled(
        claimed,
        lambda: audio_part.encode_track(
            claimed, video=video, source=source, work=work, tick=tick
        ),
        frames=0,
    )


def _settled(
    claimed: VideoChunk, encode_it: Callable[[], object], *, frames: int
) -> str:
    """Run a held part's encode and record how it ended: "done", "failed"
    (bad input, for good) or "abandoned" (taken away); a transient failure
    gives the part back and is raised."""
    try:
        encode_it()
    except (SourceRejected, EncoderUnavailable, StorageRefused) as exc:
        video_chunks.video_chunk_fail(chunk=claimed, reason=exc.reason)
        return "failed"
    except TransientFailure as exc:
        video_chunks.video_chunk_release(chunk=claimed, reason=exc.reason)
        raise
    except video_chunks.ChunkLost:
        return "abandoned"
    video_chunks.video_chunk_done(chunk=claimed, frames=frames)
    return "done"


def encode_claimed(
    claimed: VideoChunk,
    *,
    video: Video,
    source: Path,
    work: Path,
    tick: Callable[[], None] = lambda: None,
) -> str:
    """Encode a chunk this worker holds; "done", "failed" or "abandoned".

    A transient failure gives the chunk back and is raised; ``tick`` is called
    as the encode goes (the job's holder keeps its own lease with it)."""
    spec = claimed.spec
    plan = plan_from_spec(spec, source, work / "out")
    chunk = chunk_from_dict(spec["chunk"])
    rate = float(exact_rate(plan.frame_rate))
    last = [time.monotonic()]
    frames = [0]

    def keep_alive() -> None:
        tick()
        if time.monotonic() - last[0] >= HEARTBEAT_SECONDS:
            last[0] = time.monotonic()
            video_chunks.video_chunk_heartbeat(chunk=claimed, frames=frames[0])

    def on_progress(seconds_done: float) -> None:
        frames[0] = min(claimed.total_frames, int(seconds_done * rate))
        keep_alive()

    return _settled(
        claimed,
        lambda: chunk_encode.encode_chunk(
            ffmpeg.ensure_capable(),
            plan,
            chunk,
            work=work,
            # Storing the fragments keeps the chunk's lease (and the holder's).
            writer=RevisionWriter(
                video.revision_prefix(claimed.revision), keep_alive=keep_alive
            ),
            on_progress=on_progress,
            timeout=spec["timeout"],
        ),
        frames=claimed.total_frames,
    )
