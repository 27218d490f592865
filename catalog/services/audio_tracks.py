"""Editors' writes to a video's audio: tracks added as files, and overrides.

A track arrives either as a small form upload (probed in the request) or, of
any length, through the direct uploads (``catalog.services.uploads``), probed
by a worker from the stored object. Every change republishes the video by
repackaging (``video_tracks_republish``): a new revision with the tracks as
they now are, its video copied as it is.
"""

import shutil
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
# Audio some tools label outside audio/*.
OTHER_AUDIO_TYPES = {"application/ogg"}


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"


def audio_form_limit() -> int:
    """The largest track sent as a form: what a request body may carry."""
    return min(settings.AUDIO_TRACK_UPLOAD_MAX_BYTES, settings.REQUEST_BODY_MAX_BYTES)


def audio_upload_check(*, size: int, content_type: str) -> None:
    """Raise ValidationError unless a file of ``size`` and ``content_type`` may
    be uploaded (in parts) as an added audio track."""
    limit = settings.AUDIO_TRACK_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {
                "size": f"The file is {_megabytes(size)}; the limit for an audio "
                f"track is {_megabytes(limit)}."
            }
        )
    kind = content_type.split(";")[0].strip().lower()
    if not (kind.startswith("audio/") or kind in OTHER_AUDIO_TYPES):
        raise ValidationError(
            {
                "content_type": f"{content_type or 'This file'} is not audio; "
                "upload an audio file (audio/*: WAV, FLAC, MP3, AAC, M4A, MKA or "
                "Ogg)."
            }
        )


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
    limit = audio_form_limit()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"The file is {_megabytes(file.size)}; the limit for an audio track "
            f"sent in one request is {_megabytes(limit)}. Send a bigger one in "
            "parts, through the uploads API (purpose audio_track)."
        )
    return _probe_upload(file)


def audio_probe_stored(*, name: str) -> AudioProbe:
    """Probe the stored object ``name`` from a local copy (on a worker: it may
    be gigabytes); SourceRejected if it is not one audio track we may add."""
    storage = AddedAudioTrack._meta.get_field("file").storage
    with tempfile.TemporaryDirectory(prefix="vod-audio-") as folder:
        local = Path(folder) / "audio"
        download = getattr(storage, "download_to", None)
        try:
            if download is not None:
                download(name, local)
            else:
                with storage.open(name, "rb") as remote, open(local, "wb") as copy:
                    shutil.copyfileobj(remote, copy, length=1024 * 1024)
        except FileNotFoundError as exc:
            raise SourceRejected("The uploaded file is missing from storage.") from exc
        return probe_audio(local)


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
    track = _track_new(
        video=video, found=found, language=language, name=name, role=role
    )
    track.file.save(Path(file.name or "audio").name, file, save=False)
    track.save()
    video_tracks_republish(video=track.video)
    return track


@transaction.atomic
def audio_track_add_stored(
    *,
    video: Video,
    stored_name: str,
    found: AudioProbe,
    language: str,
    name: str,
    role: str = AddedAudioTrack.Role.DUB,
) -> AddedAudioTrack:
    """Add a track whose file is already stored (an upload's object, not
    copied) and probed as ``found``, and republish."""
    track = _track_new(
        video=video, found=found, language=language, name=name, role=role
    )
    track.file.name = stored_name
    track.save()
    video_tracks_republish(video=track.video)
    return track


def _track_new(
    *, video: Video, found: AudioProbe, language: str, name: str, role: str
) -> AddedAudioTrack:
    """An unsaved, validated track of ``video`` (locked), without its file."""
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
