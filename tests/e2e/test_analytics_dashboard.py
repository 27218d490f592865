"""An editor opens the analytics in Chromium: a watched title's page draws its
charts with data points, an unwatched one's says there is nothing yet.

The figures come the real way: a small audience is recorded through the
analytics services into the store, the rollup writes the day's rows, and the
live server renders the admin pages (no script: the charts are SVG).
"""

import datetime

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from analytics import services as analytics
from analytics.rollup import analytics_rollup
from analytics.store import store_clear
from tests.catalog.factories import TitleFactory
from tests.e2e import test_watch as watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

browser = watch.browser
EMAIL, PASSWORD = "analyst@example.com", "an-editors-long-password"
DURATION = 100.0


@pytest.fixture
def editor():
    user = User.objects.create_user(email=EMAIL, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def audience(title, viewers: int) -> None:
    """``viewers`` plays; the n-th watches n tenths of the video, then exits."""
    now = datetime.datetime.now(datetime.UTC)
    for n in range(1, viewers + 1):
        analytics.analytics_play_record(
            title_id=title.pk, episode_id=None, profile_id=n, plan="free",
            device_type="browser", at=now,
        )  # fmt: skip
        analytics.analytics_qoe_record(
            title_id=title.pk, episode_id=None, plan="free", device_type="browser",
            pathway="a", at=now,
            events=[
                {"kind": "startup", "seconds": 0.2 * n},
                {"kind": "rendition", "seconds": 10.0 * n, "height": 360, "kbps": 800},
            ],
        )  # fmt: skip
        step = analytics.analytics_watch_step(
            title_id=title.pk, episode_id=None, duration=DURATION, previous=0.0,
            position=10.0 * n - 1, elapsed=10.0 * n, seen=0,
        )  # fmt: skip
        step.record(at=now)


@pytest.fixture
def titles(settings):
    """A watched title, rolled up, and one nobody watched (made before the
    browser starts: Playwright's sync API runs an event loop in this thread)."""
    settings.ANALYTICS_ENABLED = True
    settings.ANALYTICS_RETENTION_BUCKETS = 10
    store_clear()
    watched = TitleFactory(name="Watched Film")
    unwatched = TitleFactory(name="Quiet Film")
    audience(watched, viewers=10)
    assert analytics_rollup() == 1
    yield watched, unwatched
    store_clear()


def test_the_dashboard_draws_charts_for_a_watched_title_and_an_empty_state(
    live_server, editor, titles, browser
):
    watched, unwatched = titles
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", EMAIL)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#content")

        page.goto(f"{live_server.url}/admin/analytics/titleday/title/{watched.pk}/")
        retention = page.locator('svg[data-chart="retention"]')
        assert retention.get_attribute("role") == "img"
        assert retention.locator("title").first.text_content() == "Audience retention"
        assert retention.locator("circle.point").count() == 10
        # Ten plays reached the first tenth: the first point is at the top.
        first_point = retention.locator("circle.point title").first.text_content()
        assert first_point == "0%: Plays still watching (%) 100"
        startup = page.locator('svg[data-chart="startup"] rect.bar')
        assert startup.count() == 13
        heights = [float(startup.nth(i).get_attribute("height")) for i in range(13)]
        assert sum(h > 0 for h in heights) >= 4
        box = retention.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        assert page.locator("#analytics-empty").count() == 0

        page.goto(f"{live_server.url}/admin/")
        page.click("text=Audience and quality")
        trend = page.locator('svg[data-chart="trend"]')
        assert trend.locator("polyline.series").count() == 2
        assert trend.locator("circle.point").count() == 2 * 28
        top = page.locator('svg[data-chart="top-titles"] rect.bar')
        assert top.count() == 1
        assert "Watched Film" in top.locator("title").text_content()

        page.goto(f"{live_server.url}/admin/analytics/titleday/title/{unwatched.pk}/")
        empty = page.locator("#analytics-empty")
        assert empty.is_visible()
        assert "No figures for Quiet Film" in empty.inner_text()
        assert page.locator("svg.analytics-chart").count() == 0
    finally:
        page.close()
