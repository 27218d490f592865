"""Paths, debug and secrets, apps, middleware and templates."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from vod.settings.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VOD_VAR_DIR", BASE_DIR / "var"))


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
    "analytics",
    "playback",
    "pages",
    "demo",
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
    # Above the catalog's cache, whose hits need the header too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETags and 304s for GETs (catalog responses bring their own ETag).
    "django.middleware.http.ConditionalGetMiddleware",
    # Anonymous catalog reads already cached: answered here, skipping the rest.
    "catalog.api.caching.CatalogCacheMiddleware",
    # Before the CSRF check, which reads form bodies: refuses big ones unread.
    "vod.uploads.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.profile: who is watching, resolved on first use (once).
    "accounts.middleware.ProfileMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as its documentation asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
    # A request that fails on the media store gets a 503 with the reason, not a 500.
    "vod.storage.StorageUnavailableMiddleware",
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

# --- Internationalization -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
