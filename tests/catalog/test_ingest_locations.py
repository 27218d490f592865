"""Editors give a source's location: what is refused, what is queued, what beat does."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from catalog import services, tasks
from catalog.models import Title, Video
from catalog.transcoding import pipeline
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db

REFUSED = {
    "ftp://files.example.com/film.mp4": "scheme “ftp” is not allowed",
    "file:///etc/passwd": "scheme “file” is not allowed",
    "http://files.example.com/film.mp4": "Plain http:// is not accepted",
    "s3://elsewhere/film.mp4": "bucket “elsewhere” is not one",
    "s3://studio/": "names an object",
    "https://user:secret@files.example.com/film.mp4": "carries credentials",
    "https://10.1.2.3/film.mp4": "private or local address",
    "https://127.0.0.1:8000/film.mp4": "private or local address",
    "https://169.254.169.254/latest/meta-data/": "private or local address",
    "https://[::1]/film.mp4": "private or local address",
    "https://[::ffff:10.0.0.1]/film.mp4": "private or local address",
    "https://localhost/film.mp4": "private or local address",
    "film.mp4": "Give an s3://bucket/key or an https:// URL",
}


@pytest.fixture
def editor_client(api_client):
    editor = User.objects.create_user(email="ed@example.com", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    api_client.force_authenticate(editor)
    return api_client


@pytest.fixture
def fetches(monkeypatch):
    """The fetch tasks sent, as (video id, job token)."""
    sent = []
    monkeypatch.setattr(
        tasks.video_source_fetch, "delay", lambda *args: sent.append(args)
    )
    return sent


@pytest.fixture
def loopback_allowed(settings):
    settings.INGEST_URL_ALLOW_PRIVATE_HOSTS = ["localhost"]


def _post(client, video: Video, location: str):
    return client.post(
        f"/api/v1/videos/{video.uuid}/source/location/",
        {"location": location},
        format="json",
    )


@pytest.mark.parametrize(("location", "reason"), REFUSED.items())
def test_a_location_that_may_not_be_used_is_a_400_with_the_reason(
    editor_client, settings, location, reason
):
    settings.INGEST_S3_BUCKETS = ["studio"]
    video = Video.objects.create()

    response = _post(editor_client, video, location)

    assert response.status_code == 400
    assert reason in " ".join(response.json()["error"]["fields"]["location"])
    video.refresh_from_db()
    assert video.status == Video.Status.UPLOADED and not video.ingest_location


def test_s3_locations_are_refused_while_no_bucket_is_allowed(editor_client):
    response = _post(editor_client, Video.objects.create(), "s3://studio/film.mp4")

    assert response.status_code == 400
    assert "none is allowed here" in str(response.json())


def test_s3_locations_need_the_sources_on_s3(editor_client, settings):
    settings.INGEST_S3_BUCKETS = ["studio"]
    response = _post(editor_client, Video.objects.create(), "s3://studio/film.mp4")

    assert response.status_code == 400
    assert "needs the sources on S3" in str(response.json())


def test_only_editors_may_give_a_location(api_client):
    video = Video.objects.create()
    api_client.force_authenticate(User.objects.create_user(email="v@example.com"))

    response = _post(api_client, video, "https://localhost/film.mp4")

    assert response.status_code == 403


def test_a_location_queues_a_fetch_and_keeps_the_published_stream(
    editor_client, fetches, loopback_allowed, django_capture_on_commit_callbacks
):
    video = Video.objects.create(
        status=Video.Status.READY, source="sources/x/old.mp4", revision="r1"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(editor_client, video, "https://localhost/a/film.mp4")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["stage"] == "waiting"
    assert body["ingest_location"] == "https://localhost/a/film.mp4"
    assert body["revision"] == "r1"
    video.refresh_from_db()
    assert fetches == [(video.pk, str(video.job_token))]
    assert video.source.name == "sources/x/old.mp4"  # until the new one is stored


def test_the_transcode_never_takes_a_fetch_job(loopback_allowed):
    video = services.video_source_ingest(
        video=Video.objects.create(), location="https://localhost/film.mp4"
    )

    assert pipeline.transcode(video_id=video.pk, job_token=str(video.job_token)) == (
        "skipped"
    )


def test_the_reaper_hands_a_dead_fetch_on_as_a_fetch(
    loopback_allowed, fetches, settings, django_capture_on_commit_callbacks
):
    video = services.video_source_ingest(
        video=Video.objects.create(), location="https://localhost/film.mp4"
    )
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.PROCESSING, heartbeat_at=long_ago, attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.video_transcode_reap()["requeued"] == 1

    assert fetches == [(video.pk, str(video.job_token))]
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.PROCESSING,
        heartbeat_at=long_ago,
        attempts=settings.TRANSCODE_MAX_ATTEMPTS,
    )
    assert services.video_transcode_reap()["failed"] == 1
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_reason.startswith("Fetching the source stopped")


def test_the_ingest_command_refuses_a_location_with_the_reason():
    with pytest.raises(CommandError, match="Plain http:// is not accepted"):
        call_command("ingest", "http://files.example.com/film.mp4", title="Film")
    assert not Video.objects.exists()


def test_the_ingest_command_queues_a_fetch_for_a_url(fetches, loopback_allowed):
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest", "film.mp4", title="Film")

    call_command("ingest", "https://localhost/film.mp4", title="Film")

    video = Title.objects.get(name="Film").video
    assert video.ingest_location == "https://localhost/film.mp4"


def test_admin_takes_a_location_instead_of_a_file(
    client, fetches, loopback_allowed, django_capture_on_commit_callbacks
):
    editor = User.objects.create_user(email="ed@example.com", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    movie = TitleFactory()
    management = {
        "text_tracks-TOTAL_FORMS": "0",
        "text_tracks-INITIAL_FORMS": "0",
    }

    refused = client.post(
        "/admin/catalog/video/add/",
        {"location": "https://10.0.0.1/film.mp4", "movie": movie.pk, **management},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/catalog/video/add/",
            {"location": "https://localhost/film.mp4", "movie": movie.pk, **management},
        )

    assert refused.status_code == 200
    assert "private or local address" in refused.content.decode()
    assert response.status_code == 302
    video = Video.objects.get()
    assert video.ingest_location == "https://localhost/film.mp4"
    assert fetches == [(video.pk, str(video.job_token))]
    page = client.get(f"/admin/catalog/video/{video.pk}/change/").content.decode()
    assert "Fetched so far" in page
