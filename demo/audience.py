"""The demo's simulated audience: four weeks of viewing for the demo titles.

So that a new editor sees charts at once, ``seed_demo`` records made-up
sessions for every published demo title (episodes under their series) on
each of the ``DAYS`` UTC days before today, through the analytics services a
real session goes through (a play, heartbeats with seeks, the player's
startup, stalls, errors, exits, renditions and rung switches, by plan, device
type and CDN pathway), and rolls those days up into ``TitleDay`` rows.

Deterministic: each title's day comes from a generator seeded with the seed,
the title and the day. Idempotent: a title's day is simulated only while it
has no figures, neither rolled up nor still counting in the store, so a second
run adds nothing and a run on a later day fills in only the new days. Today is
left to real viewing. Sessions are merged per day (``tally_batch``), so four
weeks take one store round trip a day.
"""

import datetime
import math
import random
from dataclasses import dataclass

from django.utils import timezone

from analytics import services as analytics
from analytics.models import TitleDay
from analytics.rollup import analytics_days_rollup
from analytics.store import day_units, tally_batch, unit_ids
from catalog.demo.titles import TITLES
from catalog.models import Episode, Title

SEED = 16
DAYS = 28
# Simulated viewers' profile ids: far above a demo's real ones.
PROFILE_BASE = 900_000_000
AUDIENCE = 4000
PATHWAYS = (("cdn-a", 0.7), ("cdn-b", 0.3))
DEVICES = (("browser", 0.5), ("app", 0.3), ("tv", 0.2))
# Seconds to the first frame, median by device type; cdn-b is slower.
STARTUP_MEDIAN = {"browser": 0.9, "app": 0.7, "tv": 1.5}
# The rungs a plan plays (height, kbit/s, share of the time), tallest first.
RUNGS = {
    "free": ((480, 1400, 0.75), (360, 800, 0.2), (240, 400, 0.05)),
    "standard": ((1080, 5000, 0.55), (720, 2800, 0.3), (480, 1400, 0.15)),
    "premium": ((1080, 5000, 0.7), (720, 2800, 0.22), (480, 1400, 0.08)),
}
ERROR_TYPES = (("network", 0.6), ("media", 0.3), ("other", 0.1))
# The title whose stalls went up in the last week (the overview's "QoE got
# worse"), by its place in the popularity order.
WORSENED_RANK = 2
WORSENED_DAYS = 7


@dataclass(frozen=True)
class AudienceReport:
    days: int = 0
    sessions: int = 0
    rows: int = 0


@dataclass(frozen=True)
class _Unit:
    """What a simulated session plays: a movie or an episode of a series."""

    title_id: int
    episode_id: int | None
    seconds: float


@dataclass(frozen=True)
class _Show:
    title: Title
    units: tuple[_Unit, ...]  # a series' episodes, first the most watched
    plans: tuple[tuple[str, float], ...]
    popularity: float  # sessions a day, before the week's rhythm and trend
    trend: float  # change over the four weeks, e.g. 0.5 for +50 %


def _pick(rng: random.Random, weighted) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights=weights)[0]


def _plans_for(access_level: str) -> tuple[tuple[str, float], ...]:
    if access_level == Title.AccessLevel.PREMIUM:
        return (("premium", 1.0),)
    if access_level == Title.AccessLevel.MEMBERS:
        return (("standard", 0.65), ("premium", 0.35))
    return (("free", 0.45), ("standard", 0.35), ("premium", 0.2))


def _shows(seed: int) -> list[_Show]:
    titles = list(
        Title.objects.visible_to_viewers()
        .filter(slug__in=[demo.slug for demo in TITLES])
        .order_by("slug")
    )
    episodes: dict[int, list[tuple[int, int | None]]] = {}
    rows = (
        Episode.objects.filter(season__title__in=titles)
        .order_by("season__number", "number")
        .values_list("season__title_id", "pk", "runtime_minutes")
    )
    for title_id, episode_id, minutes in rows:
        episodes.setdefault(title_id, []).append((episode_id, minutes))
    order = random.Random(f"{seed}:order")  # noqa: S311 - made-up figures
    order.shuffle(titles)
    shows = []
    for rank, title in enumerate(titles):
        if title.is_series:
            units = tuple(
                _Unit(title.pk, episode_id, 60.0 * (minutes or 30))
                for episode_id, minutes in episodes.get(title.pk, [])
            )
        else:
            units = (_Unit(title.pk, None, 60.0 * (title.runtime_minutes or 90)),)
        if not units:
            continue
        trend = random.Random(f"{seed}:{title.slug}:trend").uniform(-0.4, 0.8)  # noqa: S311
        shows.append(
            _Show(
                title=title,
                units=units,
                plans=_plans_for(title.access_level),
                popularity=30.0 / (1 + 0.7 * rank),
                trend=trend,
            )
        )
    return shows


def _done(days: list[datetime.date], shows: list[_Show]) -> set[tuple[int, object]]:
    """(title id, day) pairs that already have figures: rolled up or counting."""
    ids = [show.title.pk for show in shows]
    done = set(
        TitleDay.objects.filter(title_id__in=ids, day__in=days).values_list(
            "title_id", "day"
        )
    )
    for day in days:
        done |= {(unit_ids(unit)[0], day) for unit in day_units(day)}
    return done


