"""A viewer watches a real video in Debian's Chromium, leaves, and resumes.

Everything is real: the pipeline transcodes a lavfi clip into two rungs, the
live server starts playback sessions, signs and serves the media, and stores
heartbeats; Chromium plays the stream through hls.js (Media Source
Extensions, not its own HLS). Skipped only where /usr/bin/chromium is missing
outside CI; under CI=true a missing browser fails.
"""

import datetime
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import imageio_ffmpeg
import pytest
from django.core.files import File
from django.db import connections

from accounts.models import Plan, Profile, User
from analytics.store import day_read, store_clear
from catalog import services as catalog_services
from catalog.models import Title
from catalog.transcoding import pipeline
from playback.models import PlaybackSession, WatchProgress
from tests.catalog.factories import TitleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SOURCE_SECONDS = 24
EMAIL, PASSWORD = "watcher@example.com", "a-long-password-for-e2e"
# Generous, for a loaded 2-core CI machine; a passing run takes a fraction.
TIMEOUT_MS = 30_000


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def source_clip(tmp_path_factory) -> Path:
    """24 s of test pattern and tone at 640x360: room to play, leave and resume."""
    path = tmp_path_factory.mktemp("e2e-source") / "clip.mp4"
    graph = f"testsrc2=size=640x360:rate=25:duration={SOURCE_SECONDS}"
    tone = f"sine=frequency=440:sample_rate=48000:duration={SOURCE_SECONDS}"
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", graph, "-f", "lavfi", "-i", tone),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest", str(path)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def movie(settings, tmp_path, monkeypatch, source_clip) -> Title:
    """A published movie whose video went through the real pipeline: two rungs."""
    settings.TRANSCODE_LADDER = [(360, 800), (240, 400)]
    settings.TRANSCODE_X264_PRESET = "ultrafast"
    settings.TRANSCODE_SEGMENT_SECONDS = 4
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    # The pipeline runs right here, as a worker would: queue nothing.
    monkeypatch.setattr("catalog.tasks.video_transcode.delay", lambda *a, **k: None)

    title = TitleFactory(name="Glass Harvest", slug="glass-harvest")
    video = catalog_services.video_create(title=title)
    with open(source_clip, "rb") as handle:
        video = catalog_services.video_source_attach(
            video=video, file=File(handle, name="clip.mp4"), name="clip.mp4"
        )
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    assert outcome == "ready"
    video.refresh_from_db()
    assert video.renditions.filter(revision=video.revision).count() == 2
    title.refresh_from_db()
    return title


@pytest.fixture
def viewer() -> Profile:
    """An account on a plan that plays every title, with one profile."""
    plan = Plan.objects.create(
        name="E2E", slug="e2e", access_level="premium", max_streams=2, max_height=1080
    )
    user = User.objects.create_user(EMAIL, PASSWORD, plan=plan)
    return Profile.objects.create(user=user, name="Robin")


@pytest.fixture
def browser():
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _player_state(page) -> dict:
    return page.evaluate(
        """() => {
          const p = window.vodPlayer, root = document.getElementById('player');
          return {
            engine: p.engine, dataEngine: root.dataset.engine,
            state: root.dataset.state, events: p.events, counts: p.eventCounts,
            sessionId: p.sessionId, resumedFrom: p.resumedFrom,
            currentTime: p.video.currentTime, src: p.video.currentSrc || p.video.src,
            level: p.hls ? p.hls.currentLevel : null,
            heights: p.hls ? p.hls.levels.map((l) => l.height) : [],
          };
        }"""
    )


def _wait_playing_past(page, seconds: float) -> None:
    # A person clicks the big play button if the browser refused autoplay.
    big_play = page.locator(".player-big-play")
    if big_play.is_visible():
        big_play.click()
    page.wait_for_function(
        f"() => window.vodPlayer && window.vodPlayer.video.currentTime > {seconds}"
        " && !window.vodPlayer.video.paused",
        timeout=TIMEOUT_MS,
    )


def _query(read):
    """``read()`` in a thread of its own, which closes its connection after.

    Playwright's sync API runs an event loop in the test's thread, where Django
    refuses database calls (and would open a connection of its own that is
    never closed, keeping PostgreSQL from dropping the test database).
    """

    def run():
        try:
            return read()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _saved_position(profile: Profile, title: Title) -> float:
    progress = _query(
        lambda: WatchProgress.objects.filter(profile=profile, title=title).first()
    )
    return progress.position_seconds if progress else 0.0


def _session_ended(session_id: str) -> bool:
    return _query(
        lambda: PlaybackSession.objects.filter(
            pk=session_id, ended_at__isnull=False
        ).exists()
    )


