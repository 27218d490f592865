"""The one settings module.

Every difference between environments is an environment variable. With none set,
the project runs on embedded defaults that need no server: SQLite, local file
storage and a filesystem Celery broker under ``var/``, and a file-based cache.
``DJANGO_DEBUG=0`` switches to production mode, which refuses to start without
its secrets.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

from vod.cdn_urls import base_url_problem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VOD_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
PRODUCTION = not DEBUG

if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0."
        )
else:
    # A development-only key: production mode refuses to start without its own.
    SECRET_KEY = env("DJANGO_SECRET_KEY", "django-insecure-local-development-only")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_guid",
    "accounts",
    "catalog",
    "playback",
    "pages",
]

MIDDLEWARE = [
    # First, so it times the whole stack: request rate and latency by view.
    "vod.metrics.http.RequestMetricsMiddleware",
    "django_guid.middleware.guid_middleware",
    # Errors under /api/ in the JSON shape, even Django's own 404s and 405s.
    "vod.errors.ApiErrorShapeMiddleware",
    # Probes answer before the host check and HTTPS redirect (see its docstring).
    "vod.health.ProbeMiddleware",
    # Before anything that reads or writes the database (sessions, users).
    "vod.db_router.ReadYourWritesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETags and 304s for GETs (catalog responses bring their own ETag).
    "django.middleware.http.ConditionalGetMiddleware",
    # Before the CSRF check, which reads form bodies: refuses big ones unread.
    "vod.uploads.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.profile: who is watching, resolved on first use (once).
    "accounts.middleware.ProfileMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its documentation asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vod.urls"
WSGI_APPLICATION = "vod.wsgi.application"
ASGI_APPLICATION = "vod.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.profile_switcher",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# DATABASE_URL selects the engine (postgres://... uses psycopg 3). The embedded
# default is one SQLite file that `make run` and `python manage.py` share.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default keeps its files under var/; a fresh clone has none yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Connections persist as on PostgreSQL (DATABASE_CONN_MAX_AGE): opening one
    # (the PRAGMAs, Django's SQL functions) cost about a millisecond a request.
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a worker process started by a test sees its rows;
    # one per test run, so runs side by side don't trip over each other.
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
    }
# Read replicas: DATABASE_REPLICA_URLS (comma-separated PostgreSQL URLs) become
# the aliases replica1, replica2... vod.db_router sends requests' reads there
# and pins a client to the primary for DATABASE_REPLICA_PIN_SECONDS after it
# writes (longer than replication lag); an unreachable replica is skipped for
# DATABASE_REPLICA_RETRY_SECONDS. Tasks and commands use the primary only.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _replica = dj_database_url.parse(
        _url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # A replica that is down must cost a request seconds, not minutes.
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests get one database: replicas read the primary's test database.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
DATABASE_ROUTERS = ["vod.db_router.PrimaryReplicaRouter"]
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 10)
# A replica further behind than this is skipped like a dead one (0: no limit).
DATABASE_REPLICA_MAX_LAG_SECONDS = float(env("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# How many proxies (load balancer, CDN) sit in front of gunicorn: the client's
# address is the X-Forwarded-For entry that many hops from the right
# (vod.client_address). 0: REMOTE_ADDR, the header is ignored.
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profiles"
LOGOUT_REDIRECT_URL = "catalog:home"
# Failed logins: after AXES_FAILURE_LIMIT failures for one account from one
# address, that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The login page posts `username`, the API `email`; both count, lower-cased.
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
# A 429 page, or the API's JSON error, instead of axes' bare text.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The client behind the proxies, not the load balancer everyone shares (and
# an IPv6 client's /64, not each of its addresses).
AXES_CLIENT_IP_CALLABLE = "vod.client_address.client_network"

# --- Cache --------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "vod.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "vod"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # Shared by the web and worker processes of `make run`, unlike locmem.
    # diskcache keeps entries in SQLite files: a hit or a throttle count is a
    # row read or write, where Django's file cache writes a file and lists
    # the whole folder (its cull) on every set.
    CACHES = {
        "default": {
            "BACKEND": "vod.cache.DiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Internationalization -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files and media ---------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# The player's hls.js, from npm (`npm ci`, run by `make install`).
if (BASE_DIR / "node_modules/hls.js/dist").is_dir():
    STATICFILES_DIRS.append(("vendor/hls.js", BASE_DIR / "node_modules/hls.js/dist"))
MEDIA_URL = env("DJANGO_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Django serves public artwork from local storage itself; with S3 the storage's
# own URLs are used instead.
# S3 (or an S3-compatible store, AWS_S3_ENDPOINT_URL) when a bucket is named.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", not AWS_STORAGE_BUCKET_NAME)
STORAGES = {
    # Sources, text tracks and artwork.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Transcoded streams: playlists are rewritten in place while a revision grows.
    "videos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
    "staticfiles": {
        "BACKEND": (
            # WhiteNoise's, hashing the player's ES module imports too.
            "vod.staticfiles.StaticStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if AWS_STORAGE_BUCKET_NAME:
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the IAM role,
    # as boto3 finds them. Timeouts and retries are in vod/storage.py.
    _s3_options = {
        "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
        "region_name": env("AWS_S3_REGION_NAME"),
    }
    STORAGES["default"] = {
        "BACKEND": "vod.storage.SourceStorage",
        "OPTIONS": {
            **_s3_options,
            "bucket_name": env("AWS_SOURCES_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME),
        },
    }
    STORAGES["videos"] = {
        "BACKEND": "vod.storage.MediaStorage",
        "OPTIONS": {**_s3_options, "bucket_name": AWS_STORAGE_BUCKET_NAME},
    }
# A request that fails on the media store gets a 503 with the reason, not a 500.
MIDDLEWARE.append("vod.storage.StorageUnavailableMiddleware")
WHITENOISE_USE_FINDERS = DEBUG
# Artwork uploads are small; video sources stream to storage (later issue).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
ARTWORK_MAX_UPLOAD_BYTES = env_int("ARTWORK_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Any request body but a video source's (vod.uploads): room for a title's poster
# and backdrop in one admin form, from signed-in staff; anyone else sends forms
# and JSON only (the load balancer's default cap too).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 24 * 1024 * 1024)
REQUEST_BODY_NON_STAFF_MAX_BYTES = env_int(
    "REQUEST_BODY_NON_STAFF_MAX_BYTES", 2 * 1024 * 1024
)

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
CELERY_TASK_ROUTES = {"catalog.tasks.video_transcode": {"queue": "transcode"}}
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

# --- Transcoding ----------------------------------------------------------------
# ffmpeg comes from pip (imageio-ffmpeg's static build) unless FFMPEG_BINARY
# names another one.
FFMPEG_BINARY = env("FFMPEG_BINARY")
# Rungs as HEIGHT:KBPS; no rung is taller than the source.
TRANSCODE_LADDER = [
    (int(height), int(kbps))
    for height, kbps in (
        rung.split(":")
        for rung in env_list(
            "TRANSCODE_LADDER", "1080:5000,720:2800,480:1400,360:800,240:400"
        )
    )
]
TRANSCODE_X264_PRESET = env("TRANSCODE_X264_PRESET", "veryfast")
TRANSCODE_SEGMENT_SECONDS = env_int("TRANSCODE_SEGMENT_SECONDS", 4)
TRANSCODE_MAX_FPS = env_int("TRANSCODE_MAX_FPS", 60)
TRANSCODE_AUDIO_KBPS = env_int("TRANSCODE_AUDIO_KBPS", 128)  # each stereo rendition
TRANSCODE_AUDIO_SURROUND_KBPS = env_int("TRANSCODE_AUDIO_SURROUND_KBPS", 384)  # 5.1
# EBU R128: every audio rendition is levelled to this integrated loudness, with
# its true peak at most this high, so no title is louder than the next.
TRANSCODE_LOUDNESS_LUFS = float(env("TRANSCODE_LOUDNESS_LUFS", "-24"))
TRANSCODE_TRUE_PEAK_DBTP = float(env("TRANSCODE_TRUE_PEAK_DBTP", "-2"))
TRANSCODE_MAX_DURATION_SECONDS = env_int("TRANSCODE_MAX_DURATION_SECONDS", 4 * 3600)
# ffmpeg may run this many times the source's duration (plus a minute) before
# the job is stopped as stuck.
TRANSCODE_TIMEOUT_FACTOR = env_int("TRANSCODE_TIMEOUT_FACTOR", 10)
TRANSCODE_MAX_ATTEMPTS = env_int("TRANSCODE_MAX_ATTEMPTS", 3)
# A job whose worker has not reported for this long is taken to be dead.
TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = env_int("TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS", 90)
TRANSCODE_REAPER_INTERVAL_SECONDS = env_int("TRANSCODE_REAPER_INTERVAL_SECONDS", 30)
# Superseded revisions stay this long, so viewers mid-stream can finish.
TRANSCODE_REVISION_GRACE_SECONDS = env_int(
    "TRANSCODE_REVISION_GRACE_SECONDS", 24 * 3600
)
TRANSCODE_SCRATCH_DIR = env("TRANSCODE_SCRATCH_DIR")  # default: the system temp dir
# Caps on every ffmpeg (or other) subprocess, far above what a real encode
# needs: the largest file it may write, and the memory it may use (0: no cap).
TRANSCODE_MAX_FILE_BYTES = env_int("TRANSCODE_MAX_FILE_BYTES", 16 * 1024**3)
TRANSCODE_MAX_MEMORY_BYTES = env_int("TRANSCODE_MAX_MEMORY_BYTES", 16 * 1024**3)
# `manage.py ingest --wait` says plainly when no worker has taken the job by then.
INGEST_NO_WORKER_WARNING_SECONDS = env_int("INGEST_NO_WORKER_WARNING_SECONDS", 15)
VIDEO_UPLOAD_MAX_BYTES = env_int("VIDEO_UPLOAD_MAX_BYTES", 20 * 1024**3)
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
    # Demotes a CDN pathway that fails its health checks, promotes it back.
    "check-cdn-pathways": {
        "task": "playback.tasks.cdn_pathways_check",
        "schedule": float(env_int("PLAYBACK_CDN_HEALTH_INTERVAL_SECONDS", 15)),
        "options": {
            "queue": "default",
            "expires": env_int("PLAYBACK_CDN_HEALTH_INTERVAL_SECONDS", 15),
        },
    },
}

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Mobile apps send a JWT access token; the browser uses its session.
        "accounts.api.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PAGINATION_CLASS": "vod.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "vod.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "vod.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["vod.api.throttling.AnonWindowThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_THROTTLE_RATE", "600/min"),
        # Sign-in, sign-up and password endpoints, per client address.
        "auth": env("API_AUTH_THROTTLE_RATE", "30/min"),
        # Signed-in playback, per account (all its devices and profiles), far
        # above what its players send: a start per title change, a heartbeat
        # every PLAYBACK_HEARTBEAT_SECONDS and a telemetry batch every 30 s
        # from each of a plan's few streams.
        "playback_start": env("API_PLAYBACK_START_THROTTLE_RATE", "30/min"),
        # Per second: a throttled heartbeat keeps nothing alive, so a window
        # must end well within the session timeout (checked below).
        "heartbeat": env("API_HEARTBEAT_THROTTLE_RATE", "4/s"),
        "telemetry": env("API_TELEMETRY_THROTTLE_RATE", "60/min"),
        # Session ends, continue watching, history, My List.
        "account": env("API_ACCOUNT_THROTTLE_RATE", "240/min"),
    },
    # DRF's own throttles (if any) read the chain as vod.client_address does;
    # its default (None) would trust a client's X-Forwarded-For.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VOD API",
    "DESCRIPTION": (
        "Catalog, playback and progress for the video-on-demand platform.\n\n"
        "**Start with the [API guide](/api/guide/)**: signing in, the player loop "
        "(start → master → heartbeat with grant renewal → end), the signed media "
        "URLs (grant in the path, Range, 403, 416) and the error codes.\n\n"
        "**Authentication.** Apps sign in at `POST /api/v1/auth/token/` (email "
        "and password) and send `Authorization: Bearer <access>` (jwtAuth); the "
        "short-lived access token is renewed at `auth/token/refresh/`, which "
        "rotates the refresh token (each works once), and `auth/logout/` revokes "
        "the app's tokens at once (401 `token_revoked`: sign in again). The browser "
        "uses its session cookie (cookieAuth) and sends the CSRF token on writes.\n\n"
        "**Profiles.** Calls made for a profile (playback, progress, history, "
        "My List) name it in the `X-Profile-ID` header; the browser's session "
        "remembers the profile picked on the profiles page, and an account with "
        "one profile needs neither.\n\n"
        '**Errors** are `{"error": {"status", "code", "message", '
        '"fields"?}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TitleKindEnum": "catalog.models.Title.Kind",
        "TextTrackKindEnum": "catalog.models.TextTrack.Kind",
        # Titles' ratings and profiles' limits share one scale.
        "MaturityRatingEnum": "vod.maturity.Maturity",
    },
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": datetime.timedelta(
        minutes=env_int("JWT_ACCESS_MINUTES", 15)
    ),
    "REFRESH_TOKEN_LIFETIME": datetime.timedelta(days=env_int("JWT_REFRESH_DAYS", 30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "id",
    # Tokens carry a digest of the password hash: changing it revokes them.
    "CHECK_REVOKE_TOKEN": True,
}
# Seconds an anonymous catalog response stays cached; edits invalidate at once.
CATALOG_CACHE_SECONDS = env_int("CATALOG_CACHE_SECONDS", 30)

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

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "VOD <no-reply@localhost>")
# With EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend:
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Account emails (sign-up, password reset, address changes) per hour, counted
# per address they go to and per client address asking: nobody can mail-bomb.
ACCOUNT_EMAILS_PER_EMAIL_HOUR = env_int("ACCOUNT_EMAILS_PER_EMAIL_HOUR", 5)
ACCOUNT_EMAILS_PER_CLIENT_HOUR = env_int("ACCOUNT_EMAILS_PER_CLIENT_HOUR", 20)
# How long an emailed verification or address-change link works.
ACCOUNT_EMAIL_LINK_HOURS = env_int("ACCOUNT_EMAIL_LINK_HOURS", 72)

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    # TLS ends at the load balancer, which says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Health probes come over plain HTTP from inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Playback -----------------------------------------------------------------
# Delivery URLs carry an HMAC grant in their path (see playback/delivery/
# signing.py), so a CDN edge can check them without Django. Set the key
# explicitly when a CDN checks it too; empty derives one from SECRET_KEY.
PLAYBACK_SIGNING_KEY = env("PLAYBACK_SIGNING_KEY", "")
# Where signed media URLs point: Django itself in the embedded default, a CDN
# (e.g. https://cdn.example.com/s/) that checks the same grants in production.
PLAYBACK_MEDIA_URL = env("PLAYBACK_MEDIA_URL", "/media/s/")
# The signer class: how delivery URLs are signed and checked.
PLAYBACK_SIGNER = env("PLAYBACK_SIGNER", "playback.delivery.signing.Signer")
# With PLAYBACK_SIGNER=playback.delivery.cloudfront.CloudFrontSigner: the ID of
# the key in the distribution's trusted key group, and its RSA private key as
# PEM text or a file.
CLOUDFRONT_KEY_PAIR_ID = env("CLOUDFRONT_KEY_PAIR_ID", "")
CLOUDFRONT_PRIVATE_KEY = env("CLOUDFRONT_PRIVATE_KEY", "")
CLOUDFRONT_PRIVATE_KEY_FILE = env("CLOUDFRONT_PRIVATE_KEY_FILE", "")
# Several CDNs, as `name=https://base-url` pairs, seed the CDN pathways (then
# ordered in admin); master playlists and MPDs then carry Content Steering.
# Empty: one pathway, PLAYBACK_MEDIA_URL, and no steering.
PLAYBACK_CDN_PATHWAYS = []
for _item in env_list("PLAYBACK_CDN_PATHWAYS"):
    _name, _equals, _url = (part.strip() for part in _item.partition("="))
    if not (
        _equals
        and _name.isascii()
        and _name.replace("-", "").replace("_", "").isalnum()
        and _url.startswith(("http://", "https://"))
    ):
        raise ImproperlyConfigured(
            f"PLAYBACK_CDN_PATHWAYS: {_item!r} is not name=https://base-url "
            "(names of letters, digits, - and _)."
        )
    if _problem := base_url_problem(_url):
        raise ImproperlyConfigured(f"PLAYBACK_CDN_PATHWAYS: {_item!r}: {_problem}")
    PLAYBACK_CDN_PATHWAYS.append((_name, _url))
# Players fetch the steering manifest again after this many seconds.
PLAYBACK_CDN_STEERING_TTL_SECONDS = env_int("PLAYBACK_CDN_STEERING_TTL_SECONDS", 30)
# The health check GETs this object under each pathway's base URL (it stores
# it in the media storage; the CDN must serve it without a signature); this
# many failures in a row demote a pathway, as many successes promote it back.
PLAYBACK_CDN_HEALTH_PATH = env("PLAYBACK_CDN_HEALTH_PATH", "cdn-health.txt")
PLAYBACK_CDN_HEALTH_TIMEOUT_SECONDS = float(
    env("PLAYBACK_CDN_HEALTH_TIMEOUT_SECONDS", "2")
)
PLAYBACK_CDN_HEALTH_THRESHOLD = env_int("PLAYBACK_CDN_HEALTH_THRESHOLD", 2)
# How long one grant of a session's delivery URLs lasts (the CDN's only bound);
# heartbeats renew it while the session is live, so an ended session's URLs die
# within this. Django also refuses them as soon as the session ends or expires.
PLAYBACK_GRANT_LIFETIME_SECONDS = env_int("PLAYBACK_GRANT_LIFETIME_SECONDS", 300)
# Players send a heartbeat this often; a session silent for the timeout has
# expired: it no longer counts against the plan's streams, its heartbeats get
# 410 and its URLs 403.
PLAYBACK_HEARTBEAT_SECONDS = env_int("PLAYBACK_HEARTBEAT_SECONDS", 10)
PLAYBACK_SESSION_TIMEOUT_SECONDS = env_int("PLAYBACK_SESSION_TIMEOUT_SECONDS", 45)
# A throttled heartbeat neither extends its session nor renews its grant: if
# one device of an account trips the heartbeat rate, the account's other
# streams must still get a beat through before they expire, i.e. the rate's
# window (DRF's syntax: a count per s, m, h or d) plus one heartbeat interval
# must be shorter than the session timeout.
_heartbeat_rate = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["heartbeat"]
_count, _slash, _period = _heartbeat_rate.partition("/")
_window = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(_period[:1])
if not (_count.isdigit() and _window):
    raise ImproperlyConfigured(
        f"API_HEARTBEAT_THROTTLE_RATE: {_heartbeat_rate!r} is not a rate such as 4/s."
    )
if _window + PLAYBACK_HEARTBEAT_SECONDS >= PLAYBACK_SESSION_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"API_HEARTBEAT_THROTTLE_RATE: {_heartbeat_rate!r} refuses heartbeats for "
        f"up to {_window} s, which with PLAYBACK_HEARTBEAT_SECONDS "
        f"({PLAYBACK_HEARTBEAT_SECONDS}) reaches PLAYBACK_SESSION_TIMEOUT_SECONDS "
        f"({PLAYBACK_SESSION_TIMEOUT_SECONDS}): a throttled account's sessions "
        "would expire. Use a per-second rate (e.g. 4/s)."
    )
# A position this far past the video's end is still taken (players overshoot).
PLAYBACK_POSITION_MARGIN_SECONDS = env_int("PLAYBACK_POSITION_MARGIN_SECONDS", 5)
# A movie or an episode counts as watched from this share of its duration on.
PLAYBACK_COMPLETED_FRACTION = float(env("PLAYBACK_COMPLETED_FRACTION", "0.9"))
# Ended and expired sessions are deleted after this many days.
PLAYBACK_SESSION_RETENTION_DAYS = env_int("PLAYBACK_SESSION_RETENTION_DAYS", 30)
CELERY_BEAT_SCHEDULE["prune-playback-sessions"] = {
    "task": "playback.tasks.playback_sessions_prune",
    "schedule": 3600.0,
    "options": {"queue": "default"},
}
# --- end Playback ---
