"""Playback metrics: sessions started and refused, and the player's telemetry.

Per-process prometheus_client metrics (gunicorn's workers share them through
PROMETHEUS_MULTIPROC_DIR), exported at ``/metrics``. The player posts its
telemetry in batches to the beacon endpoint (``api/telemetry.py``); each event
is bounded and of a known kind before it gets here, so label sets stay small.
"""

import datetime
import functools

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from prometheus_client import Counter, Histogram

from accounts.plans import plan_for_user
from analytics import services as analytics

from . import refusals
from .delivery.pathways import pathways_for_delivery
from .models import PlaybackSession

SESSIONS_STARTED = Counter(
    "vod_playback_sessions_started",
    "Playback sessions started (every entitlement check passed).",
)
SESSIONS_REFUSED = Counter(
    "vod_playback_sessions_refused",
    "Playback session starts refused, by reason (the API's error code).",
    ["reason"],
)
STARTUP = Histogram(
    "vod_player_startup_seconds",
    "Time from asking to play to the first frame, as the player measured it.",
    buckets=(0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20, 30),
)
STALLS = Histogram(
    "vod_player_stall_seconds",
    "Playback stalls (waiting for data after playing began) and their length; "
    "_count is the number of stalls, _sum the time spent stalled.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)
RUNG_SWITCHES = Counter(
    "vod_player_rung_switches",
    "Switches between rungs of the ladder, up or down in height.",
    ["direction"],
)
ERRORS = Counter(
    "vod_player_errors",
    "Fatal player errors, by hls.js error type.",
    ["type"],
)

EVENT_KINDS = ("startup", "stall", "rung_switch", "error", "exit", "rendition")
DIRECTIONS = ("up", "down")
ERROR_TYPES = ("network", "media", "mux", "key_system", "other")
MAX_STARTUP_SECONDS = 600
MAX_STALL_SECONDS = 3600
MAX_HEIGHT = 4320
MAX_KBPS = 200_000


def counted_start(start):
    """Wraps ``playback_session_start``: counts each start and each refusal."""

    @functools.wraps(start)
    def wrapper(*args, **kwargs):
        try:
            session = start(*args, **kwargs)
        except refusals.PlaybackRefused as refusal:
            SESSIONS_REFUSED.labels(refusal.code).inc()
            raise
        SESSIONS_STARTED.inc()
        return session

    return wrapper


# A player sends its startup time once, in its first batches: a repeat within
# this long of the first does not count again.
STARTUP_ONCE_WINDOW = datetime.timedelta(hours=6)


def telemetry_session_for_user(*, user, session_id) -> PlaybackSession | None:
    """The user's session (any of their profiles) that may still report."""
    return PlaybackSession.objects.filter(pk=session_id, profile__user=user).first()


def telemetry_window_open(session: PlaybackSession) -> bool:
    """A session reports while it is live and for one grant lifetime after it
    ended or went quiet (its last batch; its CDN URLs may play until then),
    not for ever."""
    over = session.expires_at
    if session.ended_at is not None:
        over = min(over, session.ended_at)
    grace = datetime.timedelta(seconds=settings.PLAYBACK_GRANT_LIFETIME_SECONDS)
    return over + grace > timezone.now()


def playback_telemetry_record(
    *,
    session: PlaybackSession,
    events: list[dict],
    user=None,
    device_type: str = "browser",
    pathway: str = "",
) -> int:
    """Feed a batch of validated player events into the metrics and the title's
    analytics (by the account's plan, ``device_type`` and ``pathway``, one of
    the offered pathways' names or none); how many counted. A session's
    startup time counts once, however often it is sent."""
    counted = []
    for event in events:
        kind = event["kind"]
        if kind == "startup":
            first = cache.add(
                f"telemetry:startup:{session.pk}",
                1,
                timeout=int(STARTUP_ONCE_WINDOW.total_seconds()),
            )
            if not first:
                continue
            STARTUP.observe(event["seconds"])
        elif kind == "stall":
            STALLS.observe(event["seconds"])
        elif kind == "rung_switch":
            RUNG_SWITCHES.labels(event["direction"]).inc()
        elif kind == "error":
            ERRORS.labels(event["error_type"]).inc()
        counted.append(event)
    if analytics.analytics_enabled() and counted:
        offered = {p.name for p in pathways_for_delivery()}
        analytics.analytics_qoe_record(
            title_id=session.title_id,
            episode_id=session.episode_id,
            plan=plan_for_user(user).slug if user is not None else "",
            device_type=device_type,
            pathway=pathway if pathway in offered else "",
            events=counted,
        )
    return len(counted)