def _counted(title: Title, since: datetime.date) -> dict:
    """The title's analytics counters from ``since`` to today (UTC), summed:
    a run that crosses midnight finds its counters on either day."""
    today = datetime.datetime.now(datetime.UTC).date()
    days = {since, today}
    totals: dict[str, int] = {}
    for day in days:
        for key, value in day_read(day).get(f"{title.pk}.0", {}).items():
            totals[key] = totals.get(key, 0) + value
    return totals


def test_viewer_signs_in_plays_switches_rungs_leaves_and_resumes(
    live_server, movie, viewer, browser
):
    # The browser comes last: its event loop makes database calls fail in this
    # thread, so the rows are made before it starts (and read through _query).
    started = time.monotonic()
    started_on = datetime.datetime.now(datetime.UTC).date()
    store_clear()  # this run's analytics only
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    media_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            media_requests.append(request.url)
            if "/media/" in request.url or "/playback/s/" in request.url
            else None
        ),
    )
    assert page.evaluate(
        """() => MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001e"')"""
    ), "this Chromium cannot decode H.264 through Media Source Extensions"

    # Sign in through the real form, starting from the title page.
    page.goto(f"{live_server.url}/titles/glass-harvest/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/titles/glass-harvest/")

    # Play: hls.js (MSE), not Chromium's own HLS; time advances.
    page.get_by_role("link", name="Play").click()
    page.wait_for_url(f"{live_server.url}/watch/glass-harvest/")
    _wait_playing_past(page, 1.0)
    first = _player_state(page)
    assert first["engine"] == first["dataEngine"] == "hls.js"
    assert first["src"].startswith("blob:"), "native HLS would play the URL itself"
    assert first["resumedFrom"] == 0
    assert {"MANIFEST_PARSED", "FRAG_LOADED", "LEVEL_SWITCHED"} <= set(first["events"])
    # The two rungs (the ladder keeps 16:9 on even sizes: "240" is 234 lines).
    heights = first["heights"]
    assert len(heights) == 2 and max(heights) == 360 and min(heights) < 360

    # A rung switch, through the quality menu.
    switches_before = first["counts"]["LEVEL_SWITCHED"]
    other_height = next(h for h in heights if h != heights[first["level"]])
    page.get_by_role("button", name="Quality").click()
    page.get_by_role("menuitemradio", name=f"{other_height}p").click()
    page.wait_for_function(
        f"""() => {{
          const hls = window.vodPlayer.hls;
          return hls.levels[hls.currentLevel].height === {other_height}
            && window.vodPlayer.eventCounts.LEVEL_SWITCHED > {switches_before}
            && document.getElementById('player').dataset.level === '{other_height}';
        }}"""
    )
    _wait_playing_past(page, first["currentTime"] + 1)

    # Heartbeats store the position (every 10 s): wait for one past 5 s.
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while _saved_position(viewer, movie) < 5 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _saved_position(viewer, movie) >= 5, "no heartbeat stored a position"
    session_id = _player_state(page)["sessionId"]

    # Every playlist and segment request carried CMCD naming the session and
    # the title, in the query string (for the CDN's logs).
    segments = [url for url in media_requests if ".m4s" in url]
    assert segments, media_requests
    for url in segments + [u for u in media_requests if ".m3u8" in u]:
        (cmcd,) = parse_qs(urlsplit(url).query)["CMCD"]
        assert f'sid="{session_id}"' in cmcd.split(","), url
        assert f'cid="{movie.pk}.0"' in cmcd.split(","), url

    # Leave: the player ends the session (keepalive) with its position.
    page.goto(f"{live_server.url}/")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not _session_ended(session_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session_ended(session_id), "leaving the page did not end the session"
    # Leaving also sent the seconds played per rendition (its beacon).
    while (
        "rendition_ms" not in _counted(movie, started_on)
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    counted = _counted(movie, started_on)
    assert counted.get("rendition_ms", 0) > 0, counted
    assert {f"rung_ms:{h}" for h in heights} & set(counted), counted
    assert counted.get("startups") == 1 and "exits_before_start" not in counted
    saved = _saved_position(viewer, movie)
    assert 5 <= saved < SOURCE_SECONDS

    # Come back: a new session resumes near the saved position.
    page.goto(f"{live_server.url}/watch/glass-harvest/")
    _wait_playing_past(page, saved)
    back = _player_state(page)
    assert back["sessionId"] != session_id
    assert abs(back["resumedFrom"] - saved) < 1
    assert saved <= back["currentTime"] < saved + 5
    assert not problems, problems
    # Leave cleanly, so no request is still running when the test database goes.
    page.goto(f"{live_server.url}/")
    page.close()
    print(f"e2e watch flow took {time.monotonic() - started:.1f}s")
