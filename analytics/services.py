"""Recording on the request path: plays, watching, quality of experience.

Playback calls these with plain values (ids, plan slug, device type, pathway,
positions), never its models. Each request's figures go to the store in one
round trip (``store.tally_apply``), under the UTC day the request arrived on.
Nothing is recorded while ``ANALYTICS_ENABLED`` is off.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .store import Tally, tally_apply, unit_name

# Startup-time histogram: a startup counts under the first edge it does not
# exceed (seconds), the last bucket ("inf") above them all.
STARTUP_EDGES = (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20, 30)
# A heartbeat that moved forward by at most this share of the wall-clock time
# since the last one (plus the slack) was played through; anything else seeked.
PLAY_RATE_LIMIT = 1.5
PLAY_SLACK_SECONDS = 2.0


def analytics_enabled() -> bool:
    return settings.ANALYTICS_ENABLED


def _day(at: datetime.datetime | None) -> datetime.date:
    return (at or timezone.now()).astimezone(datetime.UTC).date()


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def startup_bucket(seconds: float) -> str:
    """The histogram field a startup time counts under, e.g. ``startup:1.5``."""
    edge = next((e for e in STARTUP_EDGES if seconds <= e), None)
    return f"startup:{edge if edge is not None else 'inf'}"


def analytics_play_record(
    *,
    title_id: int,
    episode_id: int | None,
    profile_id: int,
    plan: str,
    device_type: str,
    at: datetime.datetime | None = None,
) -> None:
    """Count a play and its viewer (also under the series, whose viewers are
    not the sum of its episodes')."""
    if not analytics_enabled():
        return
    tally, unit = Tally(), unit_name(title_id, episode_id)
    for field in ("plays", f"plays|plan:{plan}", f"plays|device:{device_type}"):
        tally.add(unit, field)
    tally.viewer(unit, str(profile_id))
    if episode_id:
        tally.viewer(unit_name(title_id, None), str(profile_id))
    tally_apply(tally, day=_day(at))


def bucket_of(position: float, duration: float, buckets: int) -> int:
    """The retention bucket of a position: the video's duration in ``buckets``."""
    return max(0, min(buckets - 1, int(position * buckets / duration)))


@dataclass
class WatchStep:
    """What one heartbeat (or the end) adds; ``seen`` is the session's new set
    of retention buckets (a bitmask) for it to keep."""

    tally: Tally
    seen: int
    title_id: int

    def record(self, at: datetime.datetime | None = None) -> None:
        tally_apply(self.tally, day=_day(at))


def analytics_watch_step(
    *,
    title_id: int,
    episode_id: int | None,
    duration: float,
    previous: float | None,
    position: float,
    elapsed: float,
    seen: int,
) -> WatchStep:
    """Compare a position with the session's previous one.

    Moving forward no faster than the clock allows is watching: its seconds
    count as watch time and each retention bucket it reaches for the first time
    in this session counts once (so the curve is the share of plays that
    reached each point). Any other move is a seek, counted from and to its
    buckets. The first report of a session (``previous`` None) counts as
    watched from ``elapsed`` seconds before it.
    """
    tally, unit = Tally(), unit_name(title_id, episode_id)
    if previous is None:
        previous = max(0.0, position - elapsed)
    advance = position - previous
    buckets = settings.ANALYTICS_RETENTION_BUCKETS
    if 0 <= advance <= elapsed * PLAY_RATE_LIMIT + PLAY_SLACK_SECONDS:
        if advance:
            tally.add(unit, "watch_ms", _ms(advance))
        if duration:
            first = bucket_of(previous, duration, buckets)
            for bucket in range(first, bucket_of(position, duration, buckets) + 1):
                if not seen & (1 << bucket):
                    seen |= 1 << bucket
                    tally.add(unit, f"reach:{bucket}")
    else:
        tally.add(unit, "seeks")
        if duration:
            tally.add(unit, f"seek_from:{bucket_of(previous, duration, buckets)}")
            tally.add(unit, f"seek_to:{bucket_of(position, duration, buckets)}")
    return WatchStep(tally=tally, seen=seen, title_id=title_id)


def analytics_qoe_record(
    *,
    title_id: int,
    episode_id: int | None,
    plan: str,
    device_type: str,
    pathway: str,
    events: list[dict],
    at: datetime.datetime | None = None,
) -> None:
    """Count a batch of player events (already validated, a session's startup
    once), in total and by plan, device type and CDN pathway."""
    if not analytics_enabled() or not events:
        return
    tally, unit = Tally(), unit_name(title_id, episode_id)
    dims = ("", f"|plan:{plan}", f"|device:{device_type}", f"|pathway:{pathway}")

    def add(field: str, amount: int = 1) -> None:
        for dim in dims:
            tally.add(unit, field + dim, amount)

    for event in events:
        kind = event["kind"]
        if kind == "startup":
            add("startups")
            add("startup_ms", _ms(event["seconds"]))
            add(startup_bucket(event["seconds"]))
        elif kind == "stall":
            add("stalls")
            add("stall_ms", _ms(event["seconds"]))
        elif kind == "error":
            add("errors")
            add(f"error:{event['error_type']}")
        elif kind == "exit":
            add("exits_before_start")
        elif kind == "rendition":
            add("rendition_ms", _ms(event["seconds"]))
            add(f"rung_ms:{event['height']}", _ms(event["seconds"]))
            add("kbit", round(event["kbps"] * event["seconds"]))
        elif kind == "rung_switch":
            add(f"switch:{event['direction']}")
    tally_apply(tally, day=_day(at))
