"""Jobs whose worker went quiet: handed on, or failed once out of attempts."""

import datetime
import uuid

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from catalog import services
from catalog.models import Video
from catalog.services import video_lease
from catalog.tasks import video_repackage, video_transcode
from catalog.transcoding import repackage
from tests.catalog.factories import VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_tasks(monkeypatch) -> list[tuple]:
    """The arguments of every transcode task sent to the broker."""
    sent = []
    monkeypatch.setattr(video_transcode, "delay", lambda *args: sent.append(args))
    return sent


def processing_video(*, quiet_for: datetime.timedelta, attempts: int = 1) -> Video:
    """A job a worker claimed and last reported on ``quiet_for`` ago."""
    long_ago = timezone.now() - datetime.timedelta(days=1)
    video = VideoFactory(
        status=Video.Status.PROCESSING,
        stage=Video.Stage.ENCODING,
        job_token=uuid.uuid4(),
        attempts=attempts,
        worker="worker-1:4242",
        heartbeat_at=timezone.now() - quiet_for,
        started_at=long_ago,
    )
    # Uploaded long ago: the reaper must not take it for a lost queued message too.
    Video.objects.filter(pk=video.pk).update(updated_at=long_ago)
    return video


def test_job_of_a_dead_worker_is_queued_again_once(
    settings, django_capture_on_commit_callbacks, queued_tasks
):
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 90
    settings.TRANSCODE_MAX_ATTEMPTS = 3
    video = processing_video(quiet_for=datetime.timedelta(minutes=5), attempts=1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = services.video_transcode_reap()

    video.refresh_from_db()
    assert result == {"requeued": 1, "failed": 0, "resent": 0, "chunks_requeued": 0}
    assert video.status == Video.Status.QUEUED
    assert video.stage == Video.Stage.WAITING
    assert len(callbacks) == 1
    assert queued_tasks == [(video.pk, str(video.job_token))]


def test_requeued_job_can_be_claimed_by_another_worker(settings, queued_tasks):
    settings.TRANSCODE_MAX_ATTEMPTS = 3
    video = processing_video(quiet_for=datetime.timedelta(minutes=5), attempts=1)
    services.video_transcode_reap()

    claimed = services.video_claim(
        video_id=video.pk, job_token=str(video.job_token), worker="worker-2:1"
    )

    assert claimed is not None
    assert (claimed.status, claimed.worker, claimed.attempts) == (
        Video.Status.PROCESSING,
        "worker-2:1",
        2,
    )


def test_job_released_for_a_retry_is_left_to_the_retry(
    settings, django_capture_on_commit_callbacks, queued_tasks
):
    # A transient failure gives the job back; the task retries after a backoff,
    # so the reaper must not take it for a lost message and send it at once.
    video = processing_video(quiet_for=datetime.timedelta(seconds=1), attempts=1)
    video_lease.video_release(
        video_id=video.pk, job_token=str(video.job_token), reason="Retrying: disk"
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = services.video_transcode_reap()

    assert result == {"requeued": 0, "failed": 0, "resent": 0, "chunks_requeued": 0}
    assert queued_tasks == []
    video.refresh_from_db()
    assert (video.status, video.failure_reason) == (
        Video.Status.QUEUED,
        "Retrying: disk",
    )


def test_job_out_of_attempts_fails_with_a_reason_naming_the_worker(
    settings, django_capture_on_commit_callbacks, queued_tasks
):
    settings.TRANSCODE_MAX_ATTEMPTS = 3
    video = processing_video(quiet_for=datetime.timedelta(minutes=5), attempts=3)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.video_transcode_reap()

    video.refresh_from_db()
    assert result["failed"] == 1
    assert video.status == Video.Status.FAILED
    assert "worker" in video.failure_reason
    assert "3 times" in video.failure_reason
    assert video.finished_at is not None
    assert queued_tasks == []


def test_job_with_a_live_worker_is_left_alone(
    settings, django_capture_on_commit_callbacks, queued_tasks
):
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 90
    video = processing_video(quiet_for=datetime.timedelta(seconds=10), attempts=3)
    before = Video.objects.filter(pk=video.pk).values().get()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = services.video_transcode_reap()

    assert result == {"requeued": 0, "failed": 0, "resent": 0, "chunks_requeued": 0}
    assert Video.objects.filter(pk=video.pk).values().get() == before
    assert callbacks == []
    assert queued_tasks == []


def test_queued_job_whose_message_was_lost_is_sent_again(
    settings, django_capture_on_commit_callbacks, queued_tasks
):
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 90
    video = VideoFactory(status=Video.Status.QUEUED, job_token=uuid.uuid4())
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Video.objects.filter(pk=video.pk).update(updated_at=an_hour_ago)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.video_transcode_reap()

    assert result["resent"] == 1
    assert queued_tasks == [(video.pk, str(video.job_token))]
    # Sent again once, not on every pass of the reaper.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.video_transcode_reap()["resent"] == 0


def test_claim_is_refused_while_the_holder_is_alive(settings):
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 90
    video = VideoFactory(status=Video.Status.QUEUED, job_token=uuid.uuid4())
    token = str(video.job_token)

    first = services.video_claim(video_id=video.pk, job_token=token, worker="a:1")
    second = services.video_claim(video_id=video.pk, job_token=token, worker="b:2")

    assert first is not None and first.worker == "a:1"
    assert second is None
    video.refresh_from_db()
    assert (video.worker, video.attempts) == ("a:1", 1)


def test_claim_succeeds_once_the_holder_has_gone_quiet(settings):
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 90
    video = processing_video(quiet_for=datetime.timedelta(minutes=2), attempts=1)

    claimed = services.video_claim(
        video_id=video.pk, job_token=str(video.job_token), worker="b:2"
    )

    assert claimed is not None
    assert (claimed.worker, claimed.attempts) == ("b:2", 2)


def test_claim_with_a_superseded_token_is_refused():
    video = VideoFactory(status=Video.Status.QUEUED, job_token=uuid.uuid4())
    assert (
        services.video_claim(video_id=video.pk, job_token=str(uuid.uuid4()), worker="a")
        is None
    )


def test_a_dead_repackage_is_requeued_as_a_repackage(
    settings, django_capture_on_commit_callbacks, queued_tasks, monkeypatch
):
    repackages = []
    monkeypatch.setattr(video_repackage, "delay", lambda *args: repackages.append(args))
    settings.TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = 90
    dead = processing_video(quiet_for=datetime.timedelta(minutes=5))
    lost = VideoFactory(
        status=Video.Status.QUEUED,
        job_token=uuid.uuid4(),
        job_kind=Video.JobKind.REPACKAGE,
        revision="r1",
    )
    Video.objects.filter(pk__in=[dead.pk, lost.pk]).update(
        job_kind=Video.JobKind.REPACKAGE
    )
    Video.objects.filter(pk=lost.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = services.video_transcode_reap()

    assert result == {"requeued": 1, "failed": 0, "resent": 1, "chunks_requeued": 0}
    assert queued_tasks == []  # never a full transcode
    assert sorted(repackages) == sorted(
        [(dead.pk, str(dead.job_token)), (lost.pk, str(lost.job_token))]
    )


def test_a_new_track_change_supersedes_a_queued_repackage(transcoded, tmp_path):
    video, _ = transcoded("no_audio")
    vtt = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"
    services.text_track_add(
        video=video, language="en", label="English", file=ContentFile(vtt, name="a.vtt")
    )
    video.refresh_from_db()
    first = str(video.job_token)
    services.text_track_add(
        video=video,
        language="fr",
        label="Français",
        file=ContentFile(vtt, name="b.vtt"),
    )
    video.refresh_from_db()
    assert str(video.job_token) != first
    assert repackage.repackage(video_id=video.pk, job_token=first) == "skipped"
    outcome = repackage.repackage(video_id=video.pk, job_token=str(video.job_token))
    assert outcome == "ready"
