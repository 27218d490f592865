"""Editors' writes to video assets: create, attach, upload a source, re-transcode.

Each rule is a ``*_check`` function the write calls first, so the admin's
forms run the very same checks before anything is stored.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction

from ..models import Episode, Title, Video
from .jobs import video_job_new, video_job_queue, video_revision_retire


@transaction.atomic
def video_create(
    *, title: Title | None = None, episode: Episode | None = None
) -> Video:
    """A new, empty video, attached to a movie or an episode if given."""
    video_attach_check(video=None, title=title, episode=episode)
    video = Video.objects.create()
    if title is not None or episode is not None:
        video_attach(video=video, title=title, episode=episode)
    return video


def video_attach_check(
    *, video: Video | None, title: Title | None = None, episode: Episode | None = None
) -> None:
    """Raise ValidationError unless ``video`` may become the movie's or episode's."""
    if title is not None and episode is not None:
        raise ValidationError("A video belongs to a movie or to an episode, not both.")
    if title is not None and title.kind != Title.Kind.MOVIE:
        raise ValidationError(
            "A series has no video of its own; attach it to an episode."
        )
    owner = title or episode
    if (
        owner is not None
        and owner.video_id
        and owner.video_id != getattr(video, "pk", None)
    ):
        raise ValidationError(f"{owner} already has a video.")


@transaction.atomic
def video_attach(
    *, video: Video, title: Title | None = None, episode: Episode | None = None
) -> None:
    """Make ``video`` the video of a movie or of an episode (one without a video)."""
    video_attach_check(video=video, title=title, episode=episode)
    owner = title or episode
    if owner is None:
        return
    owner.video = video
    owner.save(update_fields=["video"])


def video_source_check(*, size: int | None) -> None:
    """Raise ValidationError if a source of ``size`` bytes may not be stored."""
    if size is not None and size > settings.VIDEO_UPLOAD_MAX_BYTES:
        raise ValidationError(
            f"The file is {size / 1024**3:.1f} GB; the limit is "
            f"{settings.VIDEO_UPLOAD_MAX_BYTES / 1024**3:.1f} GB."
        )


def video_source_point(*, video: Video, name: str, file_name: str, size: int) -> None:
    """Make the stored object ``name`` the source of ``video`` (unsaved); the
    source it replaces is deleted once the transaction commits."""
    old_source = video.source.name if video.source else ""
    video.source.name = name
    video.source_name = file_name[:255]
    video.source_size = size
    if old_source and old_source != name:
        storage = video.source.storage
        transaction.on_commit(lambda: storage.delete(old_source))


@transaction.atomic
def video_source_attach(*, video: Video, file: File, name: str) -> Video:
    """Store a source for ``video`` (streamed in chunks) and queue its transcode."""
    video_source_check(size=file.size)
    video = Video.objects.select_for_update().get(pk=video.pk)
    old_source = video.source.name if video.source else ""
    video.source.save(name, file, save=False)
    video.source_name = name[:255]
    video.source_size = video.source.size
    video_job_new(video=video)
    video.save()
    if old_source and old_source != video.source.name:
        storage = video.source.storage
        transaction.on_commit(lambda: storage.delete(old_source))
    video_job_queue(video=video)
    return video


@transaction.atomic
def video_retranscode(*, video: Video) -> Video:
    """Transcode the source again into a new revision; the current one stays until then."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if not video.source:
        raise ValidationError("This video has no source to transcode.")
    abandoned = video.preview_revision
    video_job_new(video=video)
    video.preview_revision = ""
    video.save()
    if abandoned:
        video_revision_retire(video=video, revision=abandoned, grace=True)
    video_job_queue(video=video)
    return video


_TRANSCODE_PENDING = (
    Video.Status.UPLOADED,
    Video.Status.QUEUED,
    Video.Status.PROCESSING,
)


@transaction.atomic
def video_tracks_republish(*, video: Video) -> None:
    """Publish a change to a video's tracks (audio or text) by repackaging.

    The published revision is repackaged without touching its video; a
    pending transcode reads the tracks when it starts, and one already running
    is followed by a repackage; a video never published (or published before
    audio tracks were encoded apart) is transcoded again.
    """
    video = Video.objects.select_for_update().get(pk=video.pk)
    transcoding = (
        video.job_token is not None
        and video.job_kind == Video.JobKind.TRANSCODE
        and video.status in _TRANSCODE_PENDING
    )
    if transcoding:
        if video.status == Video.Status.PROCESSING and not video.repackage_wanted:
            video.repackage_wanted = True
            video.save(update_fields=["repackage_wanted", "updated_at"])
        return
    # A revision published before each track was its own step has its sound
    # inside the video's files: nothing a repackage could keep apart.
    sound_apart = not (video.probe or {}).get("audio_streams") or (
        video.audio_tracks.filter(revision=video.revision).exists()
    )
    if not video.revision or not sound_apart:
        if video.source:
            video_retranscode(video=video)
        return
    video_job_new(video=video, kind=Video.JobKind.REPACKAGE)
    video.save()
    video_job_queue(video=video)
