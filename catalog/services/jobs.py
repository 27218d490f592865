"""What editors, workers and beat share about a transcode job.

A job (fetching a source from its location, then its transcode; a transcode
alone; or a repackage when only tracks changed: ``Video.job_kind``) is
identified by ``Video.job_token``: asking for a new one (a new source, a
re-transcode, a track added) issues a new token, and every write a worker makes is
conditional on the token it was given (see ``video_lease``), so a stale or
duplicated task can never overwrite the work of the current one.
"""

import datetime
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import RevisionCleanup, Video


def video_job_new(*, video: Video, kind: str = Video.JobKind.TRANSCODE) -> None:
    """Reset ``video`` (unsaved) to a fresh queued job of ``kind`` with a new token."""
    video.job_token = uuid.uuid4()
    video.job_kind = kind
    video.repackage_wanted = False
    video.status = Video.Status.QUEUED
    video.stage = Video.Stage.WAITING
    video.progress = 0
    video.attempts = 0
    video.failure_reason = ""
    video.worker = ""
    video.heartbeat_at = None
    video.started_at = None
    video.finished_at = None
    video.ingest_location = ""
    video.ingest_bytes = 0
    video.ingest_total_bytes = None


def video_transcode_queue(*, video: Video) -> None:
    """Send the video's transcode to a worker once the transaction commits."""
    from ..tasks import video_transcode

    video_id, token = video.pk, str(video.job_token)
    transaction.on_commit(lambda: video_transcode.delay(video_id, token))


def video_job_queue(*, video: Video) -> None:
    """Send the video's current job to a worker once the transaction commits:
    the fetch of its source when it names a location, else a transcode or a
    repackage, as its ``job_kind`` says."""
    from ..tasks import video_repackage, video_source_fetch

    video_id, token = video.pk, str(video.job_token)
    if video.ingest_location:
        transaction.on_commit(lambda: video_source_fetch.delay(video_id, token))
    elif video.job_kind == Video.JobKind.REPACKAGE:
        transaction.on_commit(lambda: video_repackage.delay(video_id, token))
    else:
        video_transcode_queue(video=video)


def video_revision_retire(*, video: Video, revision: str, grace: bool) -> None:
    """Schedule a revision's files for deletion, after the grace period if asked."""
    delay = settings.TRANSCODE_REVISION_GRACE_SECONDS if grace else 0
    RevisionCleanup.objects.update_or_create(
        video=video,
        revision=revision,
        defaults={"delete_after": timezone.now() + datetime.timedelta(seconds=delay)},
    )
