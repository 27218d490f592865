"""A simulated audience through playback's services, rolled up: exact figures.

Runs on the embedded default (diskcache) and, service-backed, on Redis.
"""

import datetime

import pytest
from django.utils import timezone

from analytics import services as analytics
from analytics.models import TitleDay
from analytics.rollup import analytics_rollup
from playback import services
from playback.telemetry import playback_telemetry_record
from tests.catalog.factories import TitleFactory, VideoFactory
from tests.playback.factories import (
    PlaybackSessionFactory,
    ProfileFactory,
    UserFactory,
    plan,
)

pytestmark = pytest.mark.django_db

HEARTBEAT = 10.0


def heartbeat(session, position: float, *, after: float = HEARTBEAT) -> None:
    """A heartbeat ``after`` seconds after the session's last one."""
    session.last_seen_at = timezone.now() - datetime.timedelta(seconds=after)
    services.playback_session_heartbeat(session=session, position=position)


@pytest.fixture
def movie():
    return TitleFactory(name="Tide Line", video=VideoFactory(duration_seconds=100))


def play(title, profile, device_type: str):
    """A session started as ``playback_session_start`` starts one (no media)."""
    session = PlaybackSessionFactory(
        profile=profile, title=title, video=title.video, watched_position=None
    )
    analytics.analytics_play_record(
        title_id=title.pk,
        episode_id=None,
        profile_id=profile.pk,
        plan=profile.user.plan.slug,
        device_type=device_type,
    )
    return session


def test_a_simulated_audience_gives_exact_figures_and_retention(movie):
    free = [ProfileFactory(user=UserFactory(plan=plan("free"))) for _ in range(4)]
    premium = [ProfileFactory(user=UserFactory(plan=plan("premium"))) for _ in range(3)]
    profiles = free + premium
    sessions = []
    for k in range(10):  # 10 plays by 7 profiles: 3 come back
        device = ("browser", "app", "tv")[k % 3]
        session = play(movie, profiles[k % 7], device)
        sessions.append(session)
        # Play k watches from the start to 10 * (k + 1) seconds, then leaves.
        for position in range(10, 10 * (k + 1) + 1, 10):
            heartbeat(session, float(position))
    # Play 0 pauses (same position), then seeks from 10 s to 80 s, watches 10 s.
    heartbeat(sessions[0], 10.0)
    heartbeat(sessions[0], 80.0)
    heartbeat(sessions[0], 90.0)
    # Play 9 watched it all, seeks back to the start and watches 20 s again:
    # watch time, but no bucket it has reached counts twice.
    heartbeat(sessions[9], 0.0)
    heartbeat(sessions[9], 10.0)
    heartbeat(sessions[9], 20.0)
    # Player telemetry: startups, stalls, a fatal error, an exit, renditions.
    user = premium[0].user
    playback_telemetry_record(
        session=sessions[4],
        user=user,
        device_type="tv",
        pathway="default",
        events=[
            {"kind": "startup", "seconds": 1.2},
            {"kind": "stall", "seconds": 2.5},
            {"kind": "stall", "seconds": 0.5},
            {"kind": "rendition", "seconds": 8.0, "height": 720, "kbps": 3000},
            {"kind": "rendition", "seconds": 2.0, "height": 360, "kbps": 800},
        ],
    )
    playback_telemetry_record(
        session=sessions[5],
        user=free[1].user,
        device_type="browser",
        pathway="unknown-cdn",  # not offered: counted without a pathway
        events=[
            {"kind": "startup", "seconds": 40.0},
            {"kind": "error", "error_type": "network"},
            {"kind": "exit"},
        ],
    )

    assert analytics_rollup() == 1
    row = TitleDay.objects.get(title=movie, episode=None)

    assert row.day == timezone.now().astimezone(datetime.UTC).date()
    assert (row.plays, row.viewers) == (10, 7)
    # 10 + 20 + ... + 100 seconds, plus play 0's 10 s after its seek and play
    # 9's 20 s again; the pause adds nothing.
    assert row.watch_ms == (550 + 10 + 20) * 1000
    # Bucket b (10 s each) is reached by the plays that got to 10 * b seconds;
    # play 0 reached buckets 8 and 9 after its seek.
    assert row.retention(10) == [1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.4, 0.3]
    c = row.counters
    assert row.seeks == 2
    assert (c["seek_from:1"], c["seek_to:8"], c["seek_from:9"], c["seek_to:0"]) == (
        1, 1, 1, 1,
    )  # fmt: skip
    assert (c["plays|plan:free"], c["plays|plan:premium"]) == (7, 3)
    assert (c["plays|device:browser"], c["plays|device:app"]) == (4, 3)
    assert c["plays|device:tv"] == 3
    assert (row.startups, row.startup_ms) == (2, 41200)
    assert c["startup:1.5"] == 1 and c["startup:inf"] == 1
    assert c["startup:1.5|device:tv"] == 1 and c["startup:inf|device:browser"] == 1
    assert c["startup:1.5|pathway:default"] == 1
    assert c["startup:inf|pathway:"] == 1
    assert (row.stalls, row.stall_ms) == (2, 3000)
    assert c["stall_ms|plan:premium"] == 3000
    assert (row.errors, c["error:network"], c["errors|plan:free"]) == (1, 1, 1)
    assert row.exits_before_start == 1
    assert (c["rung_ms:720"], c["rung_ms:360"], c["rendition_ms"]) == (
        8000, 2000, 10000,
    )  # fmt: skip
    assert c["kbit"] == 8 * 3000 + 2 * 800


def test_an_episode_counts_its_viewers_under_the_series_too():
    series = TitleFactory(name="Harbour Lights")
    profile = ProfileFactory()
    for episode_id in (101, 102):
        analytics.analytics_play_record(
            title_id=series.pk,
            episode_id=episode_id,
            profile_id=profile.pk,
            plan="free",
            device_type="browser",
        )
    from analytics.store import day_read

    found = day_read(timezone.now().astimezone(datetime.UTC).date())
    assert found[f"{series.pk}.101"]["viewers"] == 1
    assert found[f"{series.pk}.0"]["viewers"] == 1


def test_nothing_is_counted_while_analytics_is_off(settings, movie):
    settings.ANALYTICS_ENABLED = False
    session = play(movie, ProfileFactory(user=UserFactory(plan=plan("free"))), "tv")
    heartbeat(session, 10.0)

    assert analytics_rollup() == 0
    assert not TitleDay.objects.exists()
