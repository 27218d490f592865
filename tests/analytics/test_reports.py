"""Reports from known rolled-up rows give exact figures, in few queries."""

import pytest

from analytics.reports import (
    Period,
    PeriodError,
    overview_report,
    period_parse,
    title_report,
)
from tests.analytics.rows import DAY, HOUR, day_row, days
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

pytestmark = pytest.mark.django_db
WEEK = Period(start=DAY, end=DAY + days(6))


def movie_rows(title):
    # Ten plays over two days: 8 reached the first tenth, 5 the middle, 2 the end.
    day_row(
        title,
        plays=6,
        viewers=5,
        watch_ms=2 * HOUR,
        counters={"reach:0": 5, "reach:5": 3, "reach:9": 1, "seek_to:7": 2,
                  "plays|plan:free": 4, "plays|plan:premium": 2},
    )  # fmt: skip
    day_row(
        title,
        day=DAY + days(1),
        plays=4,
        viewers=4,
        watch_ms=HOUR,
        counters={"reach:0": 3, "reach:5": 2, "reach:9": 1, "seek_to:7": 1,
                  "plays|plan:free": 4},
    )  # fmt: skip


def test_a_movies_figures_add_its_days_up(settings):
    settings.ANALYTICS_RETENTION_BUCKETS = 10
    title = TitleFactory()
    movie_rows(title)

    report = title_report(title=title, period=WEEK)

    assert report["has_data"]
    assert (report["plays"], report["watch_hours"]) == (10, 3.0)
    assert (report["viewers_min"], report["viewers_max"]) == (5, 9)
    assert report["completion_rate"] == pytest.approx(0.2)
    assert report["retention"][0] == pytest.approx(0.8)
    assert report["retention"][5] == pytest.approx(0.5)
    assert report["retention"][9] == pytest.approx(0.2)
    assert report["retention"][1] == 0.0
    assert report["seek_to"][7] == 3
    plans = {row["value"]: row["plays"] for row in report["breakdowns"]["plan"]}
    assert plans == {"free": 8, "premium": 2}
    assert [d["plays"] for d in report["daily"][:3]] == [6, 4, 0]
    assert len(report["daily"]) == 7


def test_a_series_rolls_up_its_episodes_with_its_own_viewers(settings):
    settings.ANALYTICS_RETENTION_BUCKETS = 10
    season = SeasonFactory()
    series = season.title
    first, second = (
        EpisodeFactory(season=season, number=1),
        EpisodeFactory(season=season, number=2),
    )
    day_row(series, episode=first, plays=5, viewers=5, watch_ms=HOUR,
            counters={"reach:9": 4})  # fmt: skip
    day_row(series, episode=second, plays=3, viewers=3, watch_ms=HOUR // 2,
            counters={"reach:9": 1})  # fmt: skip
    # The series' own row: distinct profiles over all its episodes that day.
    day_row(series, viewers=6)

    report = title_report(title=series, period=WEEK)

    assert (report["plays"], report["watch_hours"]) == (8, 1.5)
    assert (report["viewers_min"], report["viewers_max"]) == (6, 6)
    assert report["completion_rate"] == pytest.approx(5 / 8)
    assert [e["id"] for e in report["episodes"]] == [first.pk, second.pk]
    assert [e["plays"] for e in report["episodes"]] == [5, 3]
    assert report["episodes"][0]["completion_rate"] == pytest.approx(0.8)
    assert report["episodes"][1]["viewers_max"] == 3


def test_the_period_includes_its_first_and_last_day_only():
    title = TitleFactory()
    for offset, plays in ((-1, 100), (0, 1), (6, 2), (7, 100)):
        day_row(title, day=DAY + days(offset), plays=plays)

    assert title_report(title=title, period=WEEK)["plays"] == 3


def test_qoe_percentiles_ratios_and_bitrate_come_from_the_histogram():
    title = TitleFactory()
    counters = {
        "startup:0.5": 50, "startup:1": 40, "startup:2": 10,
        "rendition_ms": 90_000, "kbit": 270_000,
        "rung_ms:720": 60_000, "rung_ms:360": 30_000,
        "startups|pathway:a": 10, "startup:3|pathway:a": 10,
        "stall_ms|pathway:a": 1_000, "rendition_ms|pathway:a": 9_000,
        "rung_ms:1080|pathway:a": 9_000,
        "errors|device:tv": 1, "plays|device:tv": 4,
    }  # fmt: skip
    day_row(title, plays=100, startups=100, stall_ms=10_000, errors=2,
            exits_before_start=5, counters=counters)  # fmt: skip

    qoe = title_report(title=title, period=WEEK)["qoe"]

    # p50: rank 50 ends the 0.25-0.5 s bucket; p95: 5 of 10 into 1.5-2 s.
    assert qoe["startup_p50_s"] == 0.5
    assert qoe["startup_p95_s"] == 1.75
    assert qoe["rebuffering_ratio"] == pytest.approx(0.1)
    assert (qoe["errors"], qoe["error_rate"]) == (2, 0.02)
    assert qoe["exit_rate"] == 0.05
    assert qoe["average_kbps"] == 3000
    assert qoe["rung_mix"] == [
        {"height": 720, "share": pytest.approx(2 / 3)},
        {"height": 360, "share": pytest.approx(1 / 3)},
    ]
    report = title_report(title=title, period=WEEK)
    (pathway,) = report["breakdowns"]["pathway"]
    assert (pathway["value"], pathway["startup_p95_s"]) == ("a", 2.95)
    assert pathway["rebuffering_ratio"] == pytest.approx(0.1)
    assert pathway["rung_mix"] == [{"height": 1080, "share": 1.0}]
    (tv,) = report["breakdowns"]["device"]
    assert (tv["value"], tv["errors"], tv["error_rate"]) == ("tv", 1, 0.25)


