"""Thin Celery tasks: load by id, call one service or the pipeline."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings

from . import services
from .models import Title
from .transcoding import pipeline, repackage, scratch
from .transcoding.errors import TransientFailure

logger = logging.getLogger(__name__)

# The backstop for the longest source allowed; each encode also has its own
# timeout derived from the source's duration (see pipeline).
TRANSCODE_TIME_LIMIT = 600 + 4 * 3600 * 10


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


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TRANSCODE_TIME_LIMIT,
    soft_time_limit=TRANSCODE_TIME_LIMIT - 60,
)
def video_transcode(self, video_id: int, job_token: str) -> str:
    """Transcode a video's source into a new published revision."""
    try:
        return pipeline.transcode(video_id=video_id, job_token=job_token)
    except TransientFailure as exc:
        if self.request.retries >= settings.TRANSCODE_MAX_ATTEMPTS:
            services.video_fail(
                video_id=video_id,
                job_token=job_token,
                reason=f"Gave up after {self.request.retries + 1} tries: {exc.reason}",
            )
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        services.video_fail(
            video_id=video_id,
            job_token=job_token,
            reason="The transcode took too long.",
        )
        return "failed"


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TRANSCODE_TIME_LIMIT,
    soft_time_limit=TRANSCODE_TIME_LIMIT - 60,
)
def video_repackage(self, video_id: int, job_token: str) -> str:
    """Publish a video's changed tracks as a new revision, its video copied."""
    try:
        return repackage.repackage(video_id=video_id, job_token=job_token)
    except TransientFailure as exc:
        if self.request.retries >= settings.TRANSCODE_MAX_ATTEMPTS:
            services.video_fail(
                video_id=video_id,
                job_token=job_token,
                reason=f"Gave up after {self.request.retries + 1} tries: {exc.reason}",
            )
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        services.video_fail(
            video_id=video_id,
            job_token=job_token,
            reason="Publishing the track changes took too long.",
        )
        return "failed"


@shared_task(acks_late=True)
def video_transcode_reap() -> dict:
    """Beat: requeue transcodes whose worker died; fail those out of attempts."""
    return services.video_transcode_reap()


@shared_task(acks_late=True)
def video_revisions_cleanup() -> int:
    """Beat: delete superseded revisions once their grace period is over."""
    return services.video_revisions_cleanup()


@worker_ready.connect
def _remove_orphaned_scratch(**kwargs) -> None:
    removed = scratch.remove_orphans()
    if removed:
        logger.info("removed %d scratch folders left by dead workers", removed)
