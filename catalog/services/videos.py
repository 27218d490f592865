"""Video assets: ingest, the transcode job's life, publishing and clean-up.

A transcode is identified by ``Video.job_token``: asking for a new one (a new
source, a re-transcode) issues a new token, and every write a worker makes is
conditional on the token it was given, so a stale or duplicated task can never
overwrite the work of the current one. A worker holds the job while it keeps
``heartbeat_at`` fresh; the reaper hands a job whose worker went quiet to
another worker, or fails it once it has used up its attempts.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..caching import catalog_cache_invalidate
from ..models import Episode, Rendition, RevisionCleanup, TextTrack, Title, Video
from ..transcoding.subtitles import to_webvtt

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The job was taken away (re-transcode asked for, or handed to another worker)."""


def _queue_transcode(video: Video) -> None:
    from ..tasks import video_transcode

    video_id, token = video.pk, str(video.job_token)
    transaction.on_commit(lambda: video_transcode.delay(video_id, token))


def _new_job(video: Video) -> None:
    video.job_token = uuid.uuid4()
    video.status = Video.Status.QUEUED
    video.stage = Video.Stage.WAITING
    video.progress = 0
    video.attempts = 0
    video.failure_reason = ""
    video.worker = ""
    video.heartbeat_at = None
    video.started_at = None
    video.finished_at = None


@transaction.atomic
def video_create(
    *, title: Title | None = None, episode: Episode | None = None
) -> Video:
    """A new, empty video, attached to a movie or an episode if given."""
    video = Video.objects.create()
    if title is not None or episode is not None:
        video_attach(video=video, title=title, episode=episode)
    return video


@transaction.atomic
def video_attach(
    *, video: Video, title: Title | None = None, episode: Episode | None = None
) -> None:
    """Make ``video`` the video of a movie or of an episode (one without a video)."""
    if title is not None and episode is not None:
        raise ValidationError("A video belongs to a movie or to an episode, not both.")
    if title is not None and title.kind != Title.Kind.MOVIE:
        raise ValidationError(
            "A series has no video of its own; attach it to an episode."
        )
    owner = title or episode
    if owner is None:
        return
    if owner.video_id and owner.video_id != video.pk:
        raise ValidationError(f"{owner} already has a video.")
    owner.video = video
    owner.save(update_fields=["video"])


@transaction.atomic
def video_source_attach(*, video: Video, file: File, name: str) -> Video:
    """Store a source for ``video`` (streamed in chunks) and queue its transcode."""
    size = file.size
    if size is not None and size > settings.VIDEO_UPLOAD_MAX_BYTES:
        raise ValidationError(
            f"The file is {size / 1024**3:.1f} GB; the limit is "
            f"{settings.VIDEO_UPLOAD_MAX_BYTES / 1024**3:.1f} GB."
        )
    video = Video.objects.select_for_update().get(pk=video.pk)
    old_source = video.source.name if video.source else ""
    video.source.save(name, file, save=False)
    video.source_name = name[:255]
    video.source_size = video.source.size
    _new_job(video)
    video.save()
    if old_source and old_source != video.source.name:
        storage = video.source.storage
        transaction.on_commit(lambda: storage.delete(old_source))
    _queue_transcode(video)
    return video


