"""Storing the stream while ffmpeg writes it: segments, playlists, the master.

Segments go to storage as soon as they are complete. On a first transcode the
revision becomes playable early (a preview) once every stream has segments;
the final playlists are written once ffmpeg has ended.
"""

import logging

from ..services import video_lease
from . import layout, packaging
from .encode import EncodePlan
from .job import Job
from .manifest_format import AUDIO_CODEC, TextTrackEntry, Variant, master_playlist

logger = logging.getLogger(__name__)

FFMPEG_MASTER = "master.m3u8"  # ffmpeg's own, in scratch: read for codec strings
FALLBACK_VIDEO_CODEC = "avc1.640028"


def _stream_names(job: Job) -> list[str]:
    names = [layout.rung_playlist(rung.name) for rung in job.rungs]
    if job.probe.has_audio:
        names.append(layout.AUDIO_PLAYLIST)
    return names


def sync_segments(job: Job, plan: EncodePlan) -> list[packaging.MediaPlaylist]:
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
        maybe_preview(job, playlists)
    return playlists


def maybe_preview(job: Job, playlists: list[packaging.MediaPlaylist]) -> None:
    """Write a growing revision and let viewers start it, once, on a first run."""
    if job.video.revision:
        return  # a published revision plays until this one is complete
    counts = tuple(len(playlist.segments) for playlist in playlists)
    if counts == job.preview_counts:
        return  # nothing new since the last preview: don't rewrite the playlists
    codecs = packaging.codecs_from_ffmpeg_master(job.out / FFMPEG_MASTER)
    if len(codecs) < len(job.rungs):
        return
    job.preview_counts = counts
    store_playlists(job, playlists, final=False)
    job.writer.put_text(
        master_text(job, playlists, []), layout.MASTER_PLAYLIST, growing=True
    )
    if not job.previewed:
        job.previewed = video_lease.video_preview_publish(
            video_id=job.video.pk, job_token=job.job_token, revision=job.revision
        )
        if job.previewed:
            logger.info(
                "video %s playable early (revision %s)", job.video.pk, job.revision
            )


def store_playlists(
    job: Job, playlists: list[packaging.MediaPlaylist], *, final: bool
) -> list[dict]:
    """Write the variant and audio playlists; returns the renditions for the database."""
    names = _stream_names(job)
    codecs = packaging.codecs_from_ffmpeg_master(job.out / FFMPEG_MASTER)
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
            codec = codecs[index] if index < len(codecs) else FALLBACK_VIDEO_CODEC
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


def master_text(
    job: Job,
    playlists: list[packaging.MediaPlaylist],
    text_tracks: list[TextTrackEntry],
) -> str:
    """The revision's master playlist, with the bandwidths measured so far."""
    codecs = packaging.codecs_from_ffmpeg_master(job.out / FFMPEG_MASTER)
    variants = []
    for index, rung in enumerate(job.rungs):
        peak, average = playlists[index].bandwidths()
        variants.append(
            Variant(
                uri=layout.rung_playlist(rung.name),
                bandwidth=peak or rung.maxrate_kbps * 1000,
                average_bandwidth=average or rung.video_kbps * 1000,
                width=rung.width,
                height=rung.height,
                codecs=codecs[index] if index < len(codecs) else FALLBACK_VIDEO_CODEC,
                frame_rate=job.frame_rate,
            )
        )
    audio = playlists[-1].bandwidths() if job.probe.has_audio else (0, 0)
    return master_playlist(
        variants,
        audio_uri=layout.AUDIO_PLAYLIST if job.probe.has_audio else None,
        audio_codec=AUDIO_CODEC,
        audio_bandwidth=audio,
        text_tracks=text_tracks,
    )
