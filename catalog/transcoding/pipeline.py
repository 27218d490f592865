"""One transcode, from source in storage to a published revision.

claim the job -> fetch the source -> probe -> one ffmpeg pass (segments go to
storage as they are finished; the first run becomes playable after its first
segments) -> storyboard, poster, text tracks -> final playlists and MPD ->
switch the video to the revision in one update.
"""

import datetime
import logging
import os
import secrets
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import Video
from ..services import videos as video_services
from ..validators import validate_language_tag
from . import artwork, encode, ffmpeg, packaging
from .errors import (
    EncoderUnavailable,
    SourceRejected,
    StorageRefused,
    TransientFailure,
)
from .ladder import Rung, ladder_for, output_frame_rate
from .probe import Probe, probe
from .publish import STORAGE_ERRORS, RevisionWriter, storage_failure
from .scratch import scratch_dir

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
ENCODE_SHARE = 90  # percent of the progress bar the encode takes
AUDIO_PLAYLIST = "audio.m3u8"
MASTER_PLAYLIST = "master.m3u8"
MPD = "manifest.mpd"
POSTER = "poster.jpg"
THUMBNAILS = "storyboard.vtt"
AUDIO_CODEC = "mp4a.40.2"


def new_revision() -> str:
    """Sortable and unique: when it was made, and a random suffix."""
    return f"{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Job:
    video: Video
    job_token: str
    revision: str
    work: Path
    writer: RevisionWriter
    probe: Probe | None = None
    rungs: list[Rung] = field(default_factory=list)
    frame_rate: float = 0.0
    previewed: bool = False
    preview_counts: tuple = ()  # segments per stream in the last preview written
    last_heartbeat: float = 0.0

    @property
    def out(self) -> Path:
        return self.work / "out"

    def heartbeat(
        self, *, progress: int | None = None, stage: str | None = None
    ) -> None:
        self.last_heartbeat = time.monotonic()
        video_services.video_heartbeat(
            video_id=self.video.pk,
            job_token=self.job_token,
            progress=progress,
            stage=stage,
        )


