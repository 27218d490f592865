"""The editors' analytics API: who may read it, what it answers."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from tests.analytics.rows import DAY, HOUR, PERIOD, day_row, days
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory
from tests.test_openapi_conformance import (  # noqa: F401 (a fixture)
    CHECKS,
    _connections_kept_between_requests,
    schema,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(api_client, editor_user):
    api_client.force_authenticate(editor_user)
    return api_client


def title_url(title) -> str:
    return reverse("api-analytics-title", args=[title.pk])


def test_a_series_figures_roll_up_its_episodes(editor, settings):
    settings.ANALYTICS_RETENTION_BUCKETS = 4
    season = SeasonFactory()
    first = EpisodeFactory(season=season, number=1)
    second = EpisodeFactory(season=season, number=2)
    day_row(season.title, episode=first, plays=3, viewers=3, watch_ms=HOUR,
            counters={"reach:0": 3, "reach:3": 3})  # fmt: skip
    day_row(season.title, episode=second, plays=1, viewers=1, watch_ms=HOUR,
            counters={"reach:0": 1})  # fmt: skip
    day_row(season.title, viewers=3)

    response = editor.get(title_url(season.title), PERIOD)

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == PERIOD
    assert (body["plays"], body["watch_hours"]) == (4, 2.0)
    assert (body["viewers_min"], body["viewers_max"]) == (3, 3)
    assert body["retention"] == [1.0, 0.0, 0.0, 0.75]
    assert body["completion_rate"] == 0.75
    assert [e["plays"] for e in body["episodes"]] == [3, 1]
    assert body["episodes"][1]["completion_rate"] == 0.0
    assert "viewers_note" in body
    assert body["daily"][0] == {"day": DAY.isoformat(), "plays": 4, "watch_hours": 2.0}


def test_one_episodes_figures_and_bad_episodes(editor):
    season = SeasonFactory()
    episode = EpisodeFactory(season=season, number=1)
    day_row(season.title, episode=episode, plays=2, viewers=2)
    url = title_url(season.title)

    body = editor.get(url, {**PERIOD, "episode": episode.pk}).json()
    assert (body["episode"]["id"], body["plays"], body["viewers_max"]) == (
        episode.pk,
        2,
        2,
    )
    assert editor.get(url, {"episode": EpisodeFactory().pk}).status_code == 404
    for bad in ("first", "²", "9" * 30):
        response = editor.get(url, {"episode": bad})
        assert response.status_code == 400, bad
        assert "episode" in response.json()["error"]["fields"]


def test_the_overview_answers_the_top_titles_and_the_trend(editor):
    title = TitleFactory(name="Top")
    day_row(title, day=DAY + days(1), plays=2, watch_ms=2 * HOUR)
    day_row(title, day=DAY - days(6), plays=1, watch_ms=HOUR)

    body = editor.get(reverse("api-analytics-overview"), PERIOD).json()

    assert body["top_titles"] == [
        {
            "title_id": title.pk,
            "name": "Top",
            "plays": 2,
            "watch_hours": 2.0,
            "previous_plays": 1,
            "previous_watch_hours": 1.0,
            "change": 1.0,
        }
    ]
    assert body["previous_period"] == {
        "from": (DAY - days(7)).isoformat(),
        "to": (DAY - days(1)).isoformat(),
    }
    assert [d["plays"] for d in body["trend"]][:2] == [0, 2]
    assert [d["previous_plays"] for d in body["trend"]][:2] == [0, 1]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2026-13-01"}, "from", "`from` must be a date as YYYY-MM-DD."),
        ({"to": "soon"}, "to", "`to` must be a date as YYYY-MM-DD."),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "from", "on or before"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from", "at most 366 days"),
        ({"from": "0001-01-01", "to": "0001-01-05"}, "from", "on or after 2000-01-01"),
    ],
)
def test_bad_dates_are_a_400_saying_which_and_why(editor, query, field, message):
    response = editor.get(reverse("api-analytics-overview"), query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert message in error["fields"][field][0]


def test_an_unknown_title_is_a_404(editor):
    assert editor.get("/api/v1/analytics/titles/999999/").status_code == 404


def test_viewers_and_staff_without_the_permission_get_a_403(api_client):
    title = TitleFactory()
    viewer = User.objects.create_user(email="viewer@example.com")
    staff = User.objects.create_user(email="staff@example.com", is_staff=True)
    for user in (viewer, staff):
        api_client.force_authenticate(user)
        for url in (title_url(title), reverse("api-analytics-overview")):
            response = api_client.get(url)
            assert response.status_code == 403, (user, url)
            assert response.json()["error"]["code"] == "permission_denied"


def test_an_anonymous_request_is_a_401(api_client):
    assert api_client.get(reverse("api-analytics-overview")).status_code == 401


@pytest.mark.usefixtures("_connections_kept_between_requests")
def test_full_figures_answer_as_the_schema_documents(settings):
    """The conformance run sees empty figures; these have every kind of value,
    nulls included (no startups by plan, plays unknown by pathway)."""
    settings.ANALYTICS_RETENTION_BUCKETS = 4
    season = SeasonFactory()
    episode = EpisodeFactory(season=season, number=1)
    counters = {
        "reach:0": 2, "seek_to:2": 1, "seek_from:0": 1, "plays|plan:free": 2,
        "plays|device:tv": 2, "startups|pathway:a": 2, "startup:1|pathway:a": 2,
        "startup:1": 2, "startup:inf": 1, "rendition_ms": 5_000, "kbit": 4_000,
        "rung_ms:720": 5_000, "switch:up": 1,
    }  # fmt: skip
    day_row(season.title, episode=episode, plays=2, viewers=2, watch_ms=HOUR,
            startups=3, stall_ms=100, counters=counters)  # fmt: skip
    day_row(season.title, viewers=2)
    other = TitleFactory()
    for day in (DAY - days(7), DAY):
        for title in (season.title, other):
            day_row(title, day=day + days(1), plays=60, startups=60,
                    watch_ms=HOUR, stall_ms=HOUR // 10 if day == DAY else 1,
                    counters={"startup:1": 60})  # fmt: skip
    user = User.objects.create_user(email="editor@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}

    title_case = schema["/api/v1/analytics/titles/{id}/"]["GET"].Case(
        path_parameters={"id": season.title.pk}, query=PERIOD
    )
    response = title_case.call_and_validate(headers=headers, checks=CHECKS)
    body = response.json()
    assert body["breakdowns"]["pathway"][0]["plays"] is None
    assert body["episodes"][0]["qoe"]["startup_p95_s"] == 30.0
    overview_case = schema["/api/v1/analytics/overview/"]["GET"].Case(query=PERIOD)
    response = overview_case.call_and_validate(headers=headers, checks=CHECKS)
    assert len(response.json()["qoe_worse"]) == 2
