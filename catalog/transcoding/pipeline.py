"""One transcode, from source in storage to a published revision.

claim the job -> fetch the source -> probe -> one ffmpeg pass (segments go to
storage as they are finished; the first run becomes playable after its first
segments) -> storyboard, poster, text tracks -> final playlists and MPD ->
switch the video to the revision in one update.

The stream's segments and playlists are stored by ``stream``, the files beside
it by ``sidecars``; every name comes from ``layout``, which delivery shares.
"""

import datetime
import logging
import os
import secrets
import shutil
import socket
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ..models import Video
from ..services import video_lease
from . import encode, ffmpeg, layout, packaging, sidecars, stream
from .errors import (
    EncoderUnavailable,
    SourceRejected,
    StorageRefused,
    TransientFailure,
)
from .job import Job
from .ladder import ladder_for, output_frame_rate
from .probe import probe
from .publish import STORAGE_ERRORS, RevisionWriter, storage_failure
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
    video = video_lease.video_claim(
        video_id=video_id, job_token=job_token, worker=worker_name()
    )
    if video is None:
        return "skipped"
    revision = new_revision()
    job = None
    try:
        with scratch_dir(str(video.uuid)) as work:
            job = Job(
                video=video,
                job_token=job_token,
                revision=revision,
                work=work,
                writer=RevisionWriter(video.revision_prefix(revision)),
            )
            _run(job)
        return "ready"
    except (SourceRejected, EncoderUnavailable, StorageRefused) as exc:
        video_lease.video_fail(
            video_id=video_id, job_token=job_token, reason=exc.reason, revision=revision
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
    top = job.rungs[0]
    plan = encode.EncodePlan(
        source=source,
        container_format=job.probe.container_format,
        output_dir=job.out,
        rungs=job.rungs,
        frame_rate=job.frame_rate,
        duration=job.probe.duration,
        has_audio=job.probe.has_audio,
        storyboard=encode.storyboard_for(job.probe.duration, top.width, top.height),
    )

    job.heartbeat(progress=2, stage=Video.Stage.ENCODING)
    binary = ffmpeg.ensure_capable()

    def on_progress(seconds_done: float) -> None:
        stream.sync_segments(job, plan)
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            share = min(1.0, seconds_done / job.probe.duration)
            job.heartbeat(progress=2 + int(share * (ENCODE_SHARE - 2)))

    encode.run(
        binary,
        plan,
        on_progress=on_progress,
        timeout=60 + job.probe.duration * settings.TRANSCODE_TIMEOUT_FACTOR,
    )
    playlists = stream.sync_segments(job, plan)
    if any(not playlist.ended for playlist in playlists):
        raise SourceRejected("ffmpeg ended without finishing every stream.")

    job.heartbeat(progress=ENCODE_SHARE + 2, stage=Video.Stage.ARTWORK)
    thumbnails = sidecars.store_storyboard(job, plan)
    poster = sidecars.store_poster(job, source)
    text_tracks = sidecars.store_text_tracks(job)

    job.heartbeat(progress=ENCODE_SHARE + 6, stage=Video.Stage.PUBLISHING)
    renditions = stream.store_playlists(job, playlists, final=True)
    mpd_xml = (job.out / encode.MPD_NAME).read_text()
    job.writer.put_text(
        packaging.mpd_with_text_tracks(mpd_xml, text_tracks), layout.MPD
    )
    job.writer.put_text(
        stream.master_text(job, playlists, text_tracks), layout.MASTER_PLAYLIST
    )
    video_lease.video_revision_publish(
        video_id=job.video.pk,
        job_token=job.job_token,
        revision=job.revision,
        renditions=renditions,
        hls_master=job.writer.path(layout.MASTER_PLAYLIST),
        dash_manifest=job.writer.path(layout.MPD),
        poster=poster,
        thumbnails=thumbnails,
    )


def _clock(seconds: float) -> str:
    return str(datetime.timedelta(seconds=int(seconds)))


def _fetch_source(job: Job, target: Path) -> None:
    """Copy the source from storage to scratch in chunks (never whole in memory)."""
    source = job.video.source
    if not source.name:
        raise SourceRejected("There is no source file to transcode.")
    # S3 downloads straight to the file, in parallel parts; others are copied.
    download = getattr(source.storage, "download_to", None)
    try:
        if download is not None:
            download(source.name, target)
        else:
            storage = source.storage
            with storage.open(source.name, "rb") as remote, open(target, "wb") as local:
                shutil.copyfileobj(remote, local, length=1024 * 1024)
    except FileNotFoundError as exc:
        raise SourceRejected("The source file is missing from storage.") from exc
    except STORAGE_ERRORS as exc:
        raise storage_failure(exc, "Could not read the source from storage") from exc
