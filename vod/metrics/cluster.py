"""Cluster-wide gauges, computed at most once per ``METRICS_CACHE_SECONDS``.

Counting jobs in the database and asking the broker for queue lengths costs
queries and round trips; with several replicas and several workers each, doing
it on every scrape would make monitoring a load of its own. The first process
scraped after the period takes a short lock in the cache, computes, and stores
a snapshot; every other scrape (any process, any replica) reads the snapshot.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from prometheus_client.core import GaugeMetricFamily

from .transcode import SHARED_HISTOGRAMS

logger = logging.getLogger(__name__)

SNAPSHOT_KEY = "metrics:cluster"
LOCK_KEY = "metrics:cluster:refreshing"
BROKER_TIMEOUT_SECONDS = 2


def queue_names() -> list[str]:
    """Every queue tasks are routed to (the default one and the routes')."""
    routes = settings.CELERY_TASK_ROUTES or {}
    names = {settings.CELERY_TASK_DEFAULT_QUEUE}
    names.update(route["queue"] for route in routes.values() if "queue" in route)
    return sorted(names)


def jobs_by_state() -> dict[str, int]:
    """Videos per transcode status, in one GROUP BY."""
    from django.db.models import Count

    from catalog.models import Video

    counts = dict.fromkeys(Video.Status.values, 0)
    rows = Video.objects.order_by().values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


def queue_lengths() -> dict[str, int]:
    """Messages waiting per queue, asked of the broker (Redis LLEN, or the
    filesystem broker's folder), without declaring anything."""
    from kombu.exceptions import ChannelError

    from vod.celery import app

    lengths = {}
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        for name in queue_names():
            with connection.channel() as channel:
                try:
                    declared = channel.queue_declare(queue=name, passive=True)
                except ChannelError:  # never declared, or empty on Redis
                    lengths[name] = 0
                else:
                    lengths[name] = declared.message_count
    return lengths


PARTS = {
    "jobs": jobs_by_state,
    "queues": queue_lengths,
    **{histogram.name: histogram.read for histogram in SHARED_HISTOGRAMS},
}


def _compute(now: float) -> dict:
    snapshot = {"at": now}
    for name, compute in PARTS.items():
        try:
            snapshot[name] = compute()
        except Exception as exc:  # one unreachable part must not hide the others
            logger.warning("metrics: could not compute %s: %s", name, exc)
    return snapshot


def cluster_snapshot() -> dict | None:
    """The current snapshot, recomputed here only if it is stale and no other
    process is already at it (that one's result serves the next scrapes)."""
    period = settings.METRICS_CACHE_SECONDS
    now = time.time()
    snapshot = cache.get(SNAPSHOT_KEY)
    if snapshot is not None and now - snapshot["at"] < period:
        return snapshot
    if not cache.add(LOCK_KEY, 1, timeout=period):
        return snapshot
    snapshot = _compute(now)
    # Kept well past its period, so a scrape during a slow refresh elsewhere
    # still has numbers (their age is exported).
    cache.set(SNAPSHOT_KEY, snapshot, timeout=period * 20)
    return snapshot


class ClusterCollector:
    """Exports the snapshot; registered only in ``/metrics``' own registry."""

    def collect(self):
        try:
            snapshot = cluster_snapshot()
        except Exception as exc:  # the cache is down: export the rest
            logger.warning("metrics: no cluster snapshot: %s", exc)
            return
        if snapshot is None:
            return
        age = GaugeMetricFamily(
            "vod_cluster_metrics_age_seconds",
            "How old the cluster-wide figures below are.",
        )
        age.add_metric([], max(0.0, time.time() - snapshot["at"]))
        yield age
        if "jobs" in snapshot:
            jobs = GaugeMetricFamily(
                "vod_transcode_jobs",
                "Videos by transcode state (cluster-wide; take max over replicas).",
                labels=["state"],
            )
            for state, count in sorted(snapshot["jobs"].items()):
                jobs.add_metric([state], count)
            yield jobs
        if "queues" in snapshot:
            queues = GaugeMetricFamily(
                "vod_celery_queue_length",
                "Tasks waiting in each Celery queue (cluster-wide).",
                labels=["queue"],
            )
            for name, length in sorted(snapshot["queues"].items()):
                queues.add_metric([name], length)
            yield queues
        for histogram in SHARED_HISTOGRAMS:
            if histogram.name in snapshot:
                yield histogram.family(snapshot[histogram.name])
