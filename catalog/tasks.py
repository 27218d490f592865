"""Thin Celery tasks: load by id, call one service or the pipeline."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings

from vod.storage import STORAGE_ERRORS, is_transient

from . import services
from .ingest import run as ingest_run
from .models import Title
from .services import uploads
from .transcoding import chunk_work, pipeline, repackage, scratch
from .transcoding.errors import TransientFailure

logger = logging.getLogger(__name__)

# The backstop for the longest source allowed; each encode also has its own
# timeout derived from the source's duration (see pipeline).
TRANSCODE_TIME_LIMIT = 600 + 4 * 3600 * 10
UPLOAD_VERIFY_TIME_LIMIT = uploads.VERIFY_SECONDS


def backoff(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: 10, 30, 90, ... capped at 15 min."""
    return min(900, 10 * 3**retries)


@shared_task(acks_late=True)
def person_titles_search_refresh(person_id: int) -> int:
    """Refresh the search documents of every title crediting a person."""
    title_ids = list(
        Title.objects.filter(credits__person_id=person_id)
        .values_list("pk", flat=True)
        .distinct()
    )
    return services.title_search_refresh(title_ids=title_ids)


def _video_job(task, run, video_id: int, job_token: str, *, too_long: str) -> str:
    """Run one of a video's jobs: retry transient failures with a backoff, then
    fail the video with the last reason; fail it too if it takes too long."""
    try:
        return run(video_id=video_id, job_token=job_token)
    except TransientFailure as exc:
        if task.request.retries >= settings.TRANSCODE_MAX_ATTEMPTS:
            services.video_fail(
                video_id=video_id,
                job_token=job_token,
                reason=f"Gave up after {task.request.retries + 1} tries: {exc.reason}",
            )
            return "failed"
        # A fetch's retry resumes from the parts already stored.
        raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from exc
    except SoftTimeLimitExceeded:
        services.video_fail(video_id=video_id, job_token=job_token, reason=too_long)
        return "failed"


VIDEO_JOB = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": TRANSCODE_TIME_LIMIT,
    "soft_time_limit": TRANSCODE_TIME_LIMIT - 60,
}


@shared_task(**VIDEO_JOB)
def video_transcode(self, video_id: int, job_token: str) -> str:
    """Transcode a video's source into a new published revision."""
    return _video_job(
        self,
        pipeline.transcode,
        video_id,
        job_token,
        too_long="The transcode took too long.",
    )


@shared_task(**VIDEO_JOB)
def video_transcode_chunk(
    self, video_id: int, job_token: str, index: int, kind: str = "video"
) -> str:
    """Encode one part of a chunked transcode (a chunk of the video, or an
    audio track); transient failures are retried (the part's row counts the
    attempts, so the job's holder gives up in time)."""
    try:
        return chunk_work.run_chunk(
            video_id=video_id,
            job_token=job_token,
            kind=kind,
            index=index,
            worker=pipeline.worker_name(),
        )
    except TransientFailure as exc:
        if self.request.retries >= settings.TRANSCODE_MAX_ATTEMPTS:
            return "released"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        return "stopped"


@shared_task(**VIDEO_JOB)
def video_source_fetch(self, video_id: int, job_token: str) -> str:
    """Copy or fetch a video's source from its location, then queue its transcode."""
    return _video_job(
        self,
        ingest_run.fetch,
        video_id,
        job_token,
        too_long="Fetching the source took too long.",
    )


@shared_task(**VIDEO_JOB)
def video_repackage(self, video_id: int, job_token: str) -> str:
    """Publish a video's changed tracks as a new revision, its video copied."""
    return _video_job(
        self,
        repackage.repackage,
        video_id,
        job_token,
        too_long="Publishing the track changes took too long.",
    )


@shared_task(acks_late=True)
def video_transcode_reap() -> dict:
    """Beat: requeue transcodes whose worker died; fail those out of attempts."""
    return services.video_transcode_reap()


@shared_task(acks_late=True)
def video_revisions_cleanup() -> int:
    """Beat: delete superseded revisions once their grace period is over."""
    return services.video_revisions_cleanup()


@shared_task(
    bind=True,
    acks_late=True,
    time_limit=UPLOAD_VERIFY_TIME_LIMIT,
    soft_time_limit=UPLOAD_VERIFY_TIME_LIMIT - 60,
)
def upload_verify(self, upload_id: int) -> str:
    """Hash a completed upload's object (and probe an audio track's); attach it
    and queue its transcode or repackage if it is the file announced."""
    try:
        return uploads.upload_verify(upload_id=upload_id)
    except STORAGE_ERRORS as exc:
        if is_transient(exc) and self.request.retries < 5:
            raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
        uploads.upload_verify_give_up(
            upload_id=upload_id, reason=f"Could not read the file back: {exc}"
        )
        return "failed"


@shared_task(acks_late=True)
def uploads_expire() -> int:
    """Beat: abort uploads not completed in time and delete their parts."""
    return uploads.uploads_expire()


@worker_ready.connect
def _remove_orphaned_scratch(**kwargs) -> None:
    removed = scratch.remove_orphans()
    if removed:
        logger.info("removed %d scratch folders left by dead workers", removed)