def transcode(*, video_id: int, job_token: str) -> str:
    """Run the job if it is still wanted; returns what happened, for logs and tests.

    Bad input fails the video with its reason; transient faults release the job
    and re-raise TransientFailure for the task to retry.
    """
    video = video_services.video_claim(
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
        video_services.video_fail(
            video_id=video_id, job_token=job_token, reason=exc.reason, revision=revision
        )
        return "failed"
    except video_services.LeaseLost:
        logger.info("video %s: job %s was taken away; stopping", video_id, job_token)
        video_services.video_abandon_revision(video_id=video_id, revision=revision)
        return "abandoned"
    except TransientFailure as exc:
        video_services.video_release(
            video_id=video_id, job_token=job_token, reason=f"Retrying: {exc.reason}"
        )
        video_services.video_abandon_revision(video_id=video_id, revision=revision)
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
    video_services.video_probe_record(
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
        _sync_segments(job, plan)
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            share = min(1.0, seconds_done / job.probe.duration)
            job.heartbeat(progress=2 + int(share * (ENCODE_SHARE - 2)))

    encode.run(
        binary,
        plan,
        on_progress=on_progress,
        timeout=60 + job.probe.duration * settings.TRANSCODE_TIMEOUT_FACTOR,
    )
    playlists = _sync_segments(job, plan)
    if any(not playlist.ended for playlist in playlists):
        raise SourceRejected("ffmpeg ended without finishing every stream.")

    job.heartbeat(progress=ENCODE_SHARE + 2, stage=Video.Stage.ARTWORK)
    thumbnails = _store_storyboard(job, plan)
    poster = _store_poster(job, source)
    text_tracks = _store_text_tracks(job)

    job.heartbeat(progress=ENCODE_SHARE + 6, stage=Video.Stage.PUBLISHING)
    renditions = _store_playlists(
        job, plan, playlists, final=True, text_tracks=text_tracks
    )
    mpd_xml = (job.out / encode.MPD_NAME).read_text()
    job.writer.put_text(packaging.mpd_with_text_tracks(mpd_xml, text_tracks), MPD)
    job.writer.put_text(_master(job, playlists, text_tracks), MASTER_PLAYLIST)
    video_services.video_revision_publish(
        video_id=job.video.pk,
        job_token=job.job_token,
        revision=job.revision,
        renditions=renditions,
        hls_master=job.writer.path(MASTER_PLAYLIST),
        dash_manifest=job.writer.path(MPD),
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


def _stream_names(job: Job) -> list[str]:
    names = [f"{rung.name}.m3u8" for rung in job.rungs]
    if job.probe.has_audio:
        names.append(AUDIO_PLAYLIST)
    return names


def _sync_segments(job: Job, plan: encode.EncodePlan) -> list[packaging.MediaPlaylist]:
    """Store every finished segment; on a first run, publish a preview once all streams have one."""
    playlists = []
    for index in range(plan.stream_count):
        playlist = packaging.read_media_playlist(job.out / f"media_{index}.m3u8")
        if playlist is None:
            playlist = packaging.MediaPlaylist(init=None)
        # Keep only segments whose file is complete on disk, in order.
        complete = []
        for segment in playlist.segments:
            if segment.size <= 0:
                break
            complete.append(segment)
        playlist.segments = complete
        if playlist.init and (job.out / playlist.init).exists():
            job.writer.put_file(job.out / playlist.init, playlist.init)
        for segment in playlist.segments:
            job.writer.put_file(job.out / segment.name, segment.name)
        playlists.append(playlist)

    if all(p.segments for p in playlists) and not any(p.ended for p in playlists):
        _maybe_preview(job, playlists)
    return playlists


def _maybe_preview(job: Job, playlists: list[packaging.MediaPlaylist]) -> None:
    if job.video.revision:
        return  # a published revision plays until this one is complete
    counts = tuple(len(playlist.segments) for playlist in playlists)
    if counts == job.preview_counts:
        return  # nothing new since the last preview: don't rewrite the playlists
    codecs = packaging.codecs_from_ffmpeg_master(job.out / "master.m3u8")
    if len(codecs) < len(job.rungs):
        return
    job.preview_counts = counts
    _store_playlists(job, None, playlists, final=False, text_tracks=[])
    job.writer.put_text(_master(job, playlists, []), MASTER_PLAYLIST, growing=True)
    if not job.previewed:
        job.previewed = video_services.video_preview_publish(
            video_id=job.video.pk, job_token=job.job_token, revision=job.revision
        )
        if job.previewed:
            logger.info(
                "video %s playable early (revision %s)", job.video.pk, job.revision
            )


def _store_playlists(job, plan, playlists, *, final: bool, text_tracks) -> list[dict]:
    """Write the variant and audio playlists; returns the renditions for the database."""
    names = _stream_names(job)
    codecs = packaging.codecs_from_ffmpeg_master(job.out / "master.m3u8")
    audio_peak, audio_average = (
        playlists[-1].bandwidths() if job.probe.has_audio else (0, 0)
    )
    renditions = []
    for index, (name, playlist) in enumerate(zip(names, playlists, strict=True)):
        job.writer.put_text(
            packaging.variant_playlist(playlist, final=final), name, growing=not final
        )
        if index < len(job.rungs):
            rung = job.rungs[index]
            peak, average = playlist.bandwidths()
            codec = codecs[index] if index < len(codecs) else "avc1.640028"
            renditions.append(
                {
                    "width": rung.width,
                    "height": rung.height,
                    "bandwidth": peak + audio_peak,
                    "average_bandwidth": average + audio_average,
                    "codecs": codec
                    + (f",{AUDIO_CODEC}" if job.probe.has_audio else ""),
                    "frame_rate": job.frame_rate,
                    "playlist_path": job.writer.path(name),
                }
            )
    return renditions


def _master(job: Job, playlists, text_tracks) -> str:
    codecs = packaging.codecs_from_ffmpeg_master(job.out / "master.m3u8")
    variants = []
    for index, rung in enumerate(job.rungs):
        peak, average = playlists[index].bandwidths()
        variants.append(
            packaging.Variant(
                uri=f"{rung.name}.m3u8",
                bandwidth=peak or rung.maxrate_kbps * 1000,
                average_bandwidth=average or rung.video_kbps * 1000,
                width=rung.width,
                height=rung.height,
                codecs=codecs[index] if index < len(codecs) else "avc1.640028",
                frame_rate=job.frame_rate,
            )
        )
    audio = playlists[-1].bandwidths() if job.probe.has_audio else (0, 0)
    return packaging.master_playlist(
        variants,
        audio_uri=AUDIO_PLAYLIST if job.probe.has_audio else None,
        audio_codec=AUDIO_CODEC,
        audio_bandwidth=audio,
        text_tracks=text_tracks,
    )


def _store_storyboard(job: Job, plan: encode.EncodePlan) -> str:
    """The sprite of thumbnails ffmpeg wrote, and its WebVTT thumbnails track."""
    board = plan.storyboard
    thumbnails = sorted(job.out.glob("thumb-*.jpg"))[: board.count]
    if not thumbnails:
        return ""
    sprite = job.work / encode.STORYBOARD_NAME
    sprite.write_bytes(
        artwork.storyboard_sprite(
            thumbnails,
            columns=board.columns,
            tile_width=board.tile_width,
            tile_height=board.tile_height,
        )
    )
    job.writer.put_file(sprite, encode.STORYBOARD_NAME)
    vtt = packaging.storyboard_vtt(
        image=encode.STORYBOARD_NAME,
        interval=board.interval,
        count=len(thumbnails),
        columns=board.columns,
        tile_width=board.tile_width,
        tile_height=board.tile_height,
        duration=job.probe.duration,
    )
    return job.writer.put_text(vtt, THUMBNAILS)


def _store_poster(job: Job, source: Path) -> str:
    top = job.rungs[0]
    try:
        data = artwork.poster_jpeg(
            source,
            job.probe.duration,
            width=top.width,
            height=top.height,
            container_format=job.probe.container_format,
        )
    except ValueError:
        logger.warning("video %s: no frame decodable for a poster", job.video.pk)
        return ""
    local = job.work / POSTER
    local.write_bytes(data)
    return job.writer.put_file(local, POSTER)


def _store_text_tracks(job: Job) -> list[packaging.TextTrackEntry]:
    entries = []
    for track in job.video.text_tracks.all():
        try:
            # Its language names files: one stored before languages were
            # checked may be a path, which the storage refuses. Leave that
            # track out rather than fail the whole transcode.
            validate_language_tag(track.language)
        except ValidationError:
            logger.warning(
                "video %s: text track %s skipped, its language %r is not a BCP 47 tag",
                job.video.pk,
                track.pk,
                track.language,
            )
            continue
        name = f"subs/{track.language}-{track.kind}"
        try:
            with track.file.open("rb") as handle:
                vtt = handle.read().decode("utf-8")
        except STORAGE_ERRORS as exc:
            raise storage_failure(exc, f"Could not read {track.file.name}") from exc
        job.writer.put_text(vtt, f"{name}.vtt")
        job.writer.put_text(
            packaging.subtitles_playlist(
                vtt_name=f"{track.language}-{track.kind}.vtt",
                duration=job.probe.duration,
            ),
            f"{name}.m3u8",
        )
        entries.append(
            packaging.TextTrackEntry(
                uri=f"{name}.m3u8",
                vtt_uri=f"{name}.vtt",
                language=track.language,
                name=track.label,
                default=track.is_default,
            )
        )
    return entries
