"""The video of a long title encoded chunk by chunk (``chunks``), then stitched.

The job's holder (the coordinator) plans the chunks as rows every transcode
worker can see (``services.video_chunks``) and sends a task per chunk to the
transcode queue; while the others encode, it encodes whichever chunk is free
itself (so one worker alone still finishes) or keeps its lease and the audio
runs going. A chunk whose worker goes quiet is free again; one that fails for
good fails the job with its reason. Each time the run of finished chunks from
the start grows, it is described as one stream (``stitch``) and, on a first
transcode, published as the preview: viewers start after the first chunk.
Once every chunk is done the stitched playlists and MPD are written as the
unchunked encode's would be, and the job publishes as usual.
"""

import time

from .. import selectors
from ..models import VideoChunk
from ..services import video_chunks
from . import chunk_encode, chunk_work, packaging, stitch, stream
from .chunks import Chunk, exact_rate
from .encode import EncodePlan
from .errors import SourceRejected, TransientFailure
from .job import Job

HEARTBEAT_SECONDS = 2.0
POLL_SECONDS = 0.5


def encode_chunks(
    job: Job,
    plan: EncodePlan,
    chunks: list[Chunk],
    *,
    worker: str,
    sound,
    timeout: float,
    progress: tuple[int, int],
) -> list[packaging.MediaPlaylist]:
    """Have every chunk encoded; the stitched, ended playlists of the rungs.

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
    ids = {"video_id": job.video.pk, "job_token": job.job_token}
    video_chunks.video_chunks_plan(**ids, revision=job.revision, specs=specs)
    video_chunks.video_chunks_queue(**ids, indexes=[c.index for c in chunks])

    records: dict[int, dict] = {}

    def tick() -> None:
        sound.advance()
        if records and not job.previewed:
            _preview_run(job, records, len(chunks))
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            counts = selectors.video_chunks_progress(**ids)
            share = counts["frames"] / max(1, counts["total_frames"])
            low, high = progress
            job.heartbeat(progress=low + int(min(1.0, share) * (high - low)))

    while len(records) < len(chunks):
        _collect(job, records)
        if len(records) == len(chunks):
            break
        claimed = video_chunks.video_chunk_claim(**ids, worker=worker)
        if claimed is None:
            tick()
            time.sleep(POLL_SECONDS)
            continue
        try:
            chunk_work.encode_claimed(
                claimed, video=job.video, source=plan.source, work=job.work, tick=tick
            )
        except TransientFailure:
            continue  # the chunk is free again, for whoever asks first
    joined = stitch.stitched([records[c.index] for c in chunks], final=True)
    stitch.write_scratch_mpd(job, joined)
    stitch.fetch_thumbnails(job)
    return joined.playlists


def _collect(job: Job, records: dict[int, dict]) -> None:
    """Read the records of newly finished chunks; fail on a failed one; preview."""
    rows = selectors.video_chunks_states(video_id=job.video.pk, job_token=job.job_token)
    for index, (state, reason) in sorted(rows.items()):
        if state == VideoChunk.State.FAILED:
            raise SourceRejected(reason or f"Chunk {index} could not be encoded.")
        if state == VideoChunk.State.DONE and index not in records:
            record = chunk_encode.stored_record(job.writer, index)
            if record is None:
                raise TransientFailure(
                    f"Chunk {index} is done but its record is missing."
                )
            records[index] = record
    _preview_run(job, records, len(rows))


def _preview_run(job: Job, records: dict[int, dict], count: int) -> None:
    """Preview the run of finished chunks from the first, unless it is all of them."""
    run = []
    for index in range(count):
        if index not in records:
            break
        run.append(records[index])
    if run:
        job.video_codecs = run[0]["codecs"]
        if len(run) < count:
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
