"""The rollup: idempotent, safe to run twice at once, by UTC day."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections

from analytics import services as analytics
from analytics.models import TitleDay
from analytics.rollup import analytics_days_rollup, analytics_rollup
from tests.catalog.factories import TitleFactory

UTC = datetime.UTC


def plays(title, count: int, at: datetime.datetime, first_profile: int = 1) -> None:
    for profile_id in range(first_profile, first_profile + count):
        analytics.analytics_play_record(
            title_id=title.pk,
            episode_id=None,
            profile_id=profile_id,
            plan="free",
            device_type="browser",
            at=at,
        )


def figures() -> list[tuple]:
    return sorted(
        TitleDay.objects.values_list("day", "title_id", "plays", "viewers", "counters")
    )


@pytest.mark.django_db
def test_rolling_up_twice_counts_once():
    title = TitleFactory()
    at = datetime.datetime.now(UTC)
    plays(title, 3, at)
    analytics_rollup(at=at)
    first = figures()
    analytics_rollup(at=at)

    assert figures() == first
    assert first[0][2:4] == (3, 3)
    assert TitleDay.objects.count() == 1


@pytest.mark.django_db
def test_a_later_rollup_writes_the_new_totals_not_a_sum():
    title = TitleFactory()
    at = datetime.datetime.now(UTC)
    plays(title, 2, at)
    analytics_rollup(at=at)
    plays(title, 3, at, first_profile=10)
    analytics_rollup(at=at)

    assert TitleDay.objects.get().plays == 5


@pytest.mark.django_db(transaction=True)
def test_two_rollups_at_once_count_once():
    titles = [TitleFactory() for _ in range(5)]
    at = datetime.datetime.now(UTC)
    for title in titles:
        plays(title, 4, at)
    day = at.date()
    barrier, failures = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            analytics_days_rollup(days=[day])
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert TitleDay.objects.count() == 5
    assert set(TitleDay.objects.values_list("plays", flat=True)) == {4}


@pytest.mark.django_db
def test_counts_fall_on_the_utc_day_they_happened_on():
    title = TitleFactory()
    before = datetime.datetime(2026, 3, 9, 23, 59, 50, tzinfo=UTC)
    after = datetime.datetime(2026, 3, 10, 0, 0, 5, tzinfo=UTC)
    plays(title, 2, before)
    plays(title, 1, after, first_profile=1)  # a viewer of both days

    # The first run after midnight writes both days, yesterday complete.
    assert analytics_rollup(at=after + datetime.timedelta(seconds=5)) == 2
    by_day = {row.day: (row.plays, row.viewers) for row in TitleDay.objects.all()}
    assert by_day == {
        datetime.date(2026, 3, 9): (2, 2),
        datetime.date(2026, 3, 10): (1, 1),
    }


@pytest.mark.django_db
def test_a_local_evening_counts_on_the_next_utc_day(settings):
    settings.TIME_ZONE = "America/New_York"
    title = TitleFactory()
    # 20:00 in New York on 1 January is 01:00 UTC on 2 January.
    evening = datetime.datetime(2026, 1, 1, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    plays(title, 1, evening)
    analytics_days_rollup(days=[datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)])

    assert list(TitleDay.objects.values_list("day", flat=True)) == [
        datetime.date(2026, 1, 2)
    ]


@pytest.mark.django_db
def test_a_deleted_title_is_skipped():
    title = TitleFactory()
    at = datetime.datetime.now(UTC)
    plays(title, 1, at)
    title.delete()

    assert analytics_rollup(at=at) == 0


@pytest.mark.django_db
def test_a_days_units_are_listed_without_reading_their_counters():
    from analytics.store import day_read, day_units, unit_name

    first, second = TitleFactory(), TitleFactory()
    at = datetime.datetime(2026, 11, 10, 23, 59, tzinfo=UTC)
    plays(first, 2, at)
    plays(second, 1, at)
    plays(second, 1, at + datetime.timedelta(minutes=2))

    units = day_units(at.date())

    assert units == sorted([unit_name(first.pk, None), unit_name(second.pk, None)])
    assert units == list(day_read(at.date()))
    assert day_units(at.date() + datetime.timedelta(days=1)) == [
        unit_name(second.pk, None)
    ]
    assert day_units(at.date() - datetime.timedelta(days=1)) == []


@pytest.mark.django_db
def test_a_batch_adds_to_existing_counters_and_new_ones_expire(settings):
    from analytics import store

    title = TitleFactory()
    at = datetime.datetime(2026, 11, 10, 12, tzinfo=UTC)
    plays(title, 2, at)
    with store.tally_batch():
        plays(title, 3, at, first_profile=2)
        analytics.analytics_qoe_record(
            title_id=title.pk,
            episode_id=None,
            plan="free",
            device_type="browser",
            pathway="cdn-a",
            events=[{"kind": "startup", "seconds": 0.4}],
            at=at,
        )

    counts = store.day_read(at.date())[store.unit_name(title.pk, None)]
    assert (counts["plays"], counts["viewers"], counts["startups"]) == (5, 4, 1)
    if not store._on_redis():  # the embedded store's own expiry
        unit = store.unit_name(title.pk, None)
        for field in ("plays", "startups"):
            key = f"c/2026-11-10/{unit}/{field}"
            _, expire_time = store._disk().get(key, expire_time=True)
            assert expire_time is not None, field
