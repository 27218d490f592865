"""Editors' writes to subtitles and captions.

A video's text tracks are packaged with its stream, so every change (a track
added, edited or removed) publishes a new revision: the published one is
repackaged with the tracks as they now are (its video is not encoded again),
and plays until then.
"""

from django.core.files.base import ContentFile, File
from django.db import transaction

from ..models import TextTrack, Video
from ..transcoding.subtitles import to_webvtt
from .videos import video_tracks_republish


def _republish(video: Video) -> None:
    video_tracks_republish(video=video)


def _store(track: TextTrack, file: File) -> None:
    """Convert ``file`` to WebVTT and store it as the track's file (unsaved)."""
    vtt = to_webvtt(file.read(), getattr(file, "name", "") or "")
    if track.file:
        track.file.delete(save=False)
    track.file.save(f"{track.language}.vtt", ContentFile(vtt.encode()), save=False)


def _save(track: TextTrack) -> TextTrack:
    track.full_clean()
    track.save()
    if track.is_default:
        TextTrack.objects.filter(video_id=track.video_id).exclude(pk=track.pk).update(
            is_default=False
        )
    return track


@transaction.atomic
def text_track_add(
    *,
    video: Video,
    language: str,
    label: str,
    file: File,
    kind: str = TextTrack.Kind.SUBTITLES,
    is_default: bool = False,
) -> TextTrack:
    """Add (or replace) a language's subtitles; SRT is converted to WebVTT.

    The video is packaged again so the track reaches players.
    """
    track = TextTrack.objects.filter(video=video, language=language, kind=kind).first()
    track = track or TextTrack(video=video, language=language, kind=kind)
    track.label = label
    track.is_default = is_default
    _store(track, file)
    _save(track)
    _republish(video)
    return track


@transaction.atomic
def text_track_update(
    *,
    track: TextTrack,
    language: str,
    label: str,
    kind: str,
    is_default: bool,
    file: File | None = None,
) -> TextTrack:
    """Change a track's language, label, kind or default, and its file if given.

    The video is packaged again so players see the change.
    """
    track = (
        TextTrack.objects.select_for_update().select_related("video").get(pk=track.pk)
    )
    track.language, track.label, track.kind = language, label, kind
    track.is_default = is_default
    if file is not None:
        _store(track, file)
    _save(track)
    _republish(track.video)
    return track


@transaction.atomic
def text_track_remove(*, track: TextTrack) -> None:
    """Delete a track and its file; the video is packaged again without it."""
    track = TextTrack.objects.select_related("video").get(pk=track.pk)
    name, storage = track.file.name, track.file.storage
    track.delete()
    if name:
        # Only once the row is gone for good: a rolled-back delete keeps its file.
        transaction.on_commit(lambda: storage.delete(name))
    _republish(track.video)
