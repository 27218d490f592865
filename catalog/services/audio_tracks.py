"""Editors' writes to a video's audio: tracks added as files, and overrides.

Every change republishes the video by repackaging (``video_tracks_republish``):
a new revision with the tracks as they now are, its video copied as it is.
"""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max

from ..models import AddedAudioTrack, AudioTrack, AudioTrackOverride, Video
from ..models.audio import ADDED_POSITION_BASE
from ..transcoding.errors import SourceRejected
from ..transcoding.probe import AudioProbe, probe_audio
from .videos import video_tracks_republish

ALIGNMENT_TOLERANCE_SECONDS = 1.0


def _probe_upload(file: File) -> AudioProbe:
    """Probe the upload where it lies (a temporary file) or from a copy."""
    local = getattr(file, "temporary_file_path", None)
    try:
        if local is not None:
            return probe_audio(Path(local()))
        with tempfile.NamedTemporaryFile(suffix=".audio") as copy:
            file.seek(0)
            for chunk in file.chunks():
                copy.write(chunk)
            copy.flush()
            return probe_audio(Path(copy.name))
    except SourceRejected as exc:
        raise ValidationError(exc.reason) from exc
    finally:
        file.seek(0)


def added_audio_check(*, file: File) -> AudioProbe:
    """Raise ValidationError unless ``file`` is one audio track we may add."""
    limit = settings.AUDIO_TRACK_UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"The file is {file.size / 1024**2:.1f} MB; the limit for an audio "
            f"track is {limit / 1024**2:.1f} MB."
        )
    return _probe_upload(file)


def alignment_warning(*, audio_seconds: float, video_seconds: float | None) -> str:
    """What editors are told when the track's length is not the video's."""
    if not video_seconds:
        return ""
    difference = audio_seconds - video_seconds
    if abs(difference) <= ALIGNMENT_TOLERANCE_SECONDS:
        return ""
    done = "trimmed" if difference > 0 else "padded with silence"
    return (
        f"The audio is {audio_seconds:.1f} s long and the video "
        f"{video_seconds:.1f} s: it is {done} to the video's length. Check that "
        "it is the right file and in sync."
    )


def _next_position(video: Video) -> int:
    """A position never used by this video's tracks, even in older revisions,
    so a new track's files are never taken for a removed one's."""
    added = video.added_audio_tracks.aggregate(top=Max("position"))["top"]
    published = AudioTrack.objects.filter(
        video=video, position__gte=ADDED_POSITION_BASE
    ).aggregate(top=Max("position"))["top"]
    return max(ADDED_POSITION_BASE - 1, added or 0, published or 0) + 1


@transaction.atomic
def audio_track_add(
    *,
    video: Video,
    file: File,
    language: str,
    name: str,
    role: str = AddedAudioTrack.Role.DUB,
) -> AddedAudioTrack:
    """Add a dub or an audio description from its own file, and republish."""
    found = added_audio_check(file=file)
    video = Video.objects.select_for_update().get(pk=video.pk)
    track = AddedAudioTrack(
        video=video,
        position=_next_position(video),
        language=language,
        name=name,
        role=role,
        container_format=found.container_format,
        stream_index=found.stream_index,
        channels=found.channels,
        duration_seconds=found.duration,
        warning=alignment_warning(
            audio_seconds=found.duration, video_seconds=video.duration_seconds
        ),
    )
    track.full_clean(exclude=["file"])
    track.file.save(Path(file.name or "audio").name, file, save=False)
    track.save()
    video_tracks_republish(video=video)
    return track


@transaction.atomic
def audio_track_remove(*, track: AddedAudioTrack) -> None:
    """Remove an added track and its file; the video is republished without it."""
    track = AddedAudioTrack.objects.select_related("video").get(pk=track.pk)
    name, storage = track.file.name, track.file.storage
    track.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    video_tracks_republish(video=track.video)


def audio_override_check(*, video: Video, position: int) -> None:
    """Raise ValidationError unless the source has an audio track at ``position``."""
    streams = (video.probe or {}).get("audio_streams") or []
    if not 0 <= position < len(streams):
        raise ValidationError(
            f"The source has no audio track {position}: it has {len(streams)}, "
            "numbered from 0."
        )


@transaction.atomic
def audio_track_override(
    *, video: Video, position: int, role: str = "", name: str = "", language: str = ""
) -> AudioTrackOverride | None:
    """Set (or, all blank, clear) an editor's role, name and language for a
    source track, and republish; kept for every later transcode."""
    audio_override_check(video=video, position=position)
    override = AudioTrackOverride.objects.filter(
        video=video, position=position
    ).first() or AudioTrackOverride(video=video, position=position)
    override.role, override.name, override.language = role, name, language
    if not (role or name or language):
        if override.pk:
            override.delete()
        override = None
    else:
        override.full_clean()
        override.save()
    video_tracks_republish(video=video)
    return override
