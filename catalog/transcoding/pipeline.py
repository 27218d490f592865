"""One transcode, from source in storage to a published revision.

claim the job -> fetch the source -> probe -> one ffmpeg pass for the video
and, beside it, each audio track's own runs (``audio``); segments go to storage
as they are finished, and the first run becomes playable after its first
segments -> storyboard, poster, text tracks -> final playlists and MPD ->
switch the video to the revision (with its renditions and audio tracks) in
one update.

The stream's segments and playlists are stored by ``stream``, the files beside
it by ``sidecars``; every name comes from ``layout``, which delivery shares.
"""

import datetime
import logging
import math
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
from . import audio, audio_work, encode, ffmpeg, layout, packaging, sidecars, stream
from .audio_tracks import tracks_for
from .errors import (
    EncoderUnavailable,
    SourceRejected,
    StorageRefused,
    TransientFailure,
)
from .job import Job
from .ladder import ladder_for, output_frame_rate
from .manifest_format import AUDIO_CODEC
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
    job.tracks = tracks_for(job.probe.audio_streams)
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
    sound = _audio_work(job, binary, source, timeout=timeout)

    def on_progress(seconds_done: float) -> None:
        sound.advance()
        stream.sync_segments(job, plan)
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            share = min(1.0, seconds_done / job.probe.duration)
            job.heartbeat(progress=2 + int(share * (ENCODE_SHARE - 2)))

    try:
        encode.run(binary, plan, on_progress=on_progress, timeout=timeout)

        def tick() -> None:
            stream.sync_audio(job)
            if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
                job.heartbeat()

        sound.finish(tick=tick)
    finally:
        sound.stop()
    playlists = stream.sync_segments(job, plan)
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
    mpd_xml = packaging.mpd_with_audio(
        (job.out / encode.MPD_NAME).read_text(),
        [_adaptation(rendition) for rendition in sound.renditions],
    )
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
        audio_tracks=[_audio_track_row(job, r) for r in sound.renditions],
        hls_master=job.writer.path(layout.MASTER_PLAYLIST),
        dash_manifest=job.writer.path(layout.MPD),
        poster=poster,
        thumbnails=thumbnails,
    )


def _audio_work(
    job: Job, binary: str, source: Path, *, timeout: float
) -> audio_work.AudioWork:
    """Every track's runs, the main track first (the preview waits for it)."""
    ordered = sorted(job.tracks, key=lambda track: track.role != "main")
    runs = [
        audio.track_runs(
            binary,
            audio.AudioInput(source, job.probe.container_format, track.stream_index),
            track,
            out=job.out,
        )
        for track in ordered
    ]
    return audio_work.AudioWork(runs, home=job.work, timeout=timeout)


def _adaptation(rendition: audio.AudioRendition) -> packaging.AudioAdaptation:
    track = rendition.track
    return packaging.AudioAdaptation(
        stem=rendition.stem,
        language=track.language,
        role=track.role,
        channels=rendition.channels,
        mpd_xml=(rendition.folder / f"{rendition.stem}.mpd").read_text(),
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _audio_track_row(job: Job, rendition: audio.AudioRendition) -> dict:
    """An AudioTrack row's fields for one rendition."""
    track = rendition.track
    peak, average = job.audio_playlists[rendition.stem].bandwidths()
    playlist = layout.audio_playlist(rendition.stem)
    measured_in, measured_out = rendition.loudness_in, rendition.loudness_out
    return {
        "position": track.position,
        "language": track.language,
        "name": track.name,
        "role": track.role,
        "channels": rendition.channels,
        "codecs": AUDIO_CODEC,
        "bandwidth": peak,
        "average_bandwidth": average,
        "playlist_path": job.writer.path(playlist),
        "loudness_in_lufs": _finite(measured_in.integrated),
        "true_peak_in_dbtp": _finite(measured_in.true_peak),
        "loudness_range_in_lu": _finite(measured_in.lra),
        "loudness_out_lufs": _finite(measured_out.integrated),
        "true_peak_out_dbtp": _finite(measured_out.true_peak),
        "loudness_range_out_lu": _finite(measured_out.lra),
    }


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
