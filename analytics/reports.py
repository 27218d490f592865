"""Editors' figures over a period, read from the rolled-up ``TitleDay`` rows.

A title's page costs three queries whatever the period (its rows, its
episodes' names, nothing per day or per episode); the overview three (top
titles with both periods' totals, the days' totals, QoE per title), each
aggregated in SQL.

Unique viewers over several days cannot be added up from daily distinct
counts: a profile that watched on three days is in three of them. The
reports give both bounds: the busiest day's distinct viewers (no fewer
watched) and the sum of the days' distinct viewers (no more did).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import IntegerField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from catalog.models import Episode, Title

from . import figures
from .models import TitleDay
from .services import STARTUP_EDGES

DEFAULT_DAYS = 28
MAX_DAYS = 366
# No figures exist before the platform did; an earlier day (year 1) would also
# leave no room for the previous period the overview compares against.
EARLIEST_DAY = datetime.date(2000, 1, 1)
TOP_TITLES = 10
VIEWERS_NOTE = (
    "Unique viewers over several days are estimated between the busiest day's "
    "distinct viewers (viewers_min) and the sum of each day's distinct viewers "
    "(viewers_max): a profile watching on several days counts once a day."
)
# A title's QoE got worse when, with at least QOE_MIN_STARTUPS startups in
# both periods, its startup p95 rose by 25% and at least 0.25 s, or its
# rebuffering ratio by a quarter and at least half a percentage point.
QOE_MIN_STARTUPS = 50
QOE_P95_RISE = (1.25, 0.25)
QOE_REBUFFER_RISE = (1.25, 0.005)


class PeriodError(ValueError):
    """A period that cannot be read; the message says why, ``field`` which
    query parameter (``from`` or ``to``) to change."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    """UTC days from ``start`` to ``end``, both included."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        end = self.start - datetime.timedelta(days=1)
        return Period(start=end - datetime.timedelta(days=self.days - 1), end=end)

    def dates(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=n) for n in range(self.days)]

    def q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}day__gte": self.start, f"{prefix}day__lte": self.end})


def _date(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            f"`{name}` must be a date as YYYY-MM-DD.", field=name
        ) from None


