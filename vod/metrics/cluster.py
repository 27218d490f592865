"""Cluster-wide gauges, computed at most once per ``METRICS_CACHE_SECONDS``.

Counting jobs in the database and asking the broker for queue lengths costs
queries and round trips; with several replicas and several workers each, doing
it on every scrape would make monitoring a load of its own. The first process
scraped after the period takes a short lock in the cache, computes, and stores
a snapshot; every other scrape (any process, any replica) reads the snapshot.
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from prometheus_client.core import GaugeMetricFamily, Metric

from .shared import SharedHistogram

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


def _queue_families(lengths: dict[str, int]) -> Iterable[Metric]:
    queues = GaugeMetricFamily(
        "vod_celery_queue_length",
        "Tasks waiting in each Celery queue (cluster-wide).",
        labels=["queue"],
    )
    for name, length in sorted(lengths.items()):
        queues.add_metric([name], length)
    yield queues


@dataclass(frozen=True)
class ClusterPart:
    """One figure of the snapshot: how to compute it, and how to export it."""

    compute: Callable[[], object]
    export: Callable[[object], Iterable[Metric]]


# The snapshot's parts by key, exported in this order. Apps add their own
# (the catalog its transcode jobs) when they are ready; the kernel knows none.
PARTS: dict[str, ClusterPart] = {
    "queues": ClusterPart(compute=queue_lengths, export=_queue_families),
}


def cluster_part_register(
    name: str,
    *,
    compute: Callable[[], object],
    export: Callable[[object], Iterable[Metric]],
    before: str | None = None,
) -> None:
    """Add a figure to every snapshot, exported before part ``before`` if given."""
    part = ClusterPart(compute=compute, export=export)
    parts = [(key, value) for key, value in PARTS.items() if key != name]
    index = next((i for i, (key, _) in enumerate(parts) if key == before), len(parts))
    parts.insert(index, (name, part))
    PARTS.clear()
    PARTS.update(parts)


def cluster_histogram_register(histogram: SharedHistogram) -> None:
    """Export a histogram that workers observe through the cache."""
    cluster_part_register(
        histogram.name,
        compute=histogram.read,
        export=lambda counts: [histogram.family(counts)],
    )


def _compute(now: float) -> dict:
    snapshot = {"at": now}
    for name, part in PARTS.items():
        try:
            snapshot[name] = part.compute()
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
        for name, part in PARTS.items():
            if name in snapshot:
                yield from part.export(snapshot[name])
