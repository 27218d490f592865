"""Storing the stream while ffmpeg writes it: segments, playlists, the master.

Segments go to storage as soon as they are complete, the video's and each
audio rendition's alike. On a first transcode the revision becomes playable
early (a preview) once every rung and the main track's stereo rendition have
segments; the preview's master offers that one track (the others may not have
started yet), the final one every track in every layout.
"""

import logging

from ..services import video_lease
from . import audio, layout, packaging
from .audio_tracks import STEREO, main_track
from .encode import EncodePlan
from .job import Job
from .manifest_format import (
    AUDIO_CODEC,
    AudioEntry,
    TextTrackEntry,
    Variant,
    audio_group,
    master_playlist,
)

logger = logging.getLogger(__name__)

FFMPEG_MASTER = "master.m3u8"  # ffmpeg's own, in scratch: read for codec strings
FALLBACK_VIDEO_CODEC = "avc1.640028"


def audio_stems(job: Job) -> list[str]:
    """Every audio rendition's stem, track by track, stereo first."""
    return [
        layout.audio_stem(track.position, channels)
        for track in job.tracks
        for channels in track.layouts
    ]


def main_stem(job: Job) -> str | None:
    main = main_track(job.tracks)
    return layout.audio_stem(main.position, STEREO) if main else None


def _store_complete(job: Job, folder, playlist: packaging.MediaPlaylist | None):
    if playlist is None:
        playlist = packaging.MediaPlaylist(init=None)
    # Keep only segments whose file is complete on disk, in order.
    complete = []
    for segment in playlist.segments:
        if segment.size <= 0:
            break
        complete.append(segment)
    playlist.segments = complete
    if playlist.init and (folder / playlist.init).exists():
        job.writer.put_file(folder / playlist.init, playlist.init)
    for segment in playlist.segments:
        job.writer.put_file(folder / segment.name, segment.name)
    return playlist


def sync_audio(job: Job) -> dict[str, packaging.MediaPlaylist]:
    """Store every finished segment of the audio renditions started so far."""
    for stem in audio_stems(job):
        folder = audio.rendition_folder(job.out, stem)
        found = packaging.read_media_playlist(folder / audio.MEDIA_PLAYLIST)
        if found is not None:
            job.audio_playlists[stem] = _store_complete(job, folder, found)
    return job.audio_playlists


def sync_segments(job: Job, plan: EncodePlan) -> list[packaging.MediaPlaylist]:
    """Store every finished segment; on a first run, publish a preview once all streams have one."""
    playlists = [
        _store_complete(
            job,
            job.out,
            packaging.read_media_playlist(job.out / f"media_{index}.m3u8"),
        )
        for index in range(plan.stream_count)
    ]
    if all(p.segments for p in playlists):
        # Audio runs ahead of the video; its files wait for the video's first
        # segments, so a job stopped before then leaves nothing in storage.
        sync_audio(job)
    main = main_stem(job)
    heard = main is None or bool(
        (main_playlist := job.audio_playlists.get(main)) and main_playlist.segments
    )
    if (
        heard
        and all(p.segments for p in playlists)
        and not any(p.ended for p in playlists)
    ):
        maybe_preview(job, playlists)
    return playlists


def maybe_preview(job: Job, playlists: list[packaging.MediaPlaylist]) -> None:
    """Write a growing revision and let viewers start it, once, on a first run."""
    if job.video.revision:
        return  # a published revision plays until this one is complete
    main = main_stem(job)
    counts = tuple(len(playlist.segments) for playlist in playlists)
    if main:
        counts += (len(job.audio_playlists[main].segments),)
    if counts == job.preview_counts:
        return  # nothing new since the last preview: don't rewrite the playlists
    codecs = video_codecs(job)
    if len(codecs) < len(job.rungs):
        return
    job.preview_counts = counts
    store_playlists(job, playlists, final=False)
    job.writer.put_text(
        master_text(job, [p.bandwidths() for p in playlists], [], final=False),
        layout.MASTER_PLAYLIST,
        growing=True,
    )
    if not job.previewed:
        job.previewed = video_lease.video_preview_publish(
            video_id=job.video.pk, job_token=job.job_token, revision=job.revision
        )
        if job.previewed:
            logger.info(
                "video %s playable early (revision %s)", job.video.pk, job.revision
            )


def _audio_entries(job: Job, *, final: bool) -> list[AudioEntry]:
    """The master's audio renditions: per layout a group holding every track
    (in its own layout if it has it, else in stereo); one default per group,
    the main track. A preview offers the main track's stereo only."""
    main = main_track(job.tracks)
    tracks = job.tracks if final else [main] if main else []
    layouts = sorted({channels for track in tracks for channels in track.layouts})
    entries = []
    for group_layout in layouts:
        for track in tracks:
            channels = group_layout if group_layout in track.layouts else STEREO
            stem = layout.audio_stem(track.position, channels)
            if stem not in job.audio_playlists and stem not in job.audio_bandwidths:
                continue
            entries.append(
                AudioEntry(
                    uri=layout.audio_playlist(stem),
                    group=audio_group(group_layout),
                    language=track.language,
                    name=track.name,
                    channels=channels,
                    default=track is main,
                    description=track.is_description,
                )
            )
    return entries


