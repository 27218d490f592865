"""The video of a long title encoded chunk by chunk (``chunks``), then stitched.

The job's holder (the coordinator) plans the parts as rows every transcode
worker can see (``services.video_chunks``): each chunk of the video, and each
audio track for the whole length (``audio_part``), and sends a task per part
to the transcode queue; while the others encode, it encodes whichever part is
free itself (so one worker alone still finishes) or keeps its lease. A part
whose worker goes quiet is free again; one that fails for good fails the job
with its reason. Each time the run of finished chunks from the start grows
(looked at every couple of seconds, also while the holder encodes a part of
its own), it is described as one stream (``stitch``) and, on a first transcode, published
as the preview once the main track is done: viewers start after the first
chunk. Once every part is done the stitched playlists and MPD are written as
the unchunked encode's would be, and the job publishes as usual.
"""

import logging
import time
from dataclasses import dataclass, field

from .. import selectors
from ..models import VideoChunk
from ..services import video_chunks
from . import audio_part, chunk_encode, chunk_work, packaging, stitch, stream
from .audio import AudioRendition
from .chunks import Chunk, exact_rate
from .encode import EncodePlan
from .errors import SourceRejected, TransientFailure
from .job import Job

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
POLL_SECONDS = 0.5


def encode_chunks(
    job: Job,
    plan: EncodePlan,
    chunks: list[Chunk],
    *,
    worker: str,
    timeout: float,
    progress: tuple[int, int],
) -> tuple[list[packaging.MediaPlaylist], list[AudioRendition]]:
    """Have every chunk and audio track encoded; the stitched, ended playlists
    of the rungs and the audio renditions.

    ``progress`` is the span of the progress bar the encode fills."""
    total = max(1, round(plan.duration * float(exact_rate(plan.frame_rate))))
    specs = []
    for chunk in chunks:
        frames = chunk.frames if chunk.frames is not None else total - chunk.start_frame
        specs.append(
            chunk_work.chunk_spec(
                plan, chunk, total_frames=max(1, frames), timeout=timeout
            )
        )
    for track in job.tracks:
        specs.append(
            audio_part.audio_spec(
                track,
                container_format=plan.container_format,
                duration=plan.duration,
                timeout=timeout,
            )
        )
    ids = {"video_id": job.video.pk, "job_token": job.job_token}
    video_chunks.video_chunks_plan(**ids, revision=job.revision, specs=specs)
    video_chunks.video_chunks_queue(
        **ids, parts=[(spec["kind"], spec["index"]) for spec in specs]
    )
    done = Done(chunks=len(chunks))

    def tick() -> None:
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            # While the holder encodes a part of its own, the parts the others
            # finish are taken in, so the preview grows when the next chunk is
            # done rather than when the holder's part is.
            _collect(job, done, parts=len(specs), strict=False)
            counts = selectors.video_chunks_progress(**ids)
            share = counts["frames"] / max(1, counts["total_frames"])
            low, high = progress
            job.heartbeat(progress=low + int(min(1.0, share) * (high - low)))

    while not _collect(job, done, parts=len(specs)):
        claimed = video_chunks.video_chunk_claim(**ids, worker=worker)
        if claimed is None:
            tick()
            time.sleep(POLL_SECONDS)
            continue
        logger.info("holder takes %s %d", claimed.kind, claimed.index)
        try:
            chunk_work.encode_part(
                claimed, video=job.video, source=plan.source, work=job.work, tick=tick
            )
        except TransientFailure:
            continue  # the part is free again, for whoever asks first
    joined = stitch.stitched([done.video[c.index] for c in chunks], final=True)
    stitch.write_scratch_mpd(job, joined)
    stitch.fetch_thumbnails(job)
    renditions = [r for t in job.tracks for r in done.audio[t.position]]
    return joined.playlists, renditions


@dataclass
class Done:
    """The records of the finished parts: chunks by index, tracks by position."""

    chunks: int
    video: dict[int, dict] = field(default_factory=dict)
    audio: dict[int, list[AudioRendition]] = field(default_factory=dict)


def _collect(job: Job, done: Done, *, parts: int, strict: bool = True) -> bool:
    """Read the records of newly finished parts (failing on a failed one) and
    preview; True once every part is done.

    Not ``strict`` (while the holder encodes a part of its own, whose outcome
    a failure raised here would be taken for), failed parts and missing
    records are left for the next strict pass."""
    began = time.monotonic()
    rows = selectors.video_chunks_states(video_id=job.video.pk, job_token=job.job_token)
    for (kind, index), (state, reason) in sorted(rows.items()):
        if state == VideoChunk.State.FAILED and strict:
            raise SourceRejected(reason or f"Part {kind} {index} could not be encoded.")
        if state != VideoChunk.State.DONE:
            continue
        if kind == VideoChunk.Kind.VIDEO and index not in done.video:
            record = _record(job, chunk_encode.record_name(index), strict=strict)
            if record is not None:
                done.video[index] = record
        elif kind == VideoChunk.Kind.AUDIO and index not in done.audio:
            record = _record(job, audio_part.record_name(index), strict=strict)
            if record is not None:
                done.audio[index] = audio_part.restore(job, index, record)
    collected = time.monotonic()
    _preview_run(job, done)
    if time.monotonic() - began > 0.5:
        logger.info(
            "holder collected in %.1f s, previewed in %.1f s",
            collected - began,
            time.monotonic() - collected,
        )
    return len(done.video) + len(done.audio) == parts


def _record(job: Job, name: str, *, strict: bool) -> dict | None:
    record = chunk_encode.stored_record(job.writer, name)
    if record is None and strict:
        raise TransientFailure(f"{name} is done but its record is missing.")
    return record


def _preview_run(job: Job, done: Done) -> None:
    """Preview the run of finished chunks from the first, unless it is all of them."""
    run = []
    for index in range(done.chunks):
        if index not in done.video:
            break
        run.append(done.video[index])
    if run:
        job.video_codecs = run[0]["codecs"]
        if len(run) < done.chunks:
            preview(job, stitch.stitched(run, final=False).playlists)


def preview(job: Job, playlists: list[packaging.MediaPlaylist]) -> None:
    """Offer the finished chunks as the growing revision, once the main track
    has audio to go with them (as ``stream.sync_segments`` does)."""
    stream.sync_audio(job)
    main = stream.main_stem(job)
    heard = main is None or bool(
        (playlist := job.audio_playlists.get(main)) and playlist.segments
    )
    if heard:
        stream.maybe_preview(job, playlists)