@transaction.atomic
def video_retranscode(*, video: Video) -> Video:
    """Transcode the source again into a new revision; the current one stays until then."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if not video.source:
        raise ValidationError("This video has no source to transcode.")
    abandoned = video.preview_revision
    _new_job(video)
    video.preview_revision = ""
    video.save()
    if abandoned:
        _schedule_cleanup(video, abandoned, grace=True)
    _queue_transcode(video)
    return video


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
    vtt = to_webvtt(file.read(), getattr(file, "name", "") or "")
    track = TextTrack.objects.filter(video=video, language=language, kind=kind).first()
    track = track or TextTrack(video=video, language=language, kind=kind)
    track.label = label
    track.is_default = is_default
    if track.file:
        track.file.delete(save=False)
    track.file.save(f"{language}.vtt", ContentFile(vtt.encode()), save=False)
    track.full_clean()
    track.save()
    if is_default:
        TextTrack.objects.filter(video=video).exclude(pk=track.pk).update(
            is_default=False
        )
    if video.source:
        video_retranscode(video=video)
    return track


# --- The worker's side of the job ------------------------------------------


def video_claim(*, video_id: int, job_token: str, worker: str) -> Video | None:
    """Take the job if it is still wanted and nobody live holds it; else None."""
    now = timezone.now()
    stale = now - datetime.timedelta(
        seconds=settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS
    )
    claimed = (
        Video.objects.filter(pk=video_id, job_token=job_token)
        .filter(
            Q(status__in=[Video.Status.UPLOADED, Video.Status.QUEUED])
            | Q(status=Video.Status.PROCESSING, heartbeat_at__lt=stale)
        )
        .update(
            status=Video.Status.PROCESSING,
            stage=Video.Stage.DOWNLOADING,
            attempts=F("attempts") + 1,
            worker=worker[:200],
            heartbeat_at=now,
            started_at=now,
            failure_reason="",
        )
    )
    return Video.objects.get(pk=video_id) if claimed else None


def video_heartbeat(
    *,
    video_id: int,
    job_token: str,
    progress: int | None = None,
    stage: str | None = None,
) -> None:
    """Say the job is alive; raises LeaseLost if it is no longer this worker's."""
    fields = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
    if stage is not None:
        fields["stage"] = stage
    updated = Video.objects.filter(
        pk=video_id, job_token=job_token, status=Video.Status.PROCESSING
    ).update(**fields)
    if not updated:
        raise LeaseLost(f"Video {video_id} is no longer this worker's job.")


def video_probe_record(*, video_id: int, job_token: str, probe: dict) -> None:
    updated = Video.objects.filter(pk=video_id, job_token=job_token).update(
        probe=probe,
        duration_seconds=probe["duration"],
        width=probe["width"],
        height=probe["height"],
    )
    if not updated:
        raise LeaseLost(f"Video {video_id} is no longer this worker's job.")


@transaction.atomic
def video_preview_publish(*, video_id: int, job_token: str, revision: str) -> bool:
    """Let viewers start a first transcode before it ends; never over a published one."""
    video = Video.objects.select_for_update().get(pk=video_id)
    if (
        str(video.job_token) != str(job_token)
        or video.status != Video.Status.PROCESSING
        or video.revision
    ):
        return False
    if video.preview_revision and video.preview_revision != revision:
        _schedule_cleanup(video, video.preview_revision, grace=True)
    Video.objects.filter(pk=video_id).update(
        preview_revision=revision,
        hls_master_path=f"{video.revision_prefix(revision)}master.m3u8",
        stage=Video.Stage.PLAYABLE,
        heartbeat_at=timezone.now(),
    )
    transaction.on_commit(catalog_cache_invalidate)
    return True


def video_abandon_revision(*, video_id: int, revision: str) -> None:
    """Schedule the files of a revision that will never be published for deletion."""
    video = Video.objects.filter(pk=video_id).first()
    if video is not None and revision not in {video.revision, video.preview_revision}:
        _schedule_cleanup(video, revision, grace=False)


@transaction.atomic
def video_revision_publish(
    *,
    video_id: int,
    job_token: str,
    revision: str,
    renditions: list[dict],
    hls_master: str,
    dash_manifest: str,
    poster: str,
    thumbnails: str,
) -> Video:
    """Switch the video to a fully stored revision, in one update."""
    video = Video.objects.select_for_update().get(pk=video_id)
    if (
        str(video.job_token) != str(job_token)
        or video.status != Video.Status.PROCESSING
    ):
        raise LeaseLost(f"Video {video_id} is no longer this worker's job.")
    Rendition.objects.filter(video=video, revision=revision).delete()
    Rendition.objects.bulk_create(
        Rendition(video=video, revision=revision, **rendition)
        for rendition in renditions
    )
    previous = {video.revision, video.preview_revision} - {"", revision}
    now = timezone.now()
    Video.objects.filter(pk=video_id).update(
        status=Video.Status.READY,
        stage=Video.Stage.DONE,
        progress=100,
        revision=revision,
        preview_revision="",
        hls_master_path=hls_master,
        dash_manifest_path=dash_manifest,
        poster_path=poster,
        thumbnails_path=thumbnails,
        failure_reason="",
        finished_at=now,
        heartbeat_at=now,
    )
    for old in previous:
        _schedule_cleanup(video, old, grace=True)
    RevisionCleanup.objects.filter(video=video, revision=revision).delete()
    transaction.on_commit(catalog_cache_invalidate)
    video.refresh_from_db()
    return video


