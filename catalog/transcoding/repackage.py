"""A new revision from the published one, without touching its video.

When only tracks change (an editor added or removed a dub or a description,
corrected a track's role, name or language, or changed subtitles), the video's
rung playlists, init and media segments, storyboard and poster, and every
audio rendition that stays, are copied to a new revision as they are (on S3 a
server-side copy: no byte passes through the worker), the new audio tracks are
encoded by the same per-track step as in a full transcode, and the master
playlist and MPD are written by the same function (``stream.write_manifests``).
The new revision is then published through the job's lease like a transcode;
the published one plays until then, and stays if anything fails.
"""

import logging
import re
import time

from ..models import AudioTrack, Rendition, Video
from ..services import video_lease
from . import ffmpeg, layout, packaging, sidecars, stream, track_work
from .errors import SourceRejected
from .job import Job
from .ladder import Rung
from .pipeline import HEARTBEAT_SECONDS, run_job
from .probe import probe_from_dict
from .publish import STORAGE_ERRORS, files_under, storage_failure

logger = logging.getLogger(__name__)

_AUDIO_FILE = re.compile(r"^(audio-\d+-\dch)(?:\.m3u8|-init\.m4s|-\d+\.m4s)$")
# Written afresh for every revision, never copied.
_REWRITTEN = {layout.MASTER_PLAYLIST, layout.MPD}
AUDIO_TIMEOUT_FACTOR = 4  # seconds of encoding allowed per second of audio, per run


def repackage(*, video_id: int, job_token: str) -> str:
    """Run the repackage job if it is still wanted; returns what happened."""
    return run_job(
        video_id=video_id,
        job_token=job_token,
        body=_run,
        failed=lambda reason: (
            f"The track changes were not published: {reason} "
            "The published revision still plays."
        ),
    )


def _published(job: Job) -> tuple[list[Rendition], list[AudioTrack]]:
    video = job.video
    if not video.revision or not video.probe:
        raise SourceRejected("There is no published revision to repackage.")
    renditions = list(video.renditions.filter(revision=video.revision))
    tracks = list(video.audio_tracks.filter(revision=video.revision))
    if not renditions:
        raise SourceRejected("The published revision has no renditions.")
    return renditions, tracks


def _video_bandwidths(renditions, tracks) -> list[tuple[int, int]]:
    """Each rung's video (peak, average): its row's, less the stereo group's
    largest rendition, which the row adds (``stream.rendition_rows``)."""
    stereo = [t for t in tracks if t.channels == 2]
    peak = max((t.bandwidth for t in stereo), default=0)
    average = max((t.average_bandwidth or 0 for t in stereo), default=0)
    return [
        (max(0, r.bandwidth - peak), max(0, (r.average_bandwidth or 0) - average))
        for r in renditions
    ]


def _copy_published(job: Job, keep: set[str]) -> None:
    """Copy every file of the published revision that stays, as it is."""
    source_prefix = job.video.revision_prefix(job.video.revision)
    for name in files_under(source_prefix, job.writer.storage):
        if name in _REWRITTEN or name.startswith(layout.TEXT_TRACKS_FOLDER + "/"):
            continue
        audio = _AUDIO_FILE.match(name)
        if audio and audio.group(1) not in keep:
            continue
        job.writer.copy_in(source_prefix + name, name)  # keeps the lease


def _encode(job: Job, tracks) -> list:
    """The new tracks' renditions, encoded and stored like a transcode's."""
    if not tracks:
        return []
    binary = ffmpeg.ensure_capable()
    timeout = 60 + job.probe.duration * AUDIO_TIMEOUT_FACTOR
    sound = track_work.audio_work(job, binary, tracks, source=None, timeout=timeout)

    def tick() -> None:
        stream.sync_audio(job)
        if time.monotonic() - job.last_heartbeat >= HEARTBEAT_SECONDS:
            job.heartbeat()

    try:
        sound.finish(tick=tick)
    finally:
        sound.stop()
    stream.sync_audio(job)
    if any(not playlist.ended for playlist in job.audio_playlists.values()):
        raise SourceRejected("ffmpeg ended without finishing every audio track.")
    stream.store_audio_playlists(job, final=True)
    return sound.renditions


