"""The REST API: authentication, throttles, schema; the catalog's cache."""

from vod.settings.auth import NUM_PROXIES
from vod.settings.core import DEBUG
from vod.settings.env import env, env_int

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
        # Editors' direct uploads, per account: a sign, list or complete call
        # per batch of parts, never per byte.
        "uploads": env("API_UPLOAD_THROTTLE_RATE", "600/min"),
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
        "**Editors' analytics** (`analytics/`, staff with "
        "`analytics.view_titleday`) answer the admin dashboard's figures over "
        "a period of UTC days (`from`, `to`; by default the last 28).\n\n"
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
        "AudioTrackRoleEnum": "catalog.models.AudioTrack.Role",
        "AddedAudioTrackRoleEnum": "catalog.models.AddedAudioTrack.Role",
        "CreditRoleEnum": "catalog.models.Credit.Role",
        # Titles' ratings and profiles' limits share one scale.
        "MaturityRatingEnum": "vod.maturity.Maturity",
    },
}
# Seconds an anonymous catalog response stays cached; edits invalidate at once.
CATALOG_CACHE_SECONDS = env_int("CATALOG_CACHE_SECONDS", 30)
