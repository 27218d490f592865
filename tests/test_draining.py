"""Graceful shutdown of a real gunicorn with the project's gunicorn.conf.py.

On SIGTERM the server says it is draining (/readyz 503) while it still answers,
a request in flight when the signal came completes, then the listener closes
and the master exits cleanly within its graceful timeout.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import ROOT, production_env

DRAIN_SECONDS = 3
SLOW_SECONDS = 5

# The in-flight request: no view of the site is slow on purpose, so a test-only
# config (the project's one plus a pre_request hook) holds one request back.
SLOW_CONFIG = f"""
import runpy, time
globals().update(runpy.run_path({str(ROOT / "gunicorn.conf.py")!r}))


def pre_request(worker, req):
    if req.query == "slow":
        time.sleep({SLOW_SECONDS})
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, timeout: float = 10) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Host": "vod.example.com"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def gunicorn(tmp_path):
    """A production-mode gunicorn on the embedded defaults, two sync workers."""
    config = tmp_path / "gunicorn_test.conf.py"
    config.write_text(SLOW_CONFIG)
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # Draining needs no services: the embedded defaults, in a folder of its own.
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        production_env(
            DJANGO_SECURE_SSL_REDIRECT="0",
            GUNICORN_DRAIN_SECONDS=str(DRAIN_SECONDS),
            VOD_VAR_DIR=str(tmp_path / "var"),
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        )
    )
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "gunicorn", "vod.wsgi", "--config", str(config)),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
            *("--graceful-timeout", "15"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "gunicorn did not start:\n" + Path(log.name).read_text()[-3000:]
                )
            time.sleep(0.2)
        yield process, base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


def test_sigterm_turns_readiness_to_draining_and_finishes_in_flight_requests(
    gunicorn,
):
    process, base = gunicorn
    status, body = _get(f"{base}/readyz")
    assert (status, body["status"]) == (200, "ok"), body

    slow: dict = {}

    def slow_request():
        started = time.monotonic()
        try:
            slow["status"] = _get(f"{base}/healthz?slow", timeout=30)[0]
        except OSError as error:  # a dropped request is what this test catches
            slow["error"] = repr(error)
        slow["seconds"] = time.monotonic() - started

    in_flight = threading.Thread(target=slow_request)
    in_flight.start()
    time.sleep(0.5)  # the slow request has reached a worker
    os.kill(process.pid, signal.SIGTERM)
    signalled = time.monotonic()

    # The master handles the signal in its own loop: readiness turns within a
    # second or so, well inside the drain period, as a balancer's probe sees it.
    while True:
        status, body = _get(f"{base}/readyz")
        if status != 200 or time.monotonic() - signalled > DRAIN_SECONDS / 2:
            break
        time.sleep(0.05)
    assert (status, body["status"]) == (503, "draining")
    assert time.monotonic() - signalled < DRAIN_SECONDS

    # Past the drain period the listener closes: new requests are not served.
    # (While a worker is still busy it holds the shared socket, so a connection
    # may be queued rather than refused, then reset when that worker exits.)
    refused_at = None
    while time.monotonic() - signalled < DRAIN_SECONDS + 5:
        try:
            _get(f"{base}/healthz", timeout=1)
        except OSError:
            refused_at = time.monotonic() - signalled
            break
        time.sleep(0.1)
    assert refused_at is not None and refused_at >= DRAIN_SECONDS - 0.5

    in_flight.join(timeout=30)
    assert slow.get("status") == 200, slow
    assert slow["seconds"] >= SLOW_SECONDS
    # The in-flight request outlived the open listener, and still completed.
    assert slow["seconds"] - 0.5 > refused_at
    assert process.wait(timeout=20) == 0


def test_production_mode_keeps_no_state_in_the_web_process(tmp_path):
    env = {
        **os.environ,
        **production_env(
            DATABASE_URL="postgres://vod@db.example.com:5432/vod",
            REDIS_URL="redis://cache.example.com:6379/1",
            CELERY_BROKER_URL="redis://cache.example.com:6379/0",
            AWS_STORAGE_BUCKET_NAME="vod-media",
            AWS_SOURCES_BUCKET_NAME="vod-sources",
            VOD_VAR_DIR=str(tmp_path / "var"),
        ),
    }
    code = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SESSION_ENGINE, s.CACHES['default']['BACKEND'], "
        "s.STORAGES['default']['BACKEND'], s.STORAGES['videos']['BACKEND'], "
        "s.STORAGES['staticfiles']['BACKEND'], s.SERVE_MEDIA, "
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "django.contrib.sessions.backends.cached_db",
        "vod.cache.RedisCache",
        "vod.storage.SourceStorage",
        "vod.storage.MediaStorage",
        "vod.staticfiles.StaticStorage",
        False,
        True,
    ]
