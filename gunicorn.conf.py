"""Gunicorn settings shared by the Procfiles (``gunicorn --config gunicorn.conf.py``).

Metrics are per process, and a scrape reaches one worker of several: with
prometheus_client's multiprocess mode every worker writes its counters to files
in PROMETHEUS_MULTIPROC_DIR, and whichever worker answers ``/metrics`` reads
them all (vod/metrics/views.py).
"""

import contextlib
import gc
import os
import tempfile
import time
from pathlib import Path

# Set before any worker imports prometheus_client, which picks its storage at
# import. Without one configured, each run gets its own fresh folder.
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="vod-prometheus-"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _multiproc_dir


def on_starting(server):
    # Files left by an earlier run would be counted again as if alive. Only
    # prometheus_client's own files go: the folder may be shared with others.
    folder = Path(_multiproc_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server, worker):
    # A dead worker's gauges go; its counters and histograms stay summed in.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# --- Garbage collection ---------------------------------------------------------
# A worker holds ~150,000 objects once Django and the project are loaded, and
# a full collection walks them all: about 60 ms, once in some 20,000 requests,
# during which none of the worker's threads answers. Objects alive once the
# application is loaded live as long as the worker, so they are moved out of
# the collector's reach; later garbage is collected as usual.


def post_worker_init(worker):
    gc.freeze()


# --- Graceful shutdown ----------------------------------------------------------
# On SIGTERM the master first marks the process as draining (a file its workers
# see: /readyz then answers 503 "draining") and keeps serving for
# GUNICORN_DRAIN_SECONDS, so a load balancer or an orchestrator probing
# readiness stops sending traffic before the listeners close. Then gunicorn's
# own graceful stop: no new connections, in-flight requests finish within
# --graceful-timeout. Development servers stop at once.
_debug = os.environ.get("DJANGO_DEBUG", "1").strip().lower() in {
    "1",
    "true",
    "yes",
    "on",
}
DRAIN_SECONDS = float(os.environ.get("GUNICORN_DRAIN_SECONDS") or (0 if _debug else 5))
_draining_flag = Path(tempfile.mkdtemp(prefix="vod-gunicorn-")) / "draining"
# Workers are forked after this, so they inherit where to look (vod/health.py).
os.environ["VOD_DRAINING_FLAG"] = str(_draining_flag)


def when_ready(server):
    # Gunicorn has no hook for the master's SIGTERM: its handler is wrapped.
    stop = server.handle_term

    def handle_term():
        _draining_flag.touch()
        if DRAIN_SECONDS > 0:
            server.log.info("Draining for %ss before closing listeners", DRAIN_SECONDS)
            # Only the master waits; its workers go on answering meanwhile.
            time.sleep(DRAIN_SECONDS)
        stop()

    server.handle_term = handle_term


def on_exit(server):
    _draining_flag.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        _draining_flag.parent.rmdir()