def period_parse(*, start: str | None, end: str | None) -> Period:
    """The period from ``from``/``to`` query values; by default the last
    DEFAULT_DAYS UTC days up to today. PeriodError says what is wrong."""
    today = timezone.now().astimezone(datetime.UTC).date()
    last = _date(end, "to") if end else today
    first = (
        _date(start, "from")
        if start
        else last - datetime.timedelta(days=DEFAULT_DAYS - 1)
    )
    if first > last:
        raise PeriodError("`from` must be on or before `to`.", field="from")
    if first < EARLIEST_DAY:
        raise PeriodError(
            f"`from` must be on or after {EARLIEST_DAY.isoformat()}.", field="from"
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(f"A period is at most {MAX_DAYS} days.", field="from")
    return Period(start=first, end=last)


def is_id(value: str) -> bool:
    """Whether a query value is a row id: ASCII digits (``str.isdigit`` also
    takes ``²``, which ``int`` refuses) that fit a bigint."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def _buckets() -> int:
    return settings.ANALYTICS_RETENTION_BUCKETS


def _completed_bucket(buckets: int) -> int:
    """The bucket holding the point where playback counts a video as watched
    (``PLAYBACK_COMPLETED_FRACTION`` of it, as continue-watching does)."""
    return max(0, min(buckets - 1, int(settings.PLAYBACK_COMPLETED_FRACTION * buckets)))


def _summary(counts: Counter, days_viewers: dict, buckets: int) -> dict:
    plays = counts["plays"]
    return {
        "plays": plays,
        "viewers_min": max(days_viewers.values(), default=0),
        "viewers_max": sum(days_viewers.values()),
        "watch_hours": round(counts["watch_ms"] / 3_600_000, 3),
        "seeks": counts["seeks"],
        **figures.audience(counts, buckets, _completed_bucket(buckets)),
        "qoe": figures.qoe(counts, plays=plays),
        "breakdowns": figures.breakdowns(counts),
    }


ROW_FIELDS = (*figures.COLUMNS, "counters", "day", "episode_id")


def title_report(
    *, title: Title, period: Period, episode: Episode | None = None
) -> dict:
    """A title's figures: a movie's own, a series' rolled up from its
    episodes (viewers from the series' own distinct count) with each
    episode's, or one ``episode``'s own; and the plays and watch time by day."""
    found = TitleDay.objects.filter(period.q(), title=title)
    if episode is not None:
        found = found.filter(episode=episode)
    rows = list(found.order_by("day").values(*ROW_FIELDS))
    buckets = _buckets()
    total: Counter = Counter()
    by_episode: dict[int, Counter] = defaultdict(Counter)
    viewers: dict = {}
    episode_viewers: dict[int, dict] = defaultdict(dict)
    daily = {day: {"plays": 0, "watch_ms": 0} for day in period.dates()}
    for row in rows:
        episode_id = row["episode_id"]
        counts = Counter()
        figures.counts_add(counts, row)
        if episode_id is None:
            viewers[row["day"]] = row["viewers"]
        else:
            by_episode[episode_id].update(counts)
            episode_viewers[episode_id][row["day"]] = row["viewers"]
        total.update(counts)
        daily[row["day"]]["plays"] += row["plays"]
        daily[row["day"]]["watch_ms"] += row["watch_ms"]
    total["viewers"] = 0  # the bounds below, never a sum over units
    if episode is not None:
        viewers, by_episode = episode_viewers[episode.pk], {}
    known = {
        e.pk: e
        for e in Episode.objects.filter(pk__in=by_episode).select_related("season")
    }
    order = sorted(by_episode, key=lambda pk: _episode_key(known.get(pk)))
    episodes = [
        {
            "id": pk,
            "name": known[pk].name if pk in known else "",
            "season": known[pk].season.number if pk in known else None,
            "number": known[pk].number if pk in known else None,
            **_summary(by_episode[pk], episode_viewers[pk], buckets),
        }
        for pk in order
    ]
    return {
        "title": {"id": title.pk, "name": title.name, "kind": title.kind},
        "episode": _episode_ref(episode),
        "period": {"from": period.start, "to": period.end},
        "has_data": bool(rows),
        "viewers_note": VIEWERS_NOTE,
        "retention_buckets": buckets,
        "startup_histogram": figures.startup_histogram(total),
        **_summary(total, viewers, buckets),
        "episodes": episodes,
        "daily": [
            {"day": day, "plays": v["plays"], "watch_hours": v["watch_ms"] / 3_600_000}
            for day, v in daily.items()
        ],
    }


def _episode_ref(episode: Episode | None) -> dict | None:
    if episode is None:
        return None
    return {
        "id": episode.pk,
        "name": episode.name,
        "season": episode.season.number,
        "number": episode.number,
    }


def _episode_key(episode: Episode | None) -> tuple[int, int]:
    return (episode.season.number, episode.number) if episode else (0, 0)


def _counter_sum(key: str, period: Period):
    value = Cast(KeyTextTransform(key, "counters"), IntegerField())
    return Coalesce(Sum(value, filter=period.q()), 0)


def _qoe_annotations(period: Period, tag: str) -> dict:
    sums = {
        f"{tag}_stall_ms": Coalesce(Sum("stall_ms", filter=period.q()), 0),
        f"{tag}_watch_ms": Coalesce(Sum("watch_ms", filter=period.q()), 0),
        f"{tag}_rendition_ms": _counter_sum("rendition_ms", period),
    }
    for edge in (*STARTUP_EDGES, "inf"):
        sums[f"{tag}_startup:{edge}"] = _counter_sum(f"startup:{edge}", period)
    return sums


def _qoe_of(row: dict, tag: str) -> dict:
    counts = Counter(
        {name[len(tag) + 1 :]: value for name, value in row.items()
         if name.startswith(tag + "_")}
    )  # fmt: skip
    figures_ = figures.qoe(counts)
    figures_["startups"] = sum(counts[f"startup:{e}"] for e in (*STARTUP_EDGES, "inf"))
    return figures_


def _rose(now: float | None, before: float | None, rise: tuple) -> bool:
    factor, margin = rise
    if now is None or before is None:
        return False
    return now >= before * factor and now - before >= margin


def _got_worse(now: dict, before: dict) -> list[str]:
    reasons = []
    if _rose(now["startup_p95_s"], before["startup_p95_s"], QOE_P95_RISE):
        reasons.append("startup_p95")
    if _rose(now["rebuffering_ratio"], before["rebuffering_ratio"], QOE_REBUFFER_RISE):
        reasons.append("rebuffering_ratio")
    return reasons


def qoe_worse(*, period: Period) -> list[dict]:
    """Titles whose startup p95 or rebuffering ratio rose by a clear margin
    against the previous period, with enough startups in both; in one query."""
    previous = period.previous()
    span = Q(day__gte=previous.start, day__lte=period.end)
    rows = (
        TitleDay.objects.filter(span)
        .values("title_id", "title__name")
        .annotate(
            **_qoe_annotations(period, "now"), **_qoe_annotations(previous, "was")
        )
        .order_by("title_id")
    )
    worse = []
    for row in rows:
        now, before = _qoe_of(row, "now"), _qoe_of(row, "was")
        if min(now["startups"], before["startups"]) < QOE_MIN_STARTUPS:
            continue
        reasons = _got_worse(now, before)
        if reasons:
            worse.append(
                {
                    "title_id": row["title_id"],
                    "name": row["title__name"],
                    "reasons": reasons,
                    "startup_p95_s": now["startup_p95_s"],
                    "previous_startup_p95_s": before["startup_p95_s"],
                    "rebuffering_ratio": now["rebuffering_ratio"],
                    "previous_rebuffering_ratio": before["rebuffering_ratio"],
                    "startups": now["startups"],
                }
            )
    return worse


def overview_report(*, period: Period, top: int = TOP_TITLES) -> dict:
    """Top titles by watch time with the previous period's figures, the days'
    totals in both periods, and the titles whose QoE got worse."""
    previous = period.previous()
    span = Q(day__gte=previous.start, day__lte=period.end)
    top_rows = (
        TitleDay.objects.filter(span)
        .values("title_id", "title__name")
        .annotate(
            now_watch_ms=Coalesce(Sum("watch_ms", filter=period.q()), 0),
            now_plays=Coalesce(Sum("plays", filter=period.q()), 0),
            was_watch_ms=Coalesce(Sum("watch_ms", filter=previous.q()), 0),
            was_plays=Coalesce(Sum("plays", filter=previous.q()), 0),
        )
        .filter(now_watch_ms__gt=0)
        .order_by("-now_watch_ms", "title_id")[:top]
    )
    by_day = {
        row["day"]: row
        for row in TitleDay.objects.filter(span)
        .values("day")
        .annotate(day_plays=Sum("plays"), day_watch_ms=Sum("watch_ms"))
    }

    def day_totals(day):
        row = by_day.get(day, {})
        return row.get("day_plays", 0), row.get("day_watch_ms", 0) / 3_600_000

    trend = []
    for day, day_before in zip(period.dates(), previous.dates(), strict=True):
        plays, hours = day_totals(day)
        plays_before, hours_before = day_totals(day_before)
        trend.append(
            {
                "day": day,
                "plays": plays,
                "watch_hours": hours,
                "previous_day": day_before,
                "previous_plays": plays_before,
                "previous_watch_hours": hours_before,
            }
        )
    totals = {
        "plays": sum(d["plays"] for d in trend),
        "watch_hours": sum(d["watch_hours"] for d in trend),
        "previous_plays": sum(d["previous_plays"] for d in trend),
        "previous_watch_hours": sum(d["previous_watch_hours"] for d in trend),
    }
    return {
        "period": {"from": period.start, "to": period.end},
        "previous_period": {"from": previous.start, "to": previous.end},
        "totals": {
            **totals,
            "change": _change(totals["watch_hours"], totals["previous_watch_hours"]),
        },
        "top_titles": [
            {
                "title_id": row["title_id"],
                "name": row["title__name"],
                "plays": row["now_plays"],
                "watch_hours": row["now_watch_ms"] / 3_600_000,
                "previous_plays": row["was_plays"],
                "previous_watch_hours": row["was_watch_ms"] / 3_600_000,
                "change": _change(row["now_watch_ms"], row["was_watch_ms"]),
            }
            for row in top_rows
        ],
        "trend": trend,
        "qoe_worse": qoe_worse(period=period),
    }


def _change(now: float, before: float) -> float | None:
    """The relative change from the previous period (None from nothing)."""
    return (now - before) / before if before else None
