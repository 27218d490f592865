"""The demo's simulated audience: four weeks of figures, once, the same ones."""

import datetime

import pytest

from analytics import services as analytics
from analytics.models import TitleDay
from analytics.store import store_clear
from catalog.demo.titles import TITLES
from demo.audience import DAYS, demo_audience_ensure
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 30)


@pytest.fixture
def shows():
    """Three demo movies and a demo series of two episodes, and a non-demo title."""
    movies = [
        TitleFactory(slug=demo.slug, runtime_minutes=90 + n)
        for n, demo in enumerate(TITLES[:3])
    ]
    season = SeasonFactory(title=TitleFactory(slug=TITLES[3].slug, series=True))
    episodes = [EpisodeFactory(season=season, runtime_minutes=40) for _ in range(2)]
    TitleFactory(slug="not-a-demo-title", runtime_minutes=100)
    return movies, season.title, episodes


def figures() -> list[tuple]:
    return sorted(
        TitleDay.objects.values_list(
            "day", "title__slug", "episode__number", "plays", "viewers", "watch_ms",
            "startups", "startup_ms", "stalls", "stall_ms", "errors",
            "exits_before_start", "seeks", "counters",
        ),
        key=lambda row: (row[0], row[1], row[2] or 0),
    )  # fmt: skip


def test_four_weeks_before_today_get_every_kind_of_figure(shows):
    movies, series, episodes = shows

    report = demo_audience_ensure(today=TODAY)

    days = set(TitleDay.objects.values_list("day", flat=True))
    assert days == {TODAY - datetime.timedelta(days=n) for n in range(1, DAYS + 1)}
    assert report.days == DAYS and report.rows == TitleDay.objects.count()
    assert not TitleDay.objects.filter(title__slug="not-a-demo-title").exists()
    # Episodes count under themselves, their viewers under the series too.
    assert TitleDay.objects.filter(episode__in=episodes).exists()
    assert TitleDay.objects.filter(title=series, episode=None, viewers__gt=0).exists()
    rows = list(TitleDay.objects.filter(title__in=movies))
    total = {
        name: sum(getattr(row, name) for row in rows)
        for name in ("plays", "viewers", "watch_ms", "startups", "stalls", "errors",
                     "exits_before_start", "seeks")
    }  # fmt: skip
    assert all(total.values()), total
    assert total["plays"] == total["startups"] + total["exits_before_start"]
    counters = set().union(*(row.counters for row in rows))
    for name in (
        "plays|device:browser", "plays|device:app", "plays|device:tv",
        "plays|plan:free", "plays|plan:premium", "startups|pathway:cdn-a",
        "stalls|pathway:cdn-b", "rung_ms:1080", "rung_ms:480", "kbit",
        "switch:up", "seek_from:1", "reach:99",
    ):  # fmt: skip
        assert name in counters, name
    for row in rows:  # every started play is at the start; fewer at the end
        reach = [row.counters.get(f"reach:{b}", 0) for b in range(100)]
        assert reach[0] == row.startups
        assert reach[0] >= reach[50] >= reach[99]


def test_a_second_run_adds_nothing_and_the_same_seed_gives_the_same_figures(shows):
    demo_audience_ensure(today=TODAY)
    first = figures()

    again = demo_audience_ensure(today=TODAY)

    assert (again.days, again.sessions, again.rows) == (0, 0, 0)
    assert figures() == first
    # From scratch, the same seed makes the same audience.
    TitleDay.objects.all().delete()
    store_clear()
    demo_audience_ensure(today=TODAY)
    assert figures() == first


def test_a_later_run_fills_in_only_the_new_day(shows):
    demo_audience_ensure(today=TODAY)
    before = figures()

    later = demo_audience_ensure(today=TODAY + datetime.timedelta(days=1))

    assert later.days == 1
    assert [row for row in figures() if row[0] < TODAY] == before
    assert {row[0] for row in figures()} - {row[0] for row in before} == {TODAY}


def test_a_title_with_real_figures_on_a_day_keeps_them(shows):
    movies, _, _ = shows
    day = TODAY - datetime.timedelta(days=3)
    at = datetime.datetime.combine(day, datetime.time(20), tzinfo=datetime.UTC)
    analytics.analytics_play_record(
        title_id=movies[0].pk, episode_id=None, profile_id=7, plan="free",
        device_type="browser", at=at,
    )  # fmt: skip

    demo_audience_ensure(today=TODAY)

    real = TitleDay.objects.get(title=movies[0], day=day)
    assert (real.plays, real.viewers, real.watch_ms) == (1, 1, 0)
    assert TitleDay.objects.get(title=movies[1], day=day).plays > 1


def test_nothing_is_simulated_with_analytics_off(shows, settings):
    settings.ANALYTICS_ENABLED = False

    assert demo_audience_ensure(today=TODAY).sessions == 0
    assert not TitleDay.objects.exists()
