"""Running the project's own commands in a child process, as an operator would."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict | None = None, timeout: int = 120):
    """``python manage.py ARGS`` in a child process with ``env`` added."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def shared_database_url() -> str:
    """A DATABASE_URL for the test database, for child processes to share it."""
    settings = connection.settings_dict
    name = settings["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{name}"


def production_env(**extra: str) -> dict:
    """The environment production mode needs, with a throwaway secret."""
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-" + "k7Qz9xW2pL5vN8rT3yB6mC1dF4gH0jS" * 2,
        "DJANGO_ALLOWED_HOSTS": "vod.example.com",
        **extra,
    }


def start_worker(*, queues: str, env: dict | None = None) -> subprocess.Popen:
    """A real Celery worker process on ``queues``, sharing the test database.

    It runs in its own process group, so stopping it (even with SIGKILL) takes
    its children, such as ffmpeg, with it.
    """
    full_env = {**os.environ, "DATABASE_URL": shared_database_url(), **(env or {})}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "vod",
            "worker",
            "--queues",
            queues,
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a process group started by ``start_worker``; escalate to SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(predicate, *, timeout: float, what: str):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def make_test_clip(path: Path, *, size: str, rate: int, seconds: float) -> Path:
    """A test-pattern clip with a tone, made by the project's own ffmpeg."""
    import imageio_ffmpeg

    subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate={rate}:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    return path
