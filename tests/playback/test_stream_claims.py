"""The start's stream claim: exact under concurrent starts, nothing written when
refused (one statement on PostgreSQL, steps on SQLite: the same behaviour)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from playback import refusals, services
from playback.models import PlaybackSession
from tests.catalog.factories import TitleFactory

from .factories import PlanFactory, PlaybackSessionFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def start(profile, title, **kwargs) -> PlaybackSession:
    started = services.playback_session_start(
        profile=profile, title_id=title.pk, **kwargs
    )
    return started.session


def race(profile, movie, device_ids: list[str]) -> list[str]:
    """Start from every device at once; each one's outcome."""
    barrier = threading.Barrier(len(device_ids))

    def attempt(device_id: str) -> str:
        try:
            barrier.wait(timeout=10)
            start(profile, movie, device_id=device_id)
            return f"{device_id} started"
        except refusals.TooManyStreams:
            return f"{device_id} refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(device_ids)) as pool:
        return list(pool.map(attempt, device_ids))


@pytest.mark.django_db(transaction=True)
def test_six_devices_racing_for_two_streams_get_exactly_two(videos):
    movie = TitleFactory(video=videos.video())
    # Not the migrations' plans: other transactional tests flush them.
    duo = PlanFactory(slug="duo", access_level="free", max_streams=2)
    profile = ProfileFactory(user=UserFactory(plan=duo))

    for attempt in range(3):
        PlaybackSession.objects.all().delete()
        outcomes = race(profile, movie, [f"device-{n}" for n in range(6)])

        started = [o for o in outcomes if o.endswith("started")]
        assert len(started) == 2, (attempt, outcomes)
        live = PlaybackSession.objects.filter(ended_at__isnull=True)
        assert sorted(f"{s.device_id} started" for s in live) == sorted(started)


@pytest.mark.django_db(transaction=True)
def test_a_device_restarting_while_another_starts_keeps_the_only_stream(videos):
    movie = TitleFactory(video=videos.video())
    solo = PlanFactory(slug="solo", access_level="free", max_streams=1)
    profile = ProfileFactory(user=UserFactory(plan=solo))
    first = start(profile, movie, device_id="tv")

    outcomes = race(profile, movie, ["tv", "phone"])

    # Whichever goes first, the TV's stream is in the phone's way.
    assert outcomes == ["tv started", "phone refused"]
    live = PlaybackSession.objects.get(ended_at__isnull=True)
    assert (live.device_id, live.pk != first.pk) == ("tv", True)


def test_a_refused_restart_leaves_the_devices_earlier_session_playing(videos):
    movie = TitleFactory(video=videos.video())
    solo = PlanFactory(slug="solo", access_level="free", max_streams=1)
    profile = ProfileFactory(user=UserFactory(plan=solo))
    # Two live streams: the account had a larger plan until a moment ago.
    tv, phone = (
        PlaybackSessionFactory(profile=profile, title=movie, video=movie.video,
                               device_id=device)
        for device in ("tv", "phone")
    )  # fmt: skip

    with pytest.raises(refusals.TooManyStreams) as refused:
        start(profile, movie, device_id="tv")

    # The phone is in the way; the TV's session, which the start would have
    # replaced, still plays, and nothing was inserted.
    assert [d["device"] for d in refused.value.extra["active_devices"]] == [
        phone.device
    ]
    assert PlaybackSession.objects.filter(ended_at__isnull=True).count() == 2
    assert PlaybackSession.objects.count() == 2
    tv.refresh_from_db()
    assert tv.ended_at is None
