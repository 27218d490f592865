"""The beat rollup: a day's counters from the store into ``TitleDay`` rows.

Idempotent by construction: the store keeps each UTC day's counters whole
until they expire, and the rollup writes the absolute values it read, never
adds them. A rerun, or two beat processes at once, write the same figures (a
later run only newer ones, as the day's counters only grow).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Episode, Title

from .models import TitleDay
from .store import VIEWERS, day_read, unit_ids

COLUMNS = (
    "plays", "watch_ms", "startups", "startup_ms", "stalls", "stall_ms",
    "errors", "exits_before_start", "seeks",
)  # fmt: skip


def analytics_days_rollup(*, days: list[datetime.date]) -> int:
    """Write every unit's figures for these UTC days; how many rows written."""
    written = 0
    for day in days:
        found = day_read(day)
        if not found:
            continue
        ids = [unit_ids(unit) for unit in found]
        titles = set(
            Title.objects.filter(pk__in={t for t, _ in ids}).values_list(
                "pk", flat=True
            )
        )
        episodes = set(
            Episode.objects.filter(pk__in={e for _, e in ids if e}).values_list(
                "pk", flat=True
            )
        )
        now = timezone.now()
        for (title_id, episode_id), counts in zip(ids, found.values(), strict=True):
            if title_id not in titles or (episode_id and episode_id not in episodes):
                continue  # deleted since: its figures go with it
            _title_day_write(day, title_id, episode_id, counts, now)
            written += 1
    return written


def _title_day_write(day, title_id, episode_id, counts: dict, now) -> None:
    values = {name: counts.get(name, 0) for name in COLUMNS}
    values["viewers"] = counts.get(VIEWERS, 0)
    values["counters"] = {
        k: v for k, v in sorted(counts.items()) if k not in COLUMNS and k != VIEWERS
    }
    values["rolled_up_at"] = now
    lookup = {"day": day, "title_id": title_id, "episode_id": episode_id}
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                TitleDay.objects.update_or_create(**lookup, defaults=values)
            return
        except IntegrityError:
            # Another rollup inserted the row first: update it on the retry.
            if attempt == 2:
                raise


def analytics_rollup(*, at: datetime.datetime | None = None) -> int:
    """Roll up yesterday and today (UTC): yesterday again, so what counted
    there after its last run (until midnight) lands too."""
    today = (at or timezone.now()).astimezone(datetime.UTC).date()
    return analytics_days_rollup(days=[today - datetime.timedelta(days=1), today])
