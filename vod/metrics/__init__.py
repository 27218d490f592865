"""Prometheus metrics for ``GET /metrics``.

Two kinds, kept apart so a scrape stays cheap:

- **Per process** (requests, playback starts and refusals, the player's
  telemetry): prometheus_client counters and histograms updated where the
  event happens. Gunicorn's workers share them through files in
  ``PROMETHEUS_MULTIPROC_DIR`` (see ``gunicorn.conf.py``), so any worker's
  scrape reports the whole replica; Prometheus sums the replicas.
- **Cluster-wide** (transcode jobs by state, queue depth per queue, transcode
  duration and realtime factor observed by the Celery workers): computed at
  most once per ``METRICS_CACHE_SECONDS`` by whichever web process is scraped
  first, kept in the Django cache, and reported alike by every replica, so
  dashboards take ``max``, not ``sum``, of them (see ``cluster.py``).
"""
