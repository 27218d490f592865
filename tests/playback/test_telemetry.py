"""The player's telemetry beacon, and the playback counters it sits beside.

Each test reads ``/metrics`` before and after, so it pins what an operator
would see: valid beacons move the histograms, bad or foreign ones move nothing.
"""

import datetime
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from catalog.models import Title
from playback.models import PlaybackSession
from tests.catalog.factories import TitleFactory
from tests.e2e import test_watch as e2e

from .conftest import api_for
from .factories import PlaybackSessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/playback/sessions/"
ORIGIN = "http://testserver"
BATCH = {
    "events": [
        {"kind": "startup", "seconds": 1.5},
        {"kind": "stall", "seconds": 2.0},
        {"kind": "stall", "seconds": 0.5},
        {"kind": "rung_switch", "direction": "down"},
        {"kind": "error", "error_type": "network"},
    ]
}


def metrics() -> dict:
    text = Client().get("/metrics").content.decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


PLAYER_SERIES = [
    ("vod_player_startup_seconds_count", {}),
    ("vod_player_startup_seconds_sum", {}),
    ("vod_player_stall_seconds_count", {}),
    ("vod_player_stall_seconds_sum", {}),
    ("vod_player_rung_switches_total", {"direction": "down"}),
    ("vod_player_errors_total", {"type": "network"}),
]


def player_figures() -> list[float]:
    scraped = metrics()
    return [value(scraped, name, **labels) for name, labels in PLAYER_SERIES]


def telemetry_url(session) -> str:
    return f"{SESSIONS}{session.pk}/telemetry/"


@pytest.fixture
def session(viewers):
    return PlaybackSessionFactory(profile=viewers.premium)


