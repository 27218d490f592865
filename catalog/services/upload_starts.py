"""Editors' direct uploads, their start: what may be uploaded, in which parts,
under which key; the upload is then opened in the store."""

import datetime
import os
import re

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from ..models import AddedAudioTrack, Upload, Video
from ..upload_stores import store_for
from .audio_tracks import audio_upload_check
from .videos import video_create, video_source_check

MIB = 1024 * 1024
S3_MAX_PARTS = 10_000
# Video containers some tools label outside video/*.
OTHER_VIDEO_TYPES = {"application/mxf"}
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def upload_check(*, size: int, content_type: str) -> None:
    """Raise ValidationError unless a file of ``size`` and ``content_type`` may
    be uploaded as a source."""
    try:
        video_source_check(size=size)
    except ValidationError as exc:
        raise ValidationError({"size": exc.messages}) from exc
    kind = content_type.split(";")[0].strip().lower()
    if not (kind.startswith("video/") or kind in OTHER_VIDEO_TYPES):
        raise ValidationError(
            {
                "content_type": f"{content_type or 'This file'} is not a video; "
                "upload a video file (video/*)."
            }
        )


def upload_part_size(*, size: int) -> int:
    """Parts of UPLOAD_PART_SIZE, or bigger ones (whole MiB) when the file
    would need more parts than S3 takes."""
    smallest = -(-size // S3_MAX_PARTS)
    if smallest <= settings.UPLOAD_PART_SIZE:
        return settings.UPLOAD_PART_SIZE
    return -(-smallest // MIB) * MIB


def _stored_name(file_name: str) -> str:
    """The file's name as a safe last segment of its key."""
    try:
        name = get_valid_filename(os.path.basename(file_name.replace("\\", "/")))
    except SuspiciousFileOperation:  # nothing usable: "", "." or ".."
        name = "source"
    stem, ext = os.path.splitext(name)
    return f"{stem[:100] or 'source'}{ext[:20]}"


@transaction.atomic
def upload_create(
    *,
    user,
    file_name: str,
    size: int,
    content_type: str,
    sha256: str = "",
    video: Video | None = None,
    purpose: str = Upload.Purpose.SOURCE,
    language: str = "",
    name: str = "",
    role: str = AddedAudioTrack.Role.DUB,
) -> Upload:
    """Start an upload of ``video``'s source (a new video if none), or of an
    audio track to add to ``video``, and open it in the store."""
    audio = purpose == Upload.Purpose.AUDIO_TRACK
    if audio:
        _track_check(video=video, language=language, name=name, role=role)
        audio_upload_check(size=size, content_type=content_type)
    else:
        upload_check(size=size, content_type=content_type)
    sha256 = sha256.lower()
    if sha256 and not _SHA256_HEX.match(sha256):
        raise ValidationError({"sha256": "The SHA-256 is 64 hexadecimal digits."})
    if video is None:
        video = video_create()
    upload = Upload(
        video=video,
        created_by=user,
        purpose=purpose,
        track_language=language if audio else "",
        track_name=name if audio else "",
        track_role=role if audio else "",
        file_name=file_name[:255],
        size=size,
        content_type=content_type[:100],
        sha256=sha256,
        part_size=upload_part_size(size=size),
        expires_at=timezone.now()
        + datetime.timedelta(hours=settings.UPLOAD_EXPIRY_HOURS),
    )
    folder = f"sources/{video.uuid}/audio" if audio else f"sources/{video.uuid}"
    upload.storage_key = f"{folder}/{upload.uuid}/{_stored_name(file_name)}"
    upload.s3_upload_id = store_for().start(upload=upload)
    upload.save()
    return upload


def _track_check(*, video: Video | None, language: str, name: str, role: str) -> None:
    """Raise ValidationError unless a track so described may be added to ``video``."""
    if video is None:
        raise ValidationError({"video": "Name the video the audio track is added to."})
    AddedAudioTrack(
        video=video, language=language, name=name, role=role, position=0
    ).full_clean(exclude=["file", "position", "video"])