def test_a_title_without_rows_reports_no_data():
    report = title_report(title=TitleFactory(), period=WEEK)
    assert not report["has_data"]
    assert report["plays"] == 0
    assert report["qoe"]["startup_p50_s"] is None


def test_the_overview_ranks_by_watch_time_against_the_previous_period():
    big, small, old = TitleFactory(), TitleFactory(), TitleFactory()
    day_row(big, plays=3, watch_ms=4 * HOUR)
    day_row(big, day=DAY - days(7), plays=2, watch_ms=2 * HOUR)
    day_row(small, day=DAY + days(6), plays=1, watch_ms=HOUR)
    day_row(old, day=DAY - days(1), plays=9, watch_ms=9 * HOUR)

    report = overview_report(period=WEEK)

    top = [(t["title_id"], t["watch_hours"], t["change"]) for t in report["top_titles"]]
    assert top == [(big.pk, 4.0, 1.0), (small.pk, 1.0, None)]
    assert report["totals"]["watch_hours"] == 5.0
    assert report["totals"]["previous_watch_hours"] == 11.0
    assert report["previous_period"] == {"from": DAY - days(7), "to": DAY - days(1)}
    first, last = report["trend"][0], report["trend"][-1]
    assert (first["plays"], first["previous_plays"]) == (3, 2)
    assert (last["plays"], last["previous_plays"]) == (1, 9)


def test_an_overview_of_a_period_without_plays_is_zeros_not_an_error():
    TitleFactory()
    day_row(TitleFactory(), day=DAY - days(7), plays=2, watch_ms=HOUR)

    report = overview_report(period=WEEK)

    assert report["top_titles"] == []
    assert report["qoe_worse"] == []
    assert report["totals"] == {"plays": 0, "watch_hours": 0.0, "previous_plays": 2,
                                "previous_watch_hours": 1.0, "change": -1.0}  # fmt: skip
    assert [d["plays"] for d in report["trend"]] == [0] * 7
    empty = overview_report(period=period_parse(start="2001-01-01", end="2001-01-07"))
    assert empty["totals"]["change"] is None


def test_titles_whose_qoe_got_worse_are_listed_with_enough_startups():
    slower, steady, few = TitleFactory(), TitleFactory(), TitleFactory()
    before, now = DAY - days(3), DAY + days(3)
    for title, edge_before, edge_now, n in (
        (slower, "1", "3", 60),
        (steady, "1", "1", 60),
        (few, "1", "8", 10),
    ):
        day_row(title, day=before, startups=n, counters={f"startup:{edge_before}": n})
        day_row(title, day=now, startups=n, counters={f"startup:{edge_now}": n})
    stalling = TitleFactory()
    day_row(stalling, day=before, startups=60, stall_ms=100, watch_ms=99_900,
            counters={"startup:1": 60})  # fmt: skip
    day_row(stalling, day=now, startups=60, stall_ms=5_000, watch_ms=95_000,
            counters={"startup:1": 60})  # fmt: skip

    worse = overview_report(period=WEEK)["qoe_worse"]

    assert [(w["title_id"], w["reasons"]) for w in worse] == [
        (slower.pk, ["startup_p95"]),
        (stalling.pk, ["rebuffering_ratio"]),
    ]
    assert worse[0]["startup_p95_s"] == pytest.approx(2.95)
    assert worse[1]["rebuffering_ratio"] == pytest.approx(0.05)


def test_the_reports_take_a_fixed_number_of_queries(django_assert_num_queries):
    season = SeasonFactory()
    for number in range(1, 6):
        episode = EpisodeFactory(season=season, number=number)
        for offset in range(5):
            day_row(season.title, day=DAY + days(offset), episode=episode, plays=1)
    with django_assert_num_queries(2):
        title_report(title=season.title, period=WEEK)
    with django_assert_num_queries(3):
        overview_report(period=WEEK)


def test_a_period_is_read_from_dates_and_refused_clearly(settings):
    assert period_parse(start="2026-11-01", end="2026-11-28").days == 28
    assert period_parse(start=None, end="2026-11-28").start.isoformat() == "2026-11-01"
    with pytest.raises(PeriodError, match="YYYY-MM-DD"):
        period_parse(start="yesterday", end=None)
    with pytest.raises(PeriodError, match="on or before"):
        period_parse(start="2026-11-02", end="2026-11-01")
    with pytest.raises(PeriodError, match="at most"):
        period_parse(start="2024-01-01", end="2026-01-01")
    assert WEEK.previous() == Period(start=DAY - days(7), end=DAY - days(1))


def test_an_episodes_own_figures_leave_its_siblings_out(settings):
    settings.ANALYTICS_RETENTION_BUCKETS = 10
    season = SeasonFactory(number=2)
    first = EpisodeFactory(season=season, number=1, name="Pilot")
    second = EpisodeFactory(season=season, number=2)
    day_row(season.title, episode=first, plays=4, viewers=3, watch_ms=HOUR,
            counters={"reach:9": 1})  # fmt: skip
    day_row(season.title, day=DAY + days(1), episode=first, plays=1, viewers=1)
    day_row(season.title, episode=second, plays=7, viewers=7)
    day_row(season.title, viewers=9)

    report = title_report(title=season.title, period=WEEK, episode=first)

    assert report["episode"] == {"id": first.pk, "name": "Pilot", "season": 2,
                                 "number": 1}  # fmt: skip
    assert (report["plays"], report["watch_hours"]) == (5, 1.0)
    assert (report["viewers_min"], report["viewers_max"]) == (3, 4)
    assert report["completion_rate"] == pytest.approx(0.2)
    assert report["episodes"] == []
