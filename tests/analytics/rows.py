"""Known ``TitleDay`` rows for the reports', admin's and API's tests."""

import datetime

from django.utils import timezone

from analytics.models import TitleDay

DAY = datetime.date(2026, 11, 10)
HOUR = 3_600_000  # in ms, as the rows count watch time


def day_row(title, day=DAY, episode=None, counters=None, **columns) -> TitleDay:
    """A rolled-up row as the rollup writes it."""
    return TitleDay.objects.create(
        day=day,
        title=title,
        episode=episode,
        rolled_up_at=timezone.now(),
        counters=counters or {},
        **columns,
    )


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# The week from DAY, as the admin's and the API's ``from``/``to`` query.
PERIOD = {"from": DAY.isoformat(), "to": (DAY + days(6)).isoformat()}
