"""Signed-in playback traffic is throttled per account.

Session starts, heartbeats, telemetry and the other playback endpoints each
have a per-account rate (all of an account's devices and profiles together)
far above what its players send. Beyond it: 429 in the API's error shape with
``Retry-After``, before any work is done. Another account, or the next
window, is not affected; a new address per request buys nothing.
"""

import datetime
import os
import re
import subprocess
import sys
import time

import pytest
import redis.connection
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

from catalog.models import Title
from playback.models import PlaybackSession
from tests.catalog.factories import TitleFactory

from .conftest import api_for
from .factories import PlaybackSessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/playback/sessions/"
WINDOW_START = 60 * 1000.0


@pytest.fixture
def clock(monkeypatch):
    """Small per-account rates, and a clock 10 s into a minute-long window."""
    rates = {
        **SimpleRateThrottle.THROTTLE_RATES,
        "playback_start": "3/min",
        "heartbeat": "4/min",
        "telemetry": "2/min",
        "account": "3/min",
    }
    # DRF copies the rates into the throttle classes on import.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    now = {"now": WINDOW_START + 10.0}
    monkeypatch.setattr("vod.api.throttling.time.time", lambda: now["now"])
    return now


@pytest.fixture
def title(videos):
    return TitleFactory(
        access_level=Title.AccessLevel.FREE,
        maturity_rating=Title.Maturity.ALL,
        video=videos.video(0),
    )


def _assert_throttled(response):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["status"] == 429
    assert int(response["Retry-After"]) == 50  # until the minute's window ends


def _start(client, title, n):
    # Each from another address: the count is the account's, not the address's.
    return client.post(
        SESSIONS,
        {"title_id": title.pk, "device_id": f"device-{n}"},
        format="json",
        REMOTE_ADDR=f"198.51.100.{n}",
    )


def test_session_starts_beyond_the_account_rate_get_429(clock, viewers, title):
    premium = api_for(viewers.premium)
    kids = api_for(viewers.kids)  # another profile of the same account

    statuses = [_start(premium, title, 1).status_code]
    statuses += [_start(kids, title, n).status_code for n in (2, 3)]
    throttled = _start(premium, title, 4)

    assert statuses == [201, 201, 201]
    _assert_throttled(throttled)
    assert PlaybackSession.objects.count() == 3  # refused before any work
    assert _start(api_for(viewers.other), title, 5).status_code == 201
    clock["now"] = WINDOW_START + 60.0  # the next window
    assert _start(premium, title, 6).status_code == 201


def test_heartbeats_beyond_the_account_rate_get_429(clock, viewers):
    session = PlaybackSessionFactory(profile=viewers.premium)
    url = f"{SESSIONS}{session.pk}/heartbeat/"
    client = api_for(viewers.premium)

    statuses = [
        client.post(url, {"position": n}, format="json").status_code for n in range(4)
    ]
    throttled = client.post(url, {"position": 9}, format="json")

    assert statuses == [200] * 4
    _assert_throttled(throttled)
    other = PlaybackSessionFactory(profile=viewers.other)
    beat = api_for(viewers.other).post(
        f"{SESSIONS}{other.pk}/heartbeat/", {"position": 1}, format="json"
    )
    assert beat.status_code == 200


