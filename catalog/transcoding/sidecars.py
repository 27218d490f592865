"""The files stored beside the stream: storyboard, poster and text tracks."""

import logging
from pathlib import Path

from django.core.exceptions import ValidationError

from ..validators import validate_language_tag
from . import artwork, layout, packaging
from .encode import EncodePlan
from .job import Job
from .manifest_format import TextTrackEntry
from .publish import STORAGE_ERRORS, storage_failure

logger = logging.getLogger(__name__)


def store_storyboard(job: Job, plan: EncodePlan) -> str:
    """The sprite of thumbnails ffmpeg wrote, and its WebVTT thumbnails track."""
    board = plan.storyboard
    thumbnails = sorted(job.out.glob("thumb-*.jpg"))[: board.count]
    if not thumbnails:
        return ""
    sprite = job.work / layout.STORYBOARD
    sprite.write_bytes(
        artwork.storyboard_sprite(
            thumbnails,
            columns=board.columns,
            tile_width=board.tile_width,
            tile_height=board.tile_height,
        )
    )
    job.writer.put_file(sprite, layout.STORYBOARD)
    vtt = packaging.storyboard_vtt(
        image=layout.STORYBOARD,
        interval=board.interval,
        count=len(thumbnails),
        columns=board.columns,
        tile_width=board.tile_width,
        tile_height=board.tile_height,
        duration=job.probe.duration,
    )
    return job.writer.put_text(vtt, layout.THUMBNAILS)


def store_poster(job: Job, source: Path) -> str:
    """A frame of the source as the poster; "" if none could be decoded."""
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
    local = job.work / layout.POSTER
    local.write_bytes(data)
    return job.writer.put_file(local, layout.POSTER)


def store_text_tracks(job: Job) -> list[TextTrackEntry]:
    """Each text track's WebVTT file and the HLS playlist around it."""
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
        playlist = layout.text_track_playlist(track.language, track.kind)
        vtt_path = layout.text_track_file(playlist)
        try:
            with track.file.open("rb") as handle:
                vtt = handle.read().decode("utf-8")
        except STORAGE_ERRORS as exc:
            raise storage_failure(exc, f"Could not read {track.file.name}") from exc
        job.writer.put_text(vtt, vtt_path)
        job.writer.put_text(
            packaging.subtitles_playlist(
                vtt_name=layout.text_track_name(track.language, track.kind),
                duration=job.probe.duration,
            ),
            playlist,
        )
        entries.append(
            TextTrackEntry(
                uri=playlist,
                vtt_uri=vtt_path,
                language=track.language,
                name=track.label,
                default=track.is_default,
            )
        )
    return entries