def audio_bandwidths(job: Job, stem: str) -> tuple[int, int]:
    """(peak, average) of a rendition: encoded by this job, or copied over."""
    if stem in job.audio_playlists:
        return job.audio_playlists[stem].bandwidths()
    return job.audio_bandwidths[stem]


def video_codecs(job: Job) -> list[str]:
    """The rungs' codec strings: as ffmpeg wrote them, or as published."""
    return job.video_codecs or packaging.codecs_from_ffmpeg_master(
        job.out / FFMPEG_MASTER
    )


def _group_bandwidths(job: Job, entries: list[AudioEntry]) -> dict[str, tuple]:
    """(peak, average) per group: its largest rendition's, which a variant adds."""
    bandwidths: dict[str, tuple[int, int]] = {}
    for entry in entries:
        peak, average = audio_bandwidths(job, entry.uri.removesuffix(".m3u8"))
        known = bandwidths.get(entry.group, (0, 0))
        bandwidths[entry.group] = (max(known[0], peak), max(known[1], average))
    return bandwidths


def store_audio_playlists(job: Job, *, final: bool) -> None:
    """Write the playlists of the audio renditions this job encoded."""
    for stem, playlist in job.audio_playlists.items():
        if playlist.init:
            job.writer.put_text(
                packaging.variant_playlist(playlist, final=final),
                layout.audio_playlist(stem),
                growing=not final,
            )


def store_playlists(
    job: Job, playlists: list[packaging.MediaPlaylist], *, final: bool
) -> list[dict]:
    """Write the variant and audio playlists; returns the renditions for the database."""
    store_audio_playlists(job, final=final)
    for index, rung in enumerate(job.rungs):
        job.writer.put_text(
            packaging.variant_playlist(playlists[index], final=final),
            layout.rung_playlist(rung.name),
            growing=not final,
        )
    return rendition_rows(
        job, [playlist.bandwidths() for playlist in playlists], final=final
    )


def rendition_rows(
    job: Job, bandwidths: list[tuple[int, int]], *, final: bool = True
) -> list[dict]:
    """The Rendition rows of the rungs, each with the stereo group's bandwidth."""
    codecs = video_codecs(job)
    stereo = _group_bandwidths(job, _audio_entries(job, final=final)).get(
        audio_group(STEREO), (0, 0)
    )
    renditions = []
    for index, rung in enumerate(job.rungs):
        name = layout.rung_playlist(rung.name)
        peak, average = bandwidths[index]
        codec = codecs[index] if index < len(codecs) else FALLBACK_VIDEO_CODEC
        renditions.append(
            {
                "width": rung.width,
                "height": rung.height,
                # With the stereo group's largest rendition, as the master says.
                "bandwidth": peak + stereo[0],
                "average_bandwidth": average + stereo[1],
                "codecs": codec + (f",{AUDIO_CODEC}" if job.tracks else ""),
                "frame_rate": job.frame_rate,
                "playlist_path": job.writer.path(name),
            }
        )
    return renditions


def master_text(
    job: Job,
    bandwidths: list[tuple[int, int]],
    text_tracks: list[TextTrackEntry],
    *,
    final: bool = True,
) -> str:
    """The revision's master playlist, with the rungs' (peak, average) video
    bandwidths: each rung once per audio group (or once, without audio)."""
    codecs = video_codecs(job)
    entries = _audio_entries(job, final=final)
    groups = _group_bandwidths(job, entries)
    variants = []
    for group, (audio_peak, audio_average) in groups.items() or [(None, (0, 0))]:
        for index, rung in enumerate(job.rungs):
            peak, average = bandwidths[index]
            codec = codecs[index] if index < len(codecs) else FALLBACK_VIDEO_CODEC
            variants.append(
                Variant(
                    uri=layout.rung_playlist(rung.name),
                    bandwidth=(peak or rung.maxrate_kbps * 1000) + audio_peak,
                    average_bandwidth=(average or rung.video_kbps * 1000)
                    + audio_average,
                    width=rung.width,
                    height=rung.height,
                    codecs=codec + (f",{AUDIO_CODEC}" if group else ""),
                    frame_rate=job.frame_rate,
                    audio_group=group,
                )
            )
    return master_playlist(variants, audio=entries, text_tracks=text_tracks)


def write_manifests(
    job: Job,
    *,
    bandwidths: list[tuple[int, int]],
    video_mpd: str,
    adaptations: list[packaging.AudioAdaptation],
    text_tracks: list[TextTrackEntry],
) -> None:
    """Store the revision's final MPD and master playlist: the one way both the
    full transcode and a repackage write them. ``video_mpd`` describes the
    video alone; each audio rendition and text track is added to it."""
    mpd = packaging.mpd_with_audio(video_mpd, adaptations)
    job.writer.put_text(packaging.mpd_with_text_tracks(mpd, text_tracks), layout.MPD)
    job.writer.put_text(
        master_text(job, bandwidths, text_tracks), layout.MASTER_PLAYLIST
    )
