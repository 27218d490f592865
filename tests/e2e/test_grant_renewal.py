"""A playback far longer than its grants keeps playing on renewed grants.

Grants last five seconds here and heartbeats come every second; the player
applies each heartbeat's grant to every request after it (its hls.js loader).
Once the grant the session started with is dead the viewer switches rungs,
which loads a playlist and segments nobody fetched yet: they load with the
newest grant, nothing is refused, no error is fatal and the session is the
same one, also after the switch's own grant has died. Renewal is what kept it
playing. Media is served by Django with the HMAC signer, which checks each
grant's expiry as a CDN edge would.

The waits count renewals, not seconds: the k-th renewal comes at least k
seconds after the session started, however slow the machine. A grant expires
on a whole second (``signing.grant_expires``), so it lives between
LIFETIME - 1 and LIFETIME seconds; the first one has to outlast the player's
start (session, playlists, the first segments) until the first renewal, and
each one the next heartbeat's answer. With two-second grants that margin was
under a second, and a loaded machine lost the race; with five it is over three.
"""

import time
import urllib.error
import urllib.request

import pytest

from tests.e2e import test_watch as watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

source_clip = watch.source_clip
movie = watch.movie
viewer = watch.viewer
browser = watch.browser
LIFETIME = 5


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_renewals(page, count: int) -> None:
    """Until the player has taken ``count`` renewed grants: as many seconds and
    more since its session started, as heartbeats come at most once a second."""
    page.wait_for_function(
        f"() => window.vodPlayer.grantRenewals >= {count}", timeout=watch.TIMEOUT_MS
    )


def test_playback_outlives_many_grant_lifetimes_on_renewed_grants(
    live_server, movie, viewer, browser, settings
):
    settings.PLAYBACK_GRANT_LIFETIME_SECONDS = LIFETIME
    settings.PLAYBACK_HEARTBEAT_SECONDS = 1
    page = browser.new_page()
    page.set_default_timeout(watch.TIMEOUT_MS)
    problems: list[str] = []
    refused: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: (
            refused.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/watch/glass-harvest/")
    page.get_by_label("Email address").fill(watch.EMAIL)
    page.get_by_label("Password").fill(watch.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/watch/glass-harvest/")
    watch._wait_playing_past(page, 0.5)
    first_url = page.evaluate("() => window.vodPlayer.hls.url")
    session_id = watch._player_state(page)["sessionId"]

    # A lifetime and more on: the grant the session started with is dead...
    _wait_renewals(page, LIFETIME + 1)
    assert _status(first_url) == 403
    # ...and a rung nobody loaded yet loads on the newest one.
    state = watch._player_state(page)
    heights = state["heights"]
    other = next(h for h in heights if h != heights[state["level"]])
    switches = state["counts"].get("LEVEL_SWITCHED", 0)
    page.get_by_role("button", name="Quality").click()
    page.get_by_role("menuitemradio", name=f"{other}p").click()
    switched = f"""() => {{
      const hls = window.vodPlayer.hls;
      return !!hls && hls.levels[hls.currentLevel].height === {other}
        && window.vodPlayer.eventCounts.LEVEL_SWITCHED > {switches};
    }}"""
    deadline = time.monotonic() + watch.TIMEOUT_MS / 1000
    while not refused and not page.evaluate(switched):
        assert time.monotonic() < deadline, "the rung switch never completed"
        page.wait_for_timeout(200)
    assert not refused, refused
    # Past the grant of the switch, still playing.
    _wait_renewals(
        page, page.evaluate("() => window.vodPlayer.grantRenewals") + LIFETIME + 1
    )
    watch._wait_playing_past(page, watch._player_state(page)["currentTime"] + 0.5)

    final = watch._player_state(page)
    assert final["sessionId"] == session_id  # never restarted
    assert final["state"] not in ("error", "session-ended")
    assert not refused, refused
    assert not problems, problems
    page.goto(f"{live_server.url}/")
    page.close()
