"""One transcode, from source in storage to a published revision.

claim the job -> fetch the source -> probe -> one ffmpeg pass for the video
and, beside it, each audio track's own runs (``audio``; the source's tracks as
editors corrected them and the tracks they added, from ``track_work``); segments go to storage
as they are finished, and the first run becomes playable after its first
segments -> storyboard, poster, text tracks -> final playlists and MPD ->
switch the video to the revision (with its renditions and audio tracks) in
one update.

The stream's segments and playlists are stored by ``stream``, the files beside
it by ``sidecars``; every name comes from ``layout``, which delivery shares.
``run_job`` is the lease around a job, shared with ``repackage``.
"""

import datetime
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ..models import Video
from ..services import video_chunks, video_lease
from . import chunked, encode, ffmpeg, layout, sidecars, stream, track_work
from .chunk_encode import CHUNKS_FOLDER
from .chunks import plan_chunks
from .errors import (
    EncoderUnavailable,
    SourceRejected,
    StorageRefused,
    TransientFailure,
)
from .job import Job
from .ladder import ladder_for, output_frame_rate
from .probe import probe
from .publish import RevisionWriter, delete_prefix
from .scratch import scratch_dir

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
ENCODE_SHARE = 90  # percent of the progress bar the encode takes


def new_revision() -> str:
    """Sortable and unique: when it was made, and a random suffix."""
    return f"{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def transcode(*, video_id: int, job_token: str) -> str:
    """Run the job if it is still wanted; returns what happened, for logs and tests.

    Bad input fails the video with its reason; transient faults release the job
    and re-raise TransientFailure for the task to retry.
    """
    return run_job(video_id=video_id, job_token=job_token, body=_run)


def run_job(
    *,
    video_id: int,
    job_token: str,
    body: Callable[[Job], None],
    failed: Callable[[str], str] = lambda reason: reason,
) -> str:
    """Claim the job, run ``body`` on a new revision in scratch, and end it as
    the outcome says; ``failed`` words the reason an editor reads."""
    video = video_lease.video_claim(
        video_id=video_id, job_token=job_token, worker=worker_name()
    )
    if video is None:
        return "skipped"
    revision = new_revision()
    try:
        with scratch_dir(str(video.uuid)) as work:
            body(
                Job(
                    video=video,
                    job_token=job_token,
                    revision=revision,
                    work=work,
                    writer=RevisionWriter(video.revision_prefix(revision)),
                )
            )
        return "ready"
    except (SourceRejected, EncoderUnavailable, StorageRefused) as exc:
        video_lease.video_fail(
            video_id=video_id,
            job_token=job_token,
            reason=failed(exc.reason),
            revision=revision,
        )
        return "failed"
    except video_lease.LeaseLost:
        logger.info("video %s: job %s was taken away; stopping", video_id, job_token)
        video_lease.video_abandon_revision(video_id=video_id, revision=revision)
        return "abandoned"
    except TransientFailure as exc:
        video_lease.video_release(
            video_id=video_id, job_token=job_token, reason=f"Retrying: {exc.reason}"
        )
        video_lease.video_abandon_revision(video_id=video_id, revision=revision)
        raise


