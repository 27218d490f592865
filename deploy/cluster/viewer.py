"""The cluster test's viewer: a signed-in account playing in Chromium (hls.js),
and every media segment it fetched, from which edge, with which status.
"""

import contextlib
import sys
import time
from urllib.parse import urlsplit

from cluster import log
from scenario import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# As tests/e2e/test_watch.py launches it.
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


class Viewer:
    """A Chromium page, the segments it fetched and what went wrong on the way."""

    def __init__(self, page):
        self.page = page
        self.segments: list[tuple[float, str, int]] = []  # (when, host, status)
        self.console: list[str] = []
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)

    def _on_response(self, response):
        url = urlsplit(response.url)
        if response.status >= 400:
            self.console.append(f"{response.status} {response.url[:150]}")
        if url.path.endswith(".m4s") or url.path.endswith(".mp4"):
            self.segments.append((time.monotonic(), url.netloc, response.status))

    def _on_failed(self, request):
        url = urlsplit(request.url)
        self.console.append(f"failed {request.failure} {request.url[:150]}")
        if url.path.endswith((".m4s", ".mp4")):
            self.segments.append((time.monotonic(), url.netloc, 0))

    def play(self, lb: str, email: str) -> set[str]:
        """Sign in, open the watch page, play; the edges that served segments."""
        page = self.page
        page.goto(f"{lb}/accounts/login/?next=/watch/cluster-harbor/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{lb}/watch/cluster-harbor/")
        big_play = page.locator(".player-big-play")
        with contextlib.suppress(Exception):
            if big_play.is_visible():
                big_play.click()
        page.on("console", lambda message: self.console.append(message.text))
        try:
            page.wait_for_function(
                "() => window.vodPlayer && window.vodPlayer.video.currentTime > 1"
            )
        except Exception:
            print("\n".join(self.console[-30:]), self.segments[-20:], file=sys.stderr)
            print(page.content()[-3000:], file=sys.stderr)
            raise
        hosts = {host for _, host, status in self.segments if status == 200}
        log(f"Chromium plays, segments from {sorted(hosts)}")
        return hosts

    def current_time(self) -> float:
        """The player's position in seconds."""
        return self.page.evaluate("() => window.vodPlayer.video.currentTime")

    def current_time_and_paused(self) -> list:
        """[position in seconds, whether the player is paused]."""
        return self.page.evaluate(
            "() => [window.vodPlayer.video.currentTime, window.vodPlayer.video.paused]"
        )

    def wait(self, milliseconds: int) -> None:
        """Let the page run for ``milliseconds``."""
        self.page.wait_for_timeout(milliseconds)


@contextlib.contextmanager
def chromium_viewer():
    """A ``Viewer`` on a fresh headless Chromium, closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.set_default_timeout(60_000)
        yield Viewer(page)
        browser.close()
