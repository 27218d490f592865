"""The catalog's job metrics: transcodes by state, their duration and speed.

Registered with the kernel's cluster-wide figures (``vod.metrics.cluster``)
when the app is ready, so every web replica exports them. The worker observes
a job at its end: the Celery signal ``task_postrun`` (connected in ``apps.py``)
calls ``on_task_postrun`` after every run of ``catalog.tasks.video_transcode``;
the timings come from the video row, which the pipeline stamps when it claims
and publishes the job.
"""

import logging

from django.core.cache import cache
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from vod.metrics.cluster import cluster_histogram_register, cluster_part_register
from vod.metrics.shared import SharedHistogram

from .models import Video

logger = logging.getLogger(__name__)

TRANSCODE_TASK = "catalog.tasks.video_transcode"

TRANSCODE_DURATION = SharedHistogram(
    "vod_transcode_duration_seconds",
    "Wall-clock time of successful transcodes, from claim to publish.",
    (10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400),
)
TRANSCODE_REALTIME_FACTOR = SharedHistogram(
    "vod_transcode_realtime_factor",
    "Seconds of video transcoded per second of wall-clock time (above 1: faster "
    "than real time).",
    (0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)
SHARED_HISTOGRAMS = (TRANSCODE_DURATION, TRANSCODE_REALTIME_FACTOR)

# A job counted once even if its message is delivered twice (acks_late).
SEEN_SECONDS = 7 * 24 * 3600


def transcode_job_observe(*, video_id: int, job_token: str) -> bool:
    """Record a published job's duration and realtime factor; True if recorded."""
    video = (
        Video.objects.filter(pk=video_id, status=Video.Status.READY)
        .values("started_at", "finished_at", "duration_seconds")
        .first()
    )
    if not video or not video["started_at"] or not video["finished_at"]:
        return False
    wall = (video["finished_at"] - video["started_at"]).total_seconds()
    if wall <= 0:
        return False
    if not cache.add(f"metrics:transcode-seen:{job_token}", 1, SEEN_SECONDS):
        return False
    TRANSCODE_DURATION.observe(wall)
    if video["duration_seconds"]:
        TRANSCODE_REALTIME_FACTOR.observe(video["duration_seconds"] / wall)
    return True


def on_task_postrun(task=None, args=(), kwargs=None, retval=None, **extra) -> None:
    """``task_postrun`` receiver: observe transcodes that published.

    Workers have no /metrics of their own: what they observe goes to the cache,
    which the web replicas export.
    """
    if getattr(task, "name", None) != TRANSCODE_TASK or retval != "ready":
        return
    args, kwargs = args or (), kwargs or {}
    try:
        video_id = kwargs.get("video_id", args[0] if args else None)
        job_token = kwargs.get("job_token", args[1] if len(args) > 1 else None)
        transcode_job_observe(video_id=video_id, job_token=str(job_token))
    except Exception:  # metrics never fail a job that succeeded
        logger.exception("could not record the metrics of video %s", args)


def jobs_by_state() -> dict[str, int]:
    """Videos per transcode status, in one GROUP BY."""
    counts = dict.fromkeys(Video.Status.values, 0)
    rows = Video.objects.order_by().values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


def _jobs_families(counts: dict[str, int]):
    jobs = GaugeMetricFamily(
        "vod_transcode_jobs",
        "Videos by transcode state (cluster-wide; take max over replicas).",
        labels=["state"],
    )
    for state, count in sorted(counts.items()):
        jobs.add_metric([state], count)
    yield jobs


def catalog_metrics_register() -> None:
    """Add the catalog's job figures to the cluster-wide snapshot."""
    cluster_part_register(
        "jobs", compute=jobs_by_state, export=_jobs_families, before="queues"
    )
    for histogram in SHARED_HISTOGRAMS:
        cluster_histogram_register(histogram)
