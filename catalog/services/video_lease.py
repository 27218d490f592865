"""The transcode worker's side of a job: claim it, keep it, publish or give it up.

A worker holds the job while its token is the video's and the video is
processing, and keeps ``heartbeat_at`` fresh; every write it makes goes
through ``_leased`` so that a stale or duplicated task (a re-transcode was
asked for, or the reaper handed the job on) can never overwrite the work of
the current one.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ..caching import catalog_cache_invalidate
from ..models import AddedAudioTrack, AudioTrack, Rendition, RevisionCleanup, Video
from ..transcoding import layout
from .audio_tracks import alignment_warning
from .jobs import video_job_new, video_job_queue, video_revision_retire


class LeaseLost(Exception):
    """The job was taken away (re-transcode asked for, or handed to another worker)."""


def _leased(video_id: int, job_token: str) -> QuerySet[Video]:
    """The video, only while the job ``job_token`` is still the worker's."""
    return Video.objects.filter(
        pk=video_id, job_token=job_token, status=Video.Status.PROCESSING
    )


def _lease_lost(video_id: int) -> LeaseLost:
    return LeaseLost(f"Video {video_id} is no longer this worker's job.")


def video_claim(
    *, video_id: int, job_token: str, worker: str, fetch: bool = False
) -> Video | None:
    """Take the job if it is still wanted and nobody live holds it; else None.

    With ``fetch`` the job is fetching the source from its location, else the
    transcode: neither task ever takes the other's job.
    """
    now = timezone.now()
    stale = now - datetime.timedelta(
        seconds=settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS
    )
    claimable = Video.objects.filter(pk=video_id, job_token=job_token)
    if fetch:
        claimable = claimable.exclude(ingest_location="")
    else:
        claimable = claimable.filter(ingest_location="")
    claimed = claimable.filter(
        Q(status__in=[Video.Status.UPLOADED, Video.Status.QUEUED])
        | Q(status=Video.Status.PROCESSING, heartbeat_at__lt=stale)
    ).update(
        status=Video.Status.PROCESSING,
        stage=Video.Stage.WAITING if fetch else Video.Stage.DOWNLOADING,
        attempts=F("attempts") + 1,
        worker=worker[:200],
        heartbeat_at=now,
        started_at=now,
        failure_reason="",
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
    if not _leased(video_id, job_token).update(**fields):
        raise _lease_lost(video_id)


def video_probe_record(*, video_id: int, job_token: str, probe: dict) -> None:
    """Store what the probe found; raises LeaseLost if the job is no longer ours.

    Tracks added before the video's length was known get their warning now.
    """
    updated = _leased(video_id, job_token).update(
        probe=probe,
        duration_seconds=probe["duration"],
        width=probe["width"],
        height=probe["height"],
    )
    if not updated:
        raise _lease_lost(video_id)
    for track in AddedAudioTrack.objects.filter(video_id=video_id):
        warning = alignment_warning(
            audio_seconds=track.duration_seconds or 0, video_seconds=probe["duration"]
        )
        if warning != track.warning:
            AddedAudioTrack.objects.filter(pk=track.pk).update(warning=warning)


@transaction.atomic
def video_preview_publish(*, video_id: int, job_token: str, revision: str) -> bool:
    """Let viewers start a first transcode before it ends; never over a published one."""
    video = _leased(video_id, job_token).select_for_update().first()
    if video is None or video.revision:
        return False
    if video.preview_revision and video.preview_revision != revision:
        video_revision_retire(video=video, revision=video.preview_revision, grace=True)
    Video.objects.filter(pk=video_id).update(
        preview_revision=revision,
        hls_master_path=video.revision_prefix(revision) + layout.MASTER_PLAYLIST,
        stage=Video.Stage.PLAYABLE,
        heartbeat_at=timezone.now(),
    )
    transaction.on_commit(catalog_cache_invalidate)
    return True


def video_abandon_revision(*, video_id: int, revision: str) -> None:
    """Schedule the files of a revision that will never be published for deletion."""
    video = Video.objects.filter(pk=video_id).first()
    if video is not None and revision not in {video.revision, video.preview_revision}:
        video_revision_retire(video=video, revision=revision, grace=False)


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
    audio_tracks: list[dict] = (),
) -> Video:
    """Switch the video to a fully stored revision, in one update."""
    video = _leased(video_id, job_token).select_for_update().first()
    if video is None:
        raise _lease_lost(video_id)
    Rendition.objects.filter(video=video, revision=revision).delete()
    Rendition.objects.bulk_create(
        Rendition(video=video, revision=revision, **rendition)
        for rendition in renditions
    )
    AudioTrack.objects.filter(video=video, revision=revision).delete()
    AudioTrack.objects.bulk_create(
        AudioTrack(video=video, revision=revision, **track) for track in audio_tracks
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
        video_revision_retire(video=video, revision=old, grace=True)
    RevisionCleanup.objects.filter(video=video, revision=revision).delete()
    transaction.on_commit(catalog_cache_invalidate)
    video.refresh_from_db()
    if video.repackage_wanted:
        # Tracks changed while this job ran: publish them on top of it.
        video_job_new(video=video, kind=Video.JobKind.REPACKAGE)
        video.save()
        video_job_queue(video=video)
    return video


def video_release(*, video_id: int, job_token: str, reason: str) -> None:
    """Give the job back to the queue after a transient failure (it will be retried)."""
    _leased(video_id, job_token).update(
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
            video.revision_prefix(video.revision) + layout.MASTER_PLAYLIST
            if video.revision
            else ""
        ),
        finished_at=timezone.now(),
    )
    for old in abandoned:
        video_revision_retire(
            video=video, revision=old, grace=bool(video.preview_revision)
        )
    transaction.on_commit(catalog_cache_invalidate)
    return True
