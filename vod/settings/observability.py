"""Logs (with request ids) and metrics."""

from django_guid.integrations import CeleryIntegration

from vod.settings.env import env, env_int

# --- Logging ------------------------------------------------------------------
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "UUID_LENGTH": 32,
    # The request id travels in the headers of the tasks a request queues, so
    # the worker's log lines for that work carry it too.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}
LOG_FORMAT = env("LOG_FORMAT", "text")
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_guid": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
# Metrics (GET /metrics, see vod/metrics/): with METRICS_TOKEN set, scrapes
# must send it as a bearer token; without it, only private addresses may scrape.
METRICS_TOKEN = env("METRICS_TOKEN", "")
# Cluster-wide figures (jobs by state, queue depth) are recomputed at most this
# often, by one process, whatever the number of replicas and scrapes.
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 15)