def _read_text(job: Job, name: str) -> str:
    try:
        with job.writer.storage.open(name, "rb") as handle:
            return handle.read().decode()
    except STORAGE_ERRORS as exc:
        raise storage_failure(exc, f"Could not read {name}") from exc


def _run(job: Job) -> None:
    video = job.video
    job.heartbeat(progress=1, stage=Video.Stage.PUBLISHING)
    renditions, published_tracks = _published(job)
    job.probe = probe_from_dict(video.probe)
    job.frame_rate = renditions[0].frame_rate or job.probe.frame_rate
    job.rungs = [
        Rung(
            width=r.width,
            height=r.height,
            video_kbps=max(1, r.bandwidth // 1000),
            label=r.playlist_path.rpartition("/")[2].removesuffix(".m3u8"),
        )
        for r in renditions
    ]
    job.video_codecs = [r.codecs.split(",")[0] for r in renditions]
    job.tracks = track_work.plan_tracks(job, job.probe.audio_streams)
    rows = {layout.audio_stem(t.position, t.channels): t for t in published_tracks}
    wanted = {
        layout.audio_stem(track.position, channels): track
        for track in job.tracks
        for channels in track.layouts
    }
    keep = set(wanted) & set(rows)
    job.audio_bandwidths = {
        stem: (rows[stem].bandwidth, rows[stem].average_bandwidth or 0) for stem in keep
    }
    _copy_published(job, keep)

    job.heartbeat(progress=10, stage=Video.Stage.ENCODING)
    new = [t for t in job.tracks if any(s not in keep for s in _stems(t))]
    encoded = {r.stem: r for r in _encode(job, new)}

    job.heartbeat(progress=90, stage=Video.Stage.PUBLISHING)
    text_tracks = sidecars.store_text_tracks(job)
    video_mpd, published_audio = packaging.split_published_mpd(
        _read_text(job, video.dash_manifest_path)
    )
    adaptations, audio_rows = [], []
    for stem, track in wanted.items():
        if stem in encoded:
            adaptations.append(track_work.adaptation(encoded[stem]))
            audio_rows.append(track_work.audio_track_row(job, encoded[stem]))
        elif stem in keep and stem in published_audio:
            row = rows[stem]
            adaptations.append(
                packaging.AudioAdaptation(
                    stem=stem,
                    language=track.language,
                    role=track.role,
                    channels=row.channels,
                    mpd_xml=published_audio[stem],
                )
            )
            audio_rows.append(_copied_row(job, row, track, stem))
    bandwidths = _video_bandwidths(renditions, published_tracks)
    stream.write_manifests(
        job,
        bandwidths=bandwidths,
        video_mpd=video_mpd,
        adaptations=adaptations,
        text_tracks=text_tracks,
    )
    _publish(job, bandwidths, audio_rows)


def _stems(track) -> list[str]:
    return [layout.audio_stem(track.position, channels) for channels in track.layouts]


def _copied_row(job: Job, row: AudioTrack, track, stem: str) -> dict:
    """A published rendition's row for the new revision, as editors now name it."""
    fields = {
        field.name: getattr(row, field.name)
        for field in AudioTrack._meta.concrete_fields
        if field.name not in ("id", "video", "revision")
    }
    fields.update(
        language=track.language,
        name=track.name,
        role=track.role,
        playlist_path=job.writer.path(layout.audio_playlist(stem)),
    )
    return fields


def _publish(job: Job, bandwidths, audio_rows) -> None:
    video = job.video
    video_lease.video_revision_publish(
        video_id=video.pk,
        job_token=job.job_token,
        revision=job.revision,
        renditions=stream.rendition_rows(job, bandwidths),
        audio_tracks=audio_rows,
        hls_master=job.writer.path(layout.MASTER_PLAYLIST),
        dash_manifest=job.writer.path(layout.MPD),
        poster=job.writer.path(layout.POSTER) if video.poster_path else "",
        thumbnails=job.writer.path(layout.THUMBNAILS) if video.thumbnails_path else "",
    )
