"""What editors, workers and beat share about a transcode job.

A job (a transcode, or a repackage when only tracks changed: ``Video.job_kind``)
is identified by ``Video.job_token``: asking for a new one (a new source, a
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


def video_job_queue(*, video: Video) -> None:
    """Send the video's current job (a transcode or a repackage, as its
    ``job_kind`` says) to a worker once the transaction commits."""
    from ..tasks import video_repackage, video_transcode

    task = (
        video_repackage
        if video.job_kind == Video.JobKind.REPACKAGE
        else video_transcode
    )
    video_id, token = video.pk, str(video.job_token)
    transaction.on_commit(lambda: task.delay(video_id, token))


def video_revision_retire(*, video: Video, revision: str, grace: bool) -> None:
    """Schedule a revision's files for deletion, after the grace period if asked."""
    delay = settings.TRANSCODE_REVISION_GRACE_SECONDS if grace else 0
    RevisionCleanup.objects.update_or_create(
        video=video,
        revision=revision,
        defaults={"delete_after": timezone.now() + datetime.timedelta(seconds=delay)},
    )
