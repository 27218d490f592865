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
        rows = {
            (title_id, episode_id): _values(counts, now)
            for (title_id, episode_id), counts in zip(ids, found.values(), strict=True)
            # A title or episode deleted since: its figures go with it.
            if title_id in titles and (not episode_id or episode_id in episodes)
        }
        _day_write(day, rows)
        written += len(rows)
    return written


FIELDS = (*COLUMNS, "viewers", "counters", "rolled_up_at")


def _values(counts: dict, now) -> dict:
    values = {name: counts.get(name, 0) for name in COLUMNS}
    values["viewers"] = counts.get(VIEWERS, 0)
    values["counters"] = {
        k: v for k, v in sorted(counts.items()) if k not in COLUMNS and k != VIEWERS
    }
    values["rolled_up_at"] = now
    return values


def _day_write(day, rows: dict[tuple[int, int | None], dict]) -> None:
    """The day's rows, whole: the existing ones updated, the others created,
    in a few statements however many titles."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                existing = {
                    (row.title_id, row.episode_id): row
                    for row in TitleDay.objects.select_for_update().filter(day=day)
                }
                changed, new = [], []
                for (title_id, episode_id), values in rows.items():
                    row = existing.get((title_id, episode_id))
                    if row is None:
                        row = TitleDay(
                            day=day, title_id=title_id, episode_id=episode_id
                        )
                        new.append(row)
                    else:
                        changed.append(row)
                    for name, value in values.items():
                        setattr(row, name, value)
                TitleDay.objects.bulk_update(changed, FIELDS, batch_size=500)
                TitleDay.objects.bulk_create(new, batch_size=500)
            return
        except IntegrityError:
            # Another rollup inserted some rows first: update them on the retry.
            if attempt == 2:
                raise


def analytics_rollup(*, at: datetime.datetime | None = None) -> int:
    """Roll up yesterday and today (UTC): yesterday again, so what counted
    there after its last run (until midnight) lands too."""
    today = (at or timezone.now()).astimezone(datetime.UTC).date()
    return analytics_days_rollup(days=[today - datetime.timedelta(days=1), today])
