"""GET /metrics: what it exposes, who may scrape it, and what a scrape costs.

Values are read back through prometheus_client's own parser, before and after
the action that should move them.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.cache import cache
from django_guid import clear_guid, set_guid
from prometheus_client.parser import text_string_to_metric_families

from catalog.models import Video
from catalog.tasks import video_revisions_cleanup, video_transcode
from tests.catalog.factories import TitleFactory
from tests.catalog.transcoding.conftest import (
    AAC,
    FAST_TRANSCODES,
    X264,
    YUV420,
    ffmpeg,
    picture,
    tone,
)
from tests.helpers import ROOT, shared_database_url, stop_process, wait_for
from tests.playback.factories import ProfileFactory, UserFactory, plan
from vod.celery import app
from vod.metrics import cluster

METRICS = "/metrics"


def samples(text: str) -> dict:
    """{(sample name, sorted label items): value} of an exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, **headers) -> dict:
    response = client.get(METRICS, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return samples(response.content.decode())


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def next_period() -> None:
    """As if METRICS_CACHE_SECONDS had passed: the next scrape recomputes."""
    cache.delete_many([cluster.SNAPSHOT_KEY, cluster.LOCK_KEY])


# --- What it exposes ----------------------------------------------------------


@pytest.mark.django_db
def test_requests_are_counted_by_view_method_and_status(client):
    name = "vod_http_request_duration_seconds_count"
    labels = {"view": "healthz", "method": "GET", "status": "2xx"}
    before = value(scrape(client), name, **labels)

    for _ in range(3):
        client.get("/healthz")
    client.post("/healthz")  # 405

    after = scrape(client)
    assert value(after, name, **labels) == before + 3
    assert value(after, name, view="healthz", method="POST", status="4xx") >= 1


@pytest.mark.django_db
def test_a_refused_playback_start_grows_the_refused_counter(client):
    from rest_framework.test import APIClient

    profile = ProfileFactory(user=UserFactory(plan=plan("premium")))
    title = TitleFactory(
        video=Video.objects.create(status=Video.Status.PROCESSING, progress=10)
    )
    api = APIClient()
    api.force_authenticate(profile.user)
    name = "vod_playback_sessions_refused_total"
    before = scrape(client)

    response = api.post(
        "/api/v1/playback/sessions/", {"title_id": title.pk}, format="json"
    )

    assert response.status_code == 409
    after = scrape(client)
    assert value(after, name, reason="not_ready") == (
        value(before, name, reason="not_ready") + 1
    )
    assert value(after, "vod_playback_sessions_started_total") == value(
        before, "vod_playback_sessions_started_total"
    )


@pytest.mark.django_db
def test_jobs_by_state_come_from_the_database(client):
    Video.objects.create(status=Video.Status.READY)
    Video.objects.create(status=Video.Status.READY)
    Video.objects.create(status=Video.Status.FAILED)

    scraped = scrape(client)

    assert value(scraped, "vod_transcode_jobs", state="ready") == 2
    assert value(scraped, "vod_transcode_jobs", state="failed") == 1
    assert value(scraped, "vod_transcode_jobs", state="processing") == 0


@pytest.fixture
def extra_queue(settings):
    """A queue of this test's own on the configured broker, deleted after."""
    name = f"metrics-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_ROUTES = {
        **settings.CELERY_TASK_ROUTES,
        "tests.metrics.nothing": {"queue": name},
    }
    yield name
    with app.connection_for_write() as connection, connection.channel() as channel:
        channel.queue_purge(name)
        channel.queue_delete(name)


@pytest.mark.django_db
def test_queue_depth_is_asked_of_the_broker(client, extra_queue):
    assert value(scrape(client), "vod_celery_queue_length", queue=extra_queue) == 0

    for _ in range(3):
        app.send_task("tests.metrics.nothing", queue=extra_queue)
    next_period()
    scraped = scrape(client)

    assert value(scraped, "vod_celery_queue_length", queue=extra_queue) == 3
    assert value(scraped, "vod_celery_queue_length", queue="transcode") >= 0


@pytest.mark.django_db
def test_a_scrape_queries_the_database_at_most_once_per_period(
    client, django_assert_max_num_queries, django_assert_num_queries, monkeypatch
):
    Video.objects.create(status=Video.Status.QUEUED)
    with django_assert_max_num_queries(1):
        first = scrape(client)
    Video.objects.create(status=Video.Status.QUEUED)
    with django_assert_num_queries(0):
        for _ in range(5):
            again = scrape(client)
    assert value(first, "vod_transcode_jobs", state="queued") == 1
    assert value(again, "vod_transcode_jobs", state="queued") == 1

    later = time.time() + cluster.settings.METRICS_CACHE_SECONDS + 1
    monkeypatch.setattr(cluster.time, "time", lambda: later)
    cache.delete(cluster.LOCK_KEY)  # it expires with the period, which "passed"
    with django_assert_max_num_queries(1):
        refreshed = scrape(client)
    assert value(refreshed, "vod_transcode_jobs", state="queued") == 2


# --- Transcode timings, observed where the job runs -----------------------------