def demo_audience_ensure(
    *, seed: int = SEED, today: datetime.date | None = None
) -> AudienceReport:
    """Simulate and roll up the last ``DAYS`` UTC days before ``today`` for the
    demo titles that have no figures on them yet (nothing with analytics off)."""
    if not analytics.analytics_enabled():
        return AudienceReport()
    today = today or timezone.now().astimezone(datetime.UTC).date()
    days = [today - datetime.timedelta(days=n) for n in range(DAYS, 0, -1)]
    shows = _shows(seed)
    done = _done(days, shows)
    simulated_days, sessions = set(), 0
    with tally_batch():
        for index, day in enumerate(days):
            for rank, show in enumerate(shows):
                if (show.title.pk, day) in done:
                    continue
                rng = random.Random(f"{seed}:{show.title.slug}:{day.isoformat()}")  # noqa: S311
                worse = rank == WORSENED_RANK and index >= DAYS - WORSENED_DAYS
                sessions += _title_day(show, day, index, rng, worse=worse)
                simulated_days.add(day)
    rows = analytics_days_rollup(days=sorted(simulated_days))
    return AudienceReport(days=len(simulated_days), sessions=sessions, rows=rows)


def _title_day(
    show: _Show, day: datetime.date, index: int, rng: random.Random, *, worse: bool
) -> int:
    weekend = 1.3 if day.weekday() >= 5 else 1.0
    growth = 1 + show.trend * index / DAYS
    count = max(0, round(show.popularity * weekend * growth * rng.uniform(0.7, 1.3)))
    for _ in range(count):
        # Earlier episodes draw more viewers than later ones.
        weights = [1 / (1 + 0.35 * n) for n in range(len(show.units))]
        unit = rng.choices(show.units, weights=weights)[0]
        minute = rng.randrange(24 * 60)
        at = datetime.datetime.combine(
            day, datetime.time(minute // 60, minute % 60), tzinfo=datetime.UTC
        )
        _session(show, unit, at, rng, worse=worse)
    return count


def _session(
    show: _Show, unit: _Unit, at: datetime.datetime, rng: random.Random, *, worse
) -> None:
    plan = _pick(rng, show.plans)
    device = _pick(rng, DEVICES)
    pathway = _pick(rng, PATHWAYS)
    where = {"title_id": unit.title_id, "episode_id": unit.episode_id}
    analytics.analytics_play_record(
        **where,
        profile_id=PROFILE_BASE + rng.randrange(AUDIENCE),
        plan=plan,
        device_type=device,
        at=at,
    )
    qoe = {**where, "plan": plan, "device_type": device, "pathway": pathway, "at": at}
    if rng.random() < (0.05 if device == "tv" else 0.03):
        analytics.analytics_qoe_record(**qoe, events=[{"kind": "exit"}])
        return
    median = STARTUP_MEDIAN[device] * (1.3 if pathway == "cdn-b" else 1.0)
    events = [
        {
            "kind": "startup",
            "seconds": min(60.0, rng.lognormvariate(math.log(median), 0.5)),
        }
    ]
    watched = _watch(unit, at, rng)
    if rng.random() < 0.015:
        error_type = _pick(rng, ERROR_TYPES)
        events.append({"kind": "error", "error_type": error_type})
    rate = 0.008 * (2 if pathway == "cdn-b" else 1) * (1.5 if device == "tv" else 1)
    rate *= 5 if worse else 1
    for _ in range(_poisson(rng, rate * watched / 60)):
        seconds = min(120.0, rng.lognormvariate(math.log(1.5), 0.7))
        events.append({"kind": "stall", "seconds": seconds})
    events += _renditions(plan, watched, rng)
    analytics.analytics_qoe_record(**qoe, events=events)


def _watch(unit: _Unit, at: datetime.datetime, rng: random.Random) -> float:
    """The heartbeats of one play, watching (maybe with a seek) until the
    viewer stops; the seconds watched."""
    duration = unit.seconds
    stop = duration if rng.random() < 0.35 else duration * rng.betavariate(0.8, 1.6)
    stretches = [(0.0, stop)]  # watched from, to; a seek between two
    if rng.random() < 0.3 and stop > duration * 0.1:
        if rng.random() < 0.3:  # back, to see something again
            mark, back = stop * 0.8, stop * rng.uniform(0.3, 0.6)
            stretches = [(0.0, mark), (back, stop)]
        else:  # skipping the opening
            mark = duration * rng.uniform(0.01, 0.05)
            skip = mark + duration * rng.uniform(0.02, 0.1)
            stretches = [(0.0, mark), (skip, max(skip, stop))]
    where = {"title_id": unit.title_id, "episode_id": unit.episode_id}
    seen, previous, watched = 0, None, 0.0
    for begin, end in stretches:
        if previous is not None:  # the seek: a heartbeat 10 s on, elsewhere
            step = analytics.analytics_watch_step(
                **where, duration=duration, previous=previous, position=begin,
                elapsed=10.0, seen=seen,
            )  # fmt: skip
            step.record(at)
            seen = step.seen
        since = None if previous is None else begin  # None: the first report
        step = analytics.analytics_watch_step(
            **where, duration=duration, previous=since, position=end,
            elapsed=end - begin, seen=seen,
        )  # fmt: skip
        step.record(at)
        seen, previous, watched = step.seen, end, watched + end - begin
    return watched


def _renditions(plan: str, watched: float, rng: random.Random) -> list[dict]:
    """Seconds at each of the plan's rungs, and the switches between them."""
    events = []
    for height, kbps, share in RUNGS[plan]:
        seconds = watched * share * rng.uniform(0.6, 1.4)
        while seconds >= 1:  # the API's limit: an hour an event
            part = min(seconds, 3600.0)
            events.append(
                {"kind": "rendition", "seconds": part, "height": height, "kbps": kbps}
            )
            seconds -= part
    for _ in range(rng.randrange(0, 4)):
        direction = "down" if rng.random() < 0.5 else "up"
        events.append({"kind": "rung_switch", "direction": direction})
    return events


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: the means here are small)."""
    limit, count, product = math.exp(-min(mean, 30.0)), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
