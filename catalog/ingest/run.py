"""The worker's fetch: claim the job, copy or fetch the source, hand it to the transcode."""

import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from ..models import Video
from ..models.videos import video_source_path
from ..services import video_ingest, video_lease
from ..transcoding.errors import SourceRejected, StorageRefused, TransientFailure
from ..transcoding.pipeline import worker_name
from ..transcoding.publish import STORAGE_ERRORS, storage_failure
from . import locations, s3_copy, url_fetch
from .parts import Parts

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0


class _Progress:
    """Reports bytes fetched, every few seconds (each report is the heartbeat)."""

    def __init__(self, *, video_id: int, job_token: str, stage: str):
        self.video_id, self.job_token, self.stage = video_id, job_token, stage
        self.last = 0.0

    def __call__(self, done: int, total: int | None, *, stored: bool = False) -> None:
        if stored or time.monotonic() - self.last >= HEARTBEAT_SECONDS:
            self.last = time.monotonic()
            video_ingest.video_ingest_progress(
                video_id=self.video_id,
                job_token=self.job_token,
                stage=self.stage,
                done=done,
                total=total,
            )


def fetch(*, video_id: int, job_token: str) -> str:
    """Run the fetch if it is still wanted; returns what happened, for logs and tests.

    A refused or missing source fails the video with its reason (a published
    stream stays); transient faults release the job and re-raise
    TransientFailure for the task to retry, resuming where it stopped.
    """
    video = video_lease.video_claim(
        video_id=video_id, job_token=job_token, worker=worker_name(), fetch=True
    )
    if video is None:
        return "skipped"
    parts = Parts(storage=default_storage, video_uuid=video.uuid, job_token=job_token)
    try:
        name, size = _fetch(video, job_token, parts)
        try:
            video_ingest.video_ingest_complete(
                video_id=video_id, job_token=job_token, name=name, size=size
            )
        except video_lease.LeaseLost:
            default_storage.delete(name)
            raise
        parts.clear()
        return "fetched"
    except (SourceRejected, StorageRefused) as exc:
        video_lease.video_fail(
            video_id=video_id, job_token=job_token, reason=exc.reason
        )
        _forget(parts)
        return "failed"
    except video_lease.LeaseLost:
        logger.info("video %s: fetch %s was taken away; stopping", video_id, job_token)
        return "abandoned"
    except TransientFailure as exc:
        video_lease.video_release(
            video_id=video_id, job_token=job_token, reason=f"Retrying: {exc.reason}"
        )
        raise


def _forget(parts: Parts) -> None:
    try:
        parts.clear()
    except STORAGE_ERRORS:
        logger.warning("could not delete the parts under %s", parts.prefix)


def _fetch(video: Video, job_token: str, parts: Parts) -> tuple[str, int]:
    """Store the source from the job's location; returns its name and size."""
    try:
        location = locations.location_parse(video.ingest_location)
    except locations.HostNotFound as exc:
        raise TransientFailure(" ".join(exc.messages)) from exc
    except ValidationError as exc:  # the rules changed since it was asked for
        raise SourceRejected(" ".join(exc.messages)) from exc
    name = video_source_path(video, locations.source_file_name(location))
    try:
        if isinstance(location, locations.S3Location):
            return _copy(video, job_token, location, name)
        progress = _Progress(
            video_id=video.pk, job_token=job_token, stage=Video.Stage.FETCHING
        )
        parts.clear_others()
        stored = url_fetch.fetch_into(
            url=location.url, parts=parts, on_progress=progress
        )
        size = sum(part.size for part in stored)
        progress(size, size, stored=True)
        joined = parts.join(name=name, parts=stored, tick=lambda: progress(size, size))
        return joined, size
    except STORAGE_ERRORS as exc:
        raise storage_failure(exc, "Could not store the source") from exc


def _copy(
    video: Video, job_token: str, location: locations.S3Location, name: str
) -> tuple[str, int]:
    progress = _Progress(
        video_id=video.pk, job_token=job_token, stage=Video.Stage.COPYING
    )
    size = s3_copy.source_size(storage=default_storage, location=location)
    if size > settings.VIDEO_UPLOAD_MAX_BYTES:
        raise SourceRejected(
            f"{location} is {size:,} bytes; the limit is "
            f"{settings.VIDEO_UPLOAD_MAX_BYTES:,} bytes."
        )
    progress(0, size, stored=True)
    stored = s3_copy.copy_into(
        storage=default_storage,
        location=location,
        name=name,
        on_progress=lambda copied: progress(copied, size, stored=True),
    )
    progress(size, size, stored=True)
    return stored, size