@pytest.mark.django_db
def test_a_finished_transcode_feeds_duration_and_realtime_factor(
    client, settings, tmp_path
):
    from django.core.files import File

    from catalog import services

    for name, setting in FAST_TRANSCODES.items():
        setattr(settings, name, setting)
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    source = tmp_path / "clip.mp4"
    ffmpeg(*picture("320x180", 2), *tone(2), *X264, *YUV420, *AAC, str(source))
    video = services.video_create()
    with open(source, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name=source.name), name=source.name
        )
    before = scrape(client)

    # The real task, run as a worker runs it: task_postrun fires at its end.
    result = video_transcode.apply(args=[video.pk, str(video.job_token)])
    assert result.get() == "ready"
    video_transcode.apply(args=[video.pk, str(video.job_token)])  # a redelivery

    next_period()
    after = scrape(client)
    for name in ("vod_transcode_duration_seconds", "vod_transcode_realtime_factor"):
        assert value(after, f"{name}_count") == value(before, f"{name}_count") + 1
        assert value(after, f"{name}_sum") > value(before, f"{name}_sum")
    video.refresh_from_db()
    wall = (video.finished_at - video.started_at).total_seconds()
    assert value(after, "vod_transcode_duration_seconds_sum") == pytest.approx(
        value(before, "vod_transcode_duration_seconds_sum") + wall, abs=0.01
    )


# --- Who may scrape -------------------------------------------------------------


@pytest.mark.django_db
def test_only_private_addresses_scrape_without_a_token(client, settings):
    assert client.get(METRICS, REMOTE_ADDR="10.1.2.3").status_code == 200
    response = client.get(METRICS, REMOTE_ADDR="93.184.216.34")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.django_db
def test_behind_proxies_the_forwarded_client_address_counts(client, settings):
    settings.NUM_PROXIES = 1

    through_the_balancer = client.get(
        METRICS, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="93.184.216.34"
    )
    from_inside = client.get(
        METRICS, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.5.5"
    )

    assert through_the_balancer.status_code == 403
    assert from_inside.status_code == 200


@pytest.mark.django_db
def test_with_a_token_a_scrape_must_send_it(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    assert client.get(METRICS).status_code == 403
    wrong = client.get(METRICS, HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 403
    right = client.get(
        METRICS,
        REMOTE_ADDR="93.184.216.34",
        HTTP_AUTHORIZATION="Bearer s3cret-scrape-token",
    )
    assert right.status_code == 200


# --- Several gunicorn workers ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(master: int) -> list[int]:
    """The live child processes of ``master``."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master and fields[0] != "Z":
            children.append(int(stat.parent.name))
    return children


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.read().decode()


@pytest.fixture
def gunicorn_server(transactional_db, tmp_path):
    """gunicorn with two workers and the project's config, on a free port."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "vod.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            # Workers are replaced every few requests, so a scrape must add up
            # the counts of many processes, live and dead, to be right.
            "--max-requests",
            "6",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return _get(f"{base}/healthz")
        except OSError:
            assert process.poll() is None, "gunicorn exited"
            return None

    wait_for(up, timeout=60, what="gunicorn to answer")
    yield base, process, tmp_path / "prometheus"
    stop_process(process)


REQUESTS = 24


def test_gunicorn_workers_count_together_and_keep_a_dead_workers_counts(
    gunicorn_server,
):
    base, process, folder = gunicorn_server
    name = "vod_http_request_duration_seconds_count"
    labels = {"view": "healthz", "method": "GET", "status": "2xx"}
    start = value(samples(_get(f"{base}/metrics")), name, **labels)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: _get(f"{base}/healthz"), range(REQUESTS)))

    # Whichever worker answers, the count is the replica's.
    for _ in range(4):
        assert (
            value(samples(_get(f"{base}/metrics")), name, **labels) == start + REQUESTS
        )
    writers = {path.stem.rsplit("_", 1)[-1] for path in folder.glob("*.db")}
    assert len(writers) >= REQUESTS // 6

    # A worker is killed: gunicorn replaces it, and what it served still counts.
    os.kill(_workers(process.pid)[0], signal.SIGKILL)
    served = 0
    deadline = time.monotonic() + 30
    while served < 20 and time.monotonic() < deadline:
        try:
            _get(f"{base}/healthz")
            served += 1
        except OSError:
            time.sleep(0.1)
    assert process.poll() is None
    after = value(samples(_get(f"{base}/metrics")), name, **labels)
    assert after == start + REQUESTS + served


# --- The request id follows the work into Celery tasks ---------------------------


def test_a_task_logs_with_the_request_id_that_queued_it(transactional_db, tmp_path):
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "LOG_FORMAT": "json",
    }
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "vod",
                "worker",
                "--queues",
                "default",
                "--pool",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    request_id = uuid.uuid4().hex
    try:
        set_guid(request_id)  # as the middleware does for a request
        video_revisions_cleanup.delay()

        def task_logged():
            assert worker.poll() is None, log.read_text()[-2000:]
            for line in log.read_text().splitlines():
                if line.startswith("{") and "succeeded" in line:
                    record = json.loads(line)
                    if "video_revisions_cleanup" in record["message"]:
                        return record
            return None

        record = wait_for(task_logged, timeout=90, what="the task's log line")
    finally:
        clear_guid()
        stop_process(worker)
    assert record["request_id"] == request_id
    assert record["level"] == "INFO"
