"""The video of a long title encoded chunk by chunk (``chunks``), then stitched.

Each chunk is encoded and stored on its own (``chunk_encode``); after each,
the contiguous run of finished chunks from the start is described as one
stream (``stitch``) and, on a first transcode, published as the preview, so
viewers can start once the first chunk is done. The audio tracks run beside
it, for the whole duration, as in the unchunked encode.
"""

import time
from fractions import Fraction

from . import chunk_encode, packaging, stitch, stream
from .chunks import Chunk, exact_rate
from .encode import EncodePlan
from .job import Job

HEARTBEAT_SECONDS = 2.0


def encode_chunks(
    job: Job,
    plan: EncodePlan,
    chunks: list[Chunk],
    *,
    binary: str,
    sound,
    timeout: float,
    progress: tuple[int, int],
) -> list[packaging.MediaPlaylist]:
    """Encode every chunk in order; the stitched, ended playlists of the rungs.

    ``progress`` is the span of the progress bar the encode fills."""
    low, high = progress
    rate = exact_rate(plan.frame_rate)
    records: list[dict] = []
    for chunk in chunks:
        start = float(Fraction(chunk.start_frame) / rate)
        length = (
            plan.duration - start
            if chunk.frames is None
            else float(Fraction(chunk.frames) / rate)
        )

        def on_progress(seconds_done: float, start=start, length=length) -> None:
            sound.advance()
            if records and not job.previewed:
                # The finished chunks wait for the main track's first audio.
                preview(job, stitch.stitched(records, final=False).playlists)
            if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
                done = start + min(seconds_done, length)
                share = min(1.0, done / plan.duration)
                job.heartbeat(progress=low + int(share * (high - low)))

        records.append(
            chunk_encode.encode_chunk(
                binary,
                plan,
                chunk,
                work=job.work,
                writer=job.writer,
                on_progress=on_progress,
                timeout=timeout,
            )
        )
        job.video_codecs = records[0]["codecs"]
        if chunk is not chunks[-1]:
            preview(job, stitch.stitched(records, final=False).playlists)
    joined = stitch.stitched(records, final=True)
    stitch.write_scratch_mpd(job, joined)
    stitch.fetch_thumbnails(job)
    return joined.playlists


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
