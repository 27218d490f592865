"""Celery: the broker, task routing and limits, and beat's schedule."""

from vod.settings.core import VAR_DIR
from vod.settings.env import env, env_bool, env_int
from vod.settings.media import TRANSCODE_REAPER_INTERVAL_SECONDS

# --- Celery -------------------------------------------------------------------
# The embedded broker is kombu's filesystem transport: the worker is a real,
# separate process, and no server is needed.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "catalog.tasks.video_transcode": {"queue": "transcode"},
    # Fetching a URL or asking S3 for a copy waits on the network, not the CPU:
    # the default workers take it unless an operator runs workers of its own.
    "catalog.tasks.video_source_fetch": {"queue": env("INGEST_QUEUE", "default")},
    "catalog.tasks.video_repackage": {"queue": "transcode"},
    "catalog.tasks.video_transcode_chunk": {"queue": "transcode"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

CELERY_BEAT_SCHEDULE = {
    "reap-dead-transcodes": {
        "task": "catalog.tasks.video_transcode_reap",
        "schedule": float(TRANSCODE_REAPER_INTERVAL_SECONDS),
        "options": {"queue": "default", "expires": TRANSCODE_REAPER_INTERVAL_SECONDS},
    },
    "delete-superseded-revisions": {
        "task": "catalog.tasks.video_revisions_cleanup",
        "schedule": 3600.0,
        "options": {"queue": "default"},
    },
    # Uploads not completed within UPLOAD_EXPIRY_HOURS, and their parts.
    "expire-uploads": {
        "task": "catalog.tasks.uploads_expire",
        "schedule": 900.0,
        "options": {"queue": "default", "expires": 900},
    },
    # Demotes a CDN pathway that fails its health checks, promotes it back.
    "check-cdn-pathways": {
        "task": "playback.tasks.cdn_pathways_check",
        "schedule": float(env_int("PLAYBACK_CDN_HEALTH_INTERVAL_SECONDS", 15)),
        "options": {
            "queue": "default",
            "expires": env_int("PLAYBACK_CDN_HEALTH_INTERVAL_SECONDS", 15),
        },
    },
    # Today's and yesterday's (UTC) analytics counters into their tables.
    "roll-up-analytics": {
        "task": "analytics.tasks.analytics_rollup",
        "schedule": float(env_int("ANALYTICS_ROLLUP_SECONDS", 300)),
        "options": {
            "queue": "default",
            "expires": env_int("ANALYTICS_ROLLUP_SECONDS", 300),
        },
    },
    # Ended and expired sessions older than PLAYBACK_SESSION_RETENTION_DAYS.
    "prune-playback-sessions": {
        "task": "playback.tasks.playback_sessions_prune",
        "schedule": 3600.0,
        "options": {"queue": "default"},
    },
}