def video_release(*, video_id: int, job_token: str, reason: str) -> None:
    """Give the job back to the queue after a transient failure (it will be retried)."""
    Video.objects.filter(
        pk=video_id, job_token=job_token, status=Video.Status.PROCESSING
    ).update(
        status=Video.Status.QUEUED,
        stage=Video.Stage.WAITING,
        failure_reason=reason,
        # update() skips auto_now: without this the reaper takes the job for a
        # lost message and resends it at once, ahead of the task's retry backoff.
        updated_at=timezone.now(),
    )


@transaction.atomic
def video_fail(
    *, video_id: int, reason: str, job_token: str | None = None, revision: str = ""
) -> bool:
    """End the job as failed with a reason an editor can act on."""
    filters = {"pk": video_id}
    if job_token is not None:
        filters["job_token"] = job_token
    video = Video.objects.select_for_update().filter(**filters).first()
    if video is None or video.status in (Video.Status.READY, Video.Status.FAILED):
        return False
    abandoned = {revision, video.preview_revision} - {"", video.revision}
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.FAILED,
        stage=Video.Stage.NONE,
        failure_reason=reason[:2000],
        preview_revision="",
        hls_master_path=(
            f"{video.revision_prefix(video.revision)}master.m3u8"
            if video.revision
            else ""
        ),
        finished_at=timezone.now(),
    )
    for old in abandoned:
        _schedule_cleanup(video, old, grace=bool(video.preview_revision))
    transaction.on_commit(catalog_cache_invalidate)
    return True


def _schedule_cleanup(video: Video, revision: str, *, grace: bool) -> None:
    delay = settings.TRANSCODE_REVISION_GRACE_SECONDS if grace else 0
    RevisionCleanup.objects.update_or_create(
        video=video,
        revision=revision,
        defaults={"delete_after": timezone.now() + datetime.timedelta(seconds=delay)},
    )


# --- Beat jobs ----------------------------------------------------------------


def video_transcode_reap() -> dict:
    """Requeue jobs whose worker died, fail those out of attempts, resend lost ones."""
    now = timezone.now()
    stale = now - datetime.timedelta(
        seconds=settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS
    )
    requeued = failed = resent = 0
    dead = Video.objects.filter(status=Video.Status.PROCESSING, heartbeat_at__lt=stale)
    for video in dead:
        if video.attempts >= settings.TRANSCODE_MAX_ATTEMPTS:
            if video_fail(
                video_id=video.pk,
                job_token=str(video.job_token),
                reason=(
                    f"The transcode stopped {video.attempts} times without finishing "
                    "(its worker died or was stopped). Try a re-transcode, or check "
                    "the source."
                ),
            ):
                failed += 1
            continue
        with transaction.atomic():
            moved = Video.objects.filter(
                pk=video.pk, job_token=video.job_token, heartbeat_at__lt=stale
            ).update(
                status=Video.Status.QUEUED,
                stage=Video.Stage.WAITING,
                # update() skips auto_now: an old updated_at would make the
                # "lost message" pass below send this job a second time.
                updated_at=now,
            )
            if moved:
                video.status = Video.Status.QUEUED
                _queue_transcode(video)
                requeued += 1
    # Queued jobs whose message was lost (broker restarted, purged) are sent again;
    # a duplicate is harmless, the claim lets one through.
    lost = Video.objects.filter(
        status__in=[Video.Status.QUEUED, Video.Status.UPLOADED],
        job_token__isnull=False,
        updated_at__lt=now
        - datetime.timedelta(seconds=10 * settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS),
    )
    for video in lost:
        with transaction.atomic():
            Video.objects.filter(pk=video.pk).update(updated_at=now)
            _queue_transcode(video)
            resent += 1
    if requeued or failed or resent:
        logger.warning(
            "transcode reaper: %d requeued, %d failed, %d resent",
            requeued,
            failed,
            resent,
        )
    return {"requeued": requeued, "failed": failed, "resent": resent}


def video_revisions_cleanup() -> int:
    """Delete the files of revisions whose grace period is over."""
    from ..transcoding.publish import delete_prefix

    deleted = 0
    for cleanup in RevisionCleanup.objects.filter(
        delete_after__lte=timezone.now()
    ).select_related("video"):
        video = cleanup.video
        if cleanup.revision in {video.revision, video.preview_revision}:
            cleanup.delete()  # back in use
            continue
        deleted += delete_prefix(video.revision_prefix(cleanup.revision))
        Rendition.objects.filter(video=video, revision=cleanup.revision).delete()
        cleanup.delete()
    return deleted
