"""Sign-in (lockout, tokens), account emails and HTTPS."""

import datetime

from vod.settings.core import PRODUCTION
from vod.settings.env import env, env_bool, env_int

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
