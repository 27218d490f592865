"""Days are UTC days, whatever TIME_ZONE says: a session that plays across
UTC midnight counts each stretch on the day it was watched, and the rollups
around midnight write both days, once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analytics import services as analytics
from analytics.models import TitleDay
from analytics.rollup import analytics_rollup
from playback import services
from tests.catalog.factories import TitleFactory, VideoFactory
from tests.playback.factories import PlaybackSessionFactory, ProfileFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TEN = datetime.timedelta(seconds=10)


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now()`` as the test sets it: a UTC midnight two days on."""
    midnight = datetime.datetime.combine(
        timezone.now().astimezone(UTC).date() + datetime.timedelta(days=2),
        datetime.time(0),
        tzinfo=UTC,
    )
    now = {"at": midnight}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])
    return now


def row(day: datetime.date) -> TitleDay:
    return TitleDay.objects.get(day=day, episode=None)


def reached(day_row: TitleDay) -> list[int]:
    return sorted(int(k.split(":")[1]) for k in day_row.counters if k[:6] == "reach:")


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_a_session_across_utc_midnight_counts_each_stretch_on_its_day(
    settings, clock, zone
):
    settings.TIME_ZONE = zone
    midnight = clock["at"]
    title = TitleFactory(video=VideoFactory(duration_seconds=100))
    profile = ProfileFactory()
    clock["at"] = midnight - datetime.timedelta(seconds=35)  # 23:59:25 UTC
    session = PlaybackSessionFactory(
        profile=profile,
        title=title,
        video=title.video,
        watched_position=None,
        last_seen_at=clock["at"],
        expires_at=midnight + datetime.timedelta(hours=1),
    )
    analytics.analytics_play_record(
        title_id=title.pk, episode_id=None, profile_id=profile.pk, plan="free",
        device_type="browser",
    )  # fmt: skip
    # A heartbeat every 10 s at 10, 20 and 30 s into the video before
    # midnight (23:59:35, :45, :55), at 40 and 50 s after it (00:00:05, :15).
    for position in (10.0, 20.0, 30.0, 40.0, 50.0):
        clock["at"] += TEN
        assert services.playback_session_heartbeat(session=session, position=position)
    local = ZoneInfo(zone)
    assert (midnight - TEN).astimezone(local).date() == (midnight + TEN).astimezone(
        local
    ).date(), "one local day, two UTC days"

    # The beat's first run after midnight writes both UTC days.
    clock["at"] = midnight + 3 * TEN
    assert analytics_rollup() == 2
    before, after = midnight.date() - datetime.timedelta(days=1), midnight.date()
    evening, morning = row(before), row(after)
    assert (evening.plays, evening.viewers, evening.watch_ms) == (1, 1, 30_000)
    assert (morning.plays, morning.viewers, morning.watch_ms) == (0, 0, 20_000)
    # Ten buckets of 10 s: 0-3 reached before midnight, 4-5 after.
    assert reached(evening) == [0, 1, 2, 3]
    assert reached(morning) == [4, 5]
    figures = sorted(TitleDay.objects.values_list("day", "watch_ms", "counters"))

    # Later runs, that day and the next, leave both days as they were.
    clock["at"] = midnight + datetime.timedelta(hours=5)
    analytics_rollup()
    clock["at"] = midnight + datetime.timedelta(days=1, minutes=1)
    analytics_rollup()
    assert sorted(TitleDay.objects.values_list("day", "watch_ms", "counters")) == (
        figures
    )