def test_an_account_over_its_heartbeat_rate_keeps_its_sessions_alive(
    clock, viewers, monkeypatch
):
    """One device beating far too often trips the account's heartbeat rate (a
    throttled beat keeps nothing alive); the household's other stream, beating
    as players do, still gets a beat through before its session times out."""
    rate = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["heartbeat"]
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "heartbeat", rate)
    every = django_settings.PLAYBACK_HEARTBEAT_SECONDS
    timeout = django_settings.PLAYBACK_SESSION_TIMEOUT_SECONDS
    # Sessions expire by the same clock: 10 s into a minute, as the fixture's.
    clock["now"] = start = (time.time() // 60 + 1) * 60 + 10.0
    monkeypatch.setattr(
        "django.utils.timezone.now",
        lambda: datetime.datetime.fromtimestamp(clock["now"], tz=datetime.UTC),
    )
    started = datetime.datetime.fromtimestamp(start, tz=datetime.UTC)
    buggy = PlaybackSessionFactory(profile=viewers.premium, last_seen_at=started)
    watching = PlaybackSessionFactory(profile=viewers.kids, last_seen_at=started)
    flooding, household = api_for(viewers.premium), api_for(viewers.kids)

    def beat(client, session):
        url = f"{SESSIONS}{session.pk}/heartbeat/"
        return client.post(url, {"position": 1}, format="json").status_code

    assert beat(household, watching) == 200
    flood = [beat(flooding, buggy) for _ in range(int(rate.split("/")[0]) + 1)]
    assert flood[-1] == 429
    statuses = []
    while clock["now"] + every < start + timeout:
        clock["now"] += every
        statuses.append(beat(household, watching))

    assert 200 in statuses
    watching.refresh_from_db()
    assert watching.expires_at > started + datetime.timedelta(seconds=timeout)


@pytest.mark.parametrize(
    ("rate", "refused"), [("4/s", False), ("240/min", True), ("1/h", True)]
)
def test_a_heartbeat_window_outlasting_the_session_is_refused_at_start(rate, refused):
    """A window that, with one heartbeat interval, reaches the session timeout
    would let one device's flood expire the account's streams."""
    env = {
        **os.environ,
        "API_HEARTBEAT_THROTTLE_RATE": rate,
        "PLAYBACK_HEARTBEAT_SECONDS": "10",
        "PLAYBACK_SESSION_TIMEOUT_SECONDS": "45",
    }

    loaded = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-c", "import vod.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert (loaded.returncode != 0) is refused, loaded.stderr
    if refused:
        assert "ImproperlyConfigured" in loaded.stderr
        assert "API_HEARTBEAT_THROTTLE_RATE" in loaded.stderr


def test_a_telemetry_batch_counts_once_whatever_its_size(clock, viewers):
    session = PlaybackSessionFactory(profile=viewers.premium)
    url = f"{SESSIONS}{session.pk}/telemetry/"
    client = api_for(viewers.premium)
    batch = {"events": [{"kind": "stall", "seconds": 0.5}] * 100}

    statuses = [client.post(url, batch, format="json").status_code for _ in range(2)]
    throttled = client.post(url, batch, format="json")

    assert statuses == [204, 204]
    _assert_throttled(throttled)
    # The batch limit stays: a bigger batch is refused whatever the rate.
    clock["now"] = WINDOW_START + 60.0
    too_big = {"events": [{"kind": "stall", "seconds": 0.5}] * 101}
    assert client.post(url, too_big, format="json").status_code == 400


def test_the_other_playback_endpoints_share_the_account_rate(clock, viewers):
    session = PlaybackSessionFactory(profile=viewers.premium)
    client = api_for(viewers.premium)

    statuses = [
        client.get("/api/v1/me/continue-watching/").status_code,
        client.get("/api/v1/me/history/").status_code,
        client.post(f"{SESSIONS}{session.pk}/end/", {}, format="json").status_code,
    ]
    throttled = client.get("/api/v1/me/watchlist/")

    assert statuses == [200, 200, 204]
    _assert_throttled(throttled)


@pytest.mark.parametrize(("analytics", "round_trips"), [(False, 1), (True, 2)])
def test_the_throttle_costs_a_start_one_cache_round_trip(
    videos, viewers, monkeypatch, settings, analytics, round_trips
):
    """The start and its master are the hot path (bench/playback.py): on Redis
    the account's count is one pipelined round trip, the play's analytics one
    more (one pipeline, see analytics.store), and the master none."""
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("the embedded run's cache is not Redis")
    settings.ANALYTICS_ENABLED = analytics
    title = TitleFactory(
        access_level=Title.AccessLevel.FREE,
        maturity_rating=Title.Maturity.ALL,
        video=videos.video(0),
    )
    client = api_for(viewers.premium)
    assert _start(client, title, 1).status_code == 201  # warm
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(
        redis.connection.AbstractConnection, "send_packed_command", counted
    )

    started = _start(client, title, 2)
    at_start = len(sent)
    master = client.get(started.json()["hls_url"])

    assert started.status_code == 201
    assert master.status_code == 200
    assert at_start == round_trips
    assert len(sent) == at_start


def _per_minute(rate: str) -> float:
    count, period = re.fullmatch(r"(\d+)/(\w+)", rate).groups()
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(count) * 60 / seconds


def test_default_rates_leave_a_full_household_far_below_them():
    rates = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    streams = 4  # the Premium plan's
    beats = 60 / django_settings.PLAYBACK_HEARTBEAT_SECONDS
    assert _per_minute(rates["heartbeat"]) >= 4 * streams * beats
    assert _per_minute(rates["telemetry"]) >= 4 * streams * 2  # a batch each 30 s
    assert _per_minute(rates["playback_start"]) >= 10
    assert _per_minute(rates["account"]) >= 60