@pytest.fixture
def signed_in(viewers):
    """The premium viewer's browser: signed in with the session cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewers.premium.user)
    return client


def beacon(client, url, body, **headers):
    """What navigator.sendBeacon sends: text/plain JSON, no CSRF header."""
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="text/plain;charset=UTF-8", **headers)


# --- Valid beacons feed the metrics ---------------------------------------------


def test_a_browser_beacon_feeds_every_player_metric(signed_in, session):
    before = player_figures()

    response = beacon(signed_in, telemetry_url(session), BATCH, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 204
    after = player_figures()
    assert [a - b for a, b in zip(after, before, strict=True)] == [
        1,
        1.5,
        2,
        2.5,
        1,
        1,
    ]


def test_a_beacon_without_origin_but_same_origin_fetch_metadata_counts(
    signed_in, session
):
    before = player_figures()

    response = beacon(
        signed_in, telemetry_url(session), BATCH, HTTP_SEC_FETCH_SITE="same-origin"
    )

    assert response.status_code == 204
    assert player_figures() != before


def test_an_app_reports_with_its_jwt(viewers, session):
    client = APIClient()
    access = RefreshToken.for_user(viewers.premium.user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    before = player_figures()

    response = client.post(telemetry_url(session), BATCH, format="json")

    assert response.status_code == 204
    assert player_figures()[2] == before[2] + 2


def test_a_sessions_startup_time_counts_once(signed_in, session):
    before = player_figures()
    startup = {"events": [{"kind": "startup", "seconds": 3}]}

    for _ in range(3):
        beacon(signed_in, telemetry_url(session), startup, HTTP_ORIGIN=ORIGIN)

    after = player_figures()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 3)


# --- Who may report -------------------------------------------------------------


def test_a_cross_site_beacon_with_the_cookie_is_refused(signed_in, session):
    before = player_figures()

    for headers in (
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {},
    ):
        response = beacon(signed_in, telemetry_url(session), BATCH, **headers)
        assert response.status_code == 403, headers
        assert response.json()["error"]["code"] == "permission_denied"
    assert player_figures() == before


def test_anonymous_beacons_are_401(session):
    response = beacon(Client(), telemetry_url(session), BATCH, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_another_accounts_session_is_404_and_records_nothing(viewers, session):
    intruder = Client()
    intruder.force_login(viewers.other.user)
    before = player_figures()

    response = beacon(intruder, telemetry_url(session), BATCH, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert player_figures() == before


def test_a_kids_profile_of_the_same_account_may_report(viewers):
    kids_session = PlaybackSessionFactory(profile=viewers.kids)
    client = api_for(viewers.premium)  # same account, another profile

    response = client.post(telemetry_url(kids_session), BATCH, format="json")

    assert response.status_code == 204


@pytest.mark.parametrize("how", ["ended", "quiet"])
def test_a_session_over_for_longer_than_a_grant_lifetime_is_410(
    signed_in, viewers, how
):
    old = PlaybackSessionFactory(profile=viewers.premium)
    lifetime = datetime.timedelta(seconds=settings.PLAYBACK_GRANT_LIFETIME_SECONDS)
    long_ago = timezone.now() - lifetime - datetime.timedelta(seconds=60)
    field = "ended_at" if how == "ended" else "expires_at"
    PlaybackSession.objects.filter(pk=old.pk).update(**{field: long_ago})
    before = player_figures()

    response = beacon(signed_in, telemetry_url(old), BATCH, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "session_ended"
    assert player_figures() == before


def test_a_session_reports_while_live_and_its_last_batch_after_it_ends(
    signed_in, viewers
):
    """However long it has played (heartbeats renew it without limit), and for
    one grant lifetime after it ends, while its URLs may still play."""
    session = PlaybackSessionFactory(profile=viewers.premium)
    PlaybackSession.objects.filter(pk=session.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=12)
    )

    live = beacon(signed_in, telemetry_url(session), BATCH, HTTP_ORIGIN=ORIGIN)
    PlaybackSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    last = beacon(signed_in, telemetry_url(session), BATCH, HTTP_ORIGIN=ORIGIN)

    assert live.status_code == 204
    assert last.status_code == 204


# --- Bad input: 4xx in the error shape, nothing recorded --------------------------

BAD_BATCHES = {
    "not json": "{events: [",
    "not an object": json.dumps([{"kind": "stall", "seconds": 1}]),
    "no events": json.dumps({"events": []}),
    "unknown kind": json.dumps({"events": [{"kind": "buffering", "seconds": 1}]}),
    "negative": json.dumps({"events": [{"kind": "stall", "seconds": -1}]}),
    "too long a stall": json.dumps({"events": [{"kind": "stall", "seconds": 1e9}]}),
    "too long a startup": json.dumps({"events": [{"kind": "startup", "seconds": 601}]}),
    "not a number": json.dumps({"events": [{"kind": "stall", "seconds": "slow"}]}),
    "nan": '{"events": [{"kind": "stall", "seconds": NaN}]}',
    "missing seconds": json.dumps({"events": [{"kind": "startup"}]}),
    "unknown direction": json.dumps(
        {"events": [{"kind": "rung_switch", "direction": "sideways"}]}
    ),
    "unknown error type": json.dumps(
        {"events": [{"kind": "error", "error_type": "<script>"}]}
    ),
    "too many events": json.dumps({"events": [{"kind": "stall", "seconds": 1}] * 101}),
    # A valid first event must not be recorded when a later one is bad.
    "one bad among good": json.dumps(
        {"events": [{"kind": "stall", "seconds": 1}, {"kind": "stall"}]}
    ),
}


@pytest.mark.parametrize("body", BAD_BATCHES.values(), ids=BAD_BATCHES.keys())
def test_bad_batches_are_400_and_record_nothing(signed_in, session, body):
    before = player_figures()

    response = beacon(signed_in, telemetry_url(session), body, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["code"] in {"invalid", "parse_error"}
    assert player_figures() == before


def test_an_oversized_body_is_413_and_records_nothing(signed_in, session):
    padding = " " * (16 * 1024)
    body = json.dumps(BATCH) + padding
    before = player_figures()

    response = beacon(signed_in, telemetry_url(session), body, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert player_figures() == before


def test_an_unknown_session_is_404(signed_in):
    url = f"{SESSIONS}00000000-0000-4000-8000-000000000000/telemetry/"

    response = beacon(signed_in, url, BATCH, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 404


# --- Starts and refusals ----------------------------------------------------------


def test_started_and_refused_sessions_are_counted_by_reason(viewers, videos):
    title = TitleFactory(
        access_level=Title.AccessLevel.PREMIUM,
        maturity_rating=Title.Maturity.AGE_16,
        video=videos.video(0),
    )
    before = metrics()

    started = api_for(viewers.premium).post(
        SESSIONS, {"title_id": title.pk}, format="json"
    )
    upgrade = api_for(viewers.free).post(
        SESSIONS, {"title_id": title.pk}, format="json"
    )
    maturity = api_for(viewers.kids).post(
        SESSIONS, {"title_id": title.pk}, format="json"
    )

    assert (started.status_code, upgrade.status_code, maturity.status_code) == (
        201,
        403,
        403,
    )
    after = metrics()
    name = "vod_playback_sessions_refused_total"
    assert value(after, "vod_playback_sessions_started_total") == (
        value(before, "vod_playback_sessions_started_total") + 1
    )
    for reason in ("upgrade_required", "maturity"):
        assert (
            value(after, name, reason=reason) == value(before, name, reason=reason) + 1
        )


# --- Documented -------------------------------------------------------------------


def test_the_beacon_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/playback/sessions/{session_id}/telemetry/"][
        "post"
    ]
    assert operation["operationId"] == "playback_session_telemetry"
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "text/plain",
    }
    assert {"204", "400", "403", "404", "413"} <= set(operation["responses"])
    assert "sendBeacon" in operation["description"]


# --- A real browser ------------------------------------------------------------------


# The watch page's end-to-end fixtures: a really transcoded movie, a viewer, and
# Debian's Chromium.
source_clip, movie, viewer, browser = (
    e2e.source_clip,
    e2e.movie,
    e2e.viewer,
    e2e.browser,
)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_player_beacons_startup_and_rung_switches_from_chromium(
    live_server, movie, viewer, browser
):
    def figure(name, **labels):
        # Read in-process (the live server shares it): no database call from
        # Playwright's event loop thread.
        return REGISTRY.get_sample_value(name, labels) or 0.0

    startups = figure("vod_player_startup_seconds_count")
    switches = sum(
        figure("vod_player_rung_switches_total", direction=d) for d in ("up", "down")
    )
    page = browser.new_page()
    page.set_default_timeout(e2e.TIMEOUT_MS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(e2e.EMAIL)
    page.get_by_label("Password").fill(e2e.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/watch/glass-harvest/")
    e2e._wait_playing_past(page, 1.0)
    heights = page.evaluate("() => window.vodPlayer.hls.levels.map((l) => l.height)")
    playing = page.evaluate("() => window.vodPlayer.hls.currentLevel")
    other = next(h for h in heights if h != heights[playing])
    page.get_by_role("button", name="Quality").click()
    page.get_by_role("menuitemradio", name=f"{other}p").click()
    page.wait_for_function(
        f"() => document.getElementById('player').dataset.level === '{other}'"
    )
    # Leaving the page flushes the batch with sendBeacon.
    page.goto(f"{live_server.url}/")

    deadline = timezone.now() + datetime.timedelta(seconds=10)
    while timezone.now() < deadline:
        if figure("vod_player_startup_seconds_count") > startups:
            break
        page.wait_for_timeout(200)
    assert figure("vod_player_startup_seconds_count") == startups + 1
    assert (
        sum(
            figure("vod_player_rung_switches_total", direction=d)
            for d in ("up", "down")
        )
        >= switches + 1
    )