def _run(job: Job) -> None:
    source = job.work / "source"
    _fetch_source(job, source)

    job.heartbeat(progress=1, stage=Video.Stage.PROBING)
    job.probe = probe(str(source))
    if job.probe.duration <= 0:
        raise SourceRejected("The video has no length: it may be damaged or cut off.")
    if job.probe.duration > settings.TRANSCODE_MAX_DURATION_SECONDS:
        raise SourceRejected(
            f"The video is {_clock(job.probe.duration)} long; the limit is "
            f"{_clock(settings.TRANSCODE_MAX_DURATION_SECONDS)}."
        )
    video_lease.video_probe_record(
        video_id=job.video.pk, job_token=job.job_token, probe=job.probe.as_dict()
    )
    job.rungs = ladder_for(job.probe)
    job.frame_rate = output_frame_rate(job.probe)
    job.tracks = track_work.plan_tracks(job, job.probe.audio_streams)
    top = job.rungs[0]
    plan = encode.EncodePlan(
        source=source,
        container_format=job.probe.container_format,
        output_dir=job.out,
        rungs=job.rungs,
        frame_rate=job.frame_rate,
        duration=job.probe.duration,
        storyboard=encode.storyboard_for(job.probe.duration, top.width, top.height),
    )

    job.heartbeat(progress=2, stage=Video.Stage.ENCODING)
    binary = ffmpeg.ensure_capable()
    timeout = 60 + job.probe.duration * settings.TRANSCODE_TIMEOUT_FACTOR
    chunks = plan_chunks(job.probe.duration, job.frame_rate)
    if chunks:
        playlists, sounds = chunked.encode_chunks(
            job,
            plan,
            chunks,
            worker=worker_name(),
            timeout=timeout,
            progress=(2, ENCODE_SHARE),
        )
    else:
        playlists, sounds = _encode_whole(
            job, plan, binary=binary, source=source, timeout=timeout
        )
    if any(not playlist.ended for playlist in playlists) or any(
        not playlist.ended for playlist in job.audio_playlists.values()
    ):
        raise SourceRejected("ffmpeg ended without finishing every stream.")

    job.heartbeat(progress=ENCODE_SHARE + 2, stage=Video.Stage.ARTWORK)
    thumbnails = sidecars.store_storyboard(job, plan)
    poster = sidecars.store_poster(job, source)
    text_tracks = sidecars.store_text_tracks(job)

    job.heartbeat(progress=ENCODE_SHARE + 6, stage=Video.Stage.PUBLISHING)
    renditions = stream.store_playlists(job, playlists, final=True)
    stream.write_manifests(
        job,
        bandwidths=[playlist.bandwidths() for playlist in playlists],
        video_mpd=(job.out / encode.MPD_NAME).read_text(),
        adaptations=[track_work.adaptation(r) for r in sounds],
        text_tracks=text_tracks,
    )
    video_lease.video_revision_publish(
        video_id=job.video.pk,
        job_token=job.job_token,
        revision=job.revision,
        renditions=renditions,
        audio_tracks=[track_work.audio_track_row(job, r) for r in sounds],
        hls_master=job.writer.path(layout.MASTER_PLAYLIST),
        dash_manifest=job.writer.path(layout.MPD),
        poster=poster,
        thumbnails=thumbnails,
    )
    if chunks:
        delete_prefix(job.writer.path(CHUNKS_FOLDER), job.writer.storage)
        video_chunks.video_chunks_forget(video_id=job.video.pk, job_token=job.job_token)


def _encode_whole(
    job: Job, plan, *, binary: str, source: Path, timeout: float
) -> tuple[list, list]:
    """The video in one ffmpeg run, its segments stored as they come, with
    the audio tracks' runs beside it; (rung playlists, audio renditions)."""
    sound = track_work.audio_work(
        job, binary, job.tracks, source=source, timeout=timeout
    )

    def on_progress(seconds_done: float) -> None:
        sound.advance()
        stream.sync_segments(job, plan)
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            share = min(1.0, seconds_done / job.probe.duration)
            job.heartbeat(progress=2 + int(share * (ENCODE_SHARE - 2)))

    def tick() -> None:
        stream.sync_audio(job)
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            job.heartbeat()

    try:
        encode.run(binary, plan, on_progress=on_progress, timeout=timeout)
        sound.finish(tick=tick)
    finally:
        sound.stop()
    return stream.sync_segments(job, plan), sound.renditions


def _clock(seconds: float) -> str:
    return str(datetime.timedelta(seconds=int(seconds)))


def _fetch_source(job: Job, target: Path) -> None:
    """Copy the source from storage to scratch in chunks (never whole in memory)."""
    if not job.video.source.name:
        raise SourceRejected("There is no source file to transcode.")
    track_work.fetch(job.video.source, target, what="source")
