"""A source fetched from where it already is: the editor's ask, the worker's writes.

The fetch is the first half of a job on the transcode's lease (``video_lease``):
the video is processing while a worker copies or fetches the source, with the
job's token guarding every write, and once the source is stored the same job
goes on as a transcode.
"""

from django.db import transaction
from django.utils import timezone

from ..ingest.locations import location_parse
from ..models import Video
from .jobs import video_job_new, video_job_queue, video_transcode_queue
from .video_lease import _lease_lost, _leased
from .videos import video_source_point


def video_source_location_check(*, location: str) -> str:
    """The location as it will be fetched; raises ValidationError saying why not."""
    return str(location_parse(location))


@transaction.atomic
def video_source_ingest(*, video: Video, location: str) -> Video:
    """Fetch the source from ``location`` (s3:// or https://) on a worker, then transcode it.

    The current source and published stream stay until the new source is stored.
    """
    checked = video_source_location_check(location=location)
    video = Video.objects.select_for_update().get(pk=video.pk)
    video_job_new(video=video)
    video.ingest_location = checked
    video.save()
    video_job_queue(video=video)
    return video


def video_ingest_progress(
    *, video_id: int, job_token: str, stage: str, done: int, total: int | None
) -> None:
    """Say how far the fetch is; raises LeaseLost if the job is no longer ours."""
    fields = {
        "heartbeat_at": timezone.now(),
        "stage": stage,
        "ingest_bytes": done,
        "ingest_total_bytes": total,
    }
    if total:
        fields["progress"] = min(100, done * 100 // total)
    if not _leased(video_id, job_token).update(**fields):
        raise _lease_lost(video_id)


@transaction.atomic
def video_ingest_complete(
    *, video_id: int, job_token: str, name: str, size: int
) -> Video:
    """Make the fetched file the video's source and queue its transcode (same job)."""
    video = _leased(video_id, job_token).select_for_update().first()
    if video is None:
        raise _lease_lost(video_id)
    video_source_point(
        video=video, name=name, file_name=name.rsplit("/", 1)[-1], size=size
    )
    video.ingest_location = ""
    video.ingest_bytes = size
    video.status = Video.Status.QUEUED
    video.stage = Video.Stage.WAITING
    video.progress = 0
    video.attempts = 0
    video.worker = ""
    video.heartbeat_at = None
    video.save()
    video_transcode_queue(video=video)
    return video
