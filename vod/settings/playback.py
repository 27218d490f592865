"""Playback: signed delivery, CDNs, sessions and progress."""

from django.core.exceptions import ImproperlyConfigured

from vod.cdn_urls import base_url_problem
from vod.settings.api import REST_FRAMEWORK
from vod.settings.env import env, env_int, env_list

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
