"""Beat's jobs on video assets: hand on or fail stalled jobs, delete old revisions."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import AudioTrack, Rendition, RevisionCleanup, Video
from .jobs import video_job_queue
from .video_chunks import video_chunks_requeue_stalled
from .video_lease import video_fail

logger = logging.getLogger(__name__)


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
                reason=_gave_up(video),
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
                video_job_queue(video=video)
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
            video_job_queue(video=video)
            resent += 1
    # A chunk whose worker died is sent again on its own; its job goes on.
    chunks = video_chunks_requeue_stalled()
    if requeued or failed or resent or chunks:
        logger.warning(
            "transcode reaper: %d requeued, %d failed, %d resent, %d chunks requeued",
            requeued,
            failed,
            resent,
            chunks,
        )
    return {
        "requeued": requeued,
        "failed": failed,
        "resent": resent,
        "chunks_requeued": chunks,
    }


def _gave_up(video: Video) -> str:
    if video.ingest_location:
        return (
            f"Fetching the source stopped {video.attempts} times without finishing "
            "(its worker died or was stopped). Give its location again to retry."
        )
    return (
        f"The transcode stopped {video.attempts} times without finishing "
        "(its worker died or was stopped). Try a re-transcode, or check the source."
    )


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
        AudioTrack.objects.filter(video=video, revision=cleanup.revision).delete()
        cleanup.delete()
    return deleted
