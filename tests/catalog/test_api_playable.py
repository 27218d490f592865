"""The title list and detail say which titles can be played now, and filter on it."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Title, Video
from catalog.services import video_lease as video_services
from tests.catalog.factories import (
    EpisodeFactory,
    GenreFactory,
    SeasonFactory,
    TitleFactory,
    VideoFactory,
    catalog_populate,
)

pytestmark = pytest.mark.django_db

TITLES = "/api/v1/titles/"
SEARCH = "/api/v1/search/"


def ready_video(**kwargs) -> Video:
    return VideoFactory(status=Video.Status.READY, revision="r1", **kwargs)


@pytest.fixture
def no_cache(settings):
    settings.CATALOG_CACHE_SECONDS = 0


@pytest.fixture
def shelf(no_cache):
    """One title of each kind of playability."""
    ready_series = TitleFactory(name="Ready Series", series=True)
    season = SeasonFactory(title=ready_series, number=1)
    EpisodeFactory(season=season, number=1)  # no video yet
    EpisodeFactory(season=season, number=2, video=ready_video())
    empty_series = TitleFactory(name="Empty Series", series=True)
    EpisodeFactory(
        season=SeasonFactory(title=empty_series, number=1),
        video=VideoFactory(status=Video.Status.PROCESSING),
    )
    return {
        "Ready Movie": TitleFactory(name="Ready Movie", video=ready_video()),
        "Preview Movie": TitleFactory(
            name="Preview Movie",
            video=VideoFactory(status=Video.Status.PROCESSING, preview_revision="p1"),
        ),
        "Encoding Movie": TitleFactory(
            name="Encoding Movie", video=VideoFactory(status=Video.Status.PROCESSING)
        ),
        "Failed Movie": TitleFactory(
            name="Failed Movie", video=VideoFactory(status=Video.Status.FAILED)
        ),
        "Bare Movie": TitleFactory(name="Bare Movie"),
        "Ready Series": ready_series,
        "Empty Series": empty_series,
    }


PLAYABLE = {"Ready Movie", "Preview Movie", "Ready Series"}


def playable_by_name(response) -> dict[str, bool]:
    assert response.status_code == 200, response.content
    return {item["name"]: item["playable"] for item in response.json()["results"]}


def test_title_list_says_which_titles_are_playable(api_client, shelf):
    listed = playable_by_name(api_client.get(TITLES))

    assert listed == {name: name in PLAYABLE for name in shelf}


def test_search_results_say_which_titles_are_playable(api_client, shelf):
    listed = playable_by_name(api_client.get(SEARCH, {"q": "movie"}))

    assert listed == {name: name in PLAYABLE for name in shelf if "Movie" in name}


@pytest.mark.parametrize("name", ["Ready Movie", "Ready Series", "Empty Series"])
def test_title_detail_says_whether_the_title_is_playable(api_client, shelf, name):
    body = api_client.get(f"{TITLES}{shelf[name].pk}/").json()

    assert body["playable"] is (name in PLAYABLE)


def test_a_series_detail_still_says_which_episodes_are_playable(api_client, shelf):
    body = api_client.get(f"{TITLES}{shelf['Ready Series'].pk}/").json()

    episodes = body["seasons"][0]["episodes"]
    assert [episode["playable"] for episode in episodes] == [False, True]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", PLAYABLE),
        ("True", PLAYABLE),
        ("false", {"Encoding Movie", "Failed Movie", "Bare Movie", "Empty Series"}),
    ],
)
def test_title_list_filters_on_playable(api_client, shelf, value, expected):
    response = api_client.get(TITLES, {"playable": value})

    assert set(playable_by_name(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("value", ["maybe", "1", "yes"])
def test_a_bad_playable_value_is_400_naming_the_parameter(api_client, shelf, value):
    response = api_client.get(TITLES, {"playable": value})

    assert response.status_code == 400
    assert "playable" in response.json()["error"]["fields"]


def test_queryset_annotation_matches_the_model_property(shelf):
    annotated = {t.name: t.playable for t in Title.objects.with_playable()}

    for name, title in shelf.items():
        if title.video is not None:
            assert annotated[name] is title.video.is_playable, name
    assert set(Video.objects.playable()) == {
        video for video in Video.objects.all() if video.is_playable
    }


def count_queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"playable": "true"}, {"playable": "false"}])
def test_playable_costs_no_query_per_title(api_client, no_cache, params):
    genres = [GenreFactory(slug=f"g{n}") for n in range(2)]
    for title in catalog_populate(5, genres=genres, credits=0):
        title.video = ready_video()
        title.save()
    before = count_queries(api_client, TITLES, params)

    for title in catalog_populate(30, genres=genres, credits=0):
        title.video = ready_video()
        title.save()
        series = TitleFactory(series=True, genres=genres)
        EpisodeFactory(season__title=series, video=ready_video())
    after = count_queries(api_client, TITLES, {**params, "page_size": 100})

    assert after == before


# --- The response cache -----------------------------------------------------------


@pytest.fixture
def cached(settings):
    settings.CATALOG_CACHE_SECONDS = 30


def test_cached_lists_are_kept_apart_by_the_playable_filter(api_client, cached):
    TitleFactory(name="Ready", video=ready_video())
    TitleFactory(name="Not yet")

    everything = playable_by_name(api_client.get(TITLES))
    playable = playable_by_name(api_client.get(TITLES, {"playable": "true"}))
    waiting = playable_by_name(api_client.get(TITLES, {"playable": "false"}))

    assert everything == {"Ready": True, "Not yet": False}
    assert playable == {"Ready": True}
    assert waiting == {"Not yet": False}


def test_a_video_becoming_ready_shows_at_once_in_cached_lists(
    api_client, cached, django_capture_on_commit_callbacks
):
    video = VideoFactory(status=Video.Status.PROCESSING, job_token=uuid.uuid4())
    title = TitleFactory(name="Soon", video=video)
    assert playable_by_name(api_client.get(TITLES)) == {"Soon": False}
    assert playable_by_name(api_client.get(TITLES, {"playable": "true"})) == {}
    assert api_client.get(f"{TITLES}{title.pk}/").json()["playable"] is False

    with django_capture_on_commit_callbacks(execute=True):
        video_services.video_revision_publish(
            video_id=video.pk,
            job_token=str(video.job_token),
            revision="r1",
            renditions=[],
            hls_master=f"videos/{video.uuid}/r1/master.m3u8",
            dash_manifest="",
            poster="",
            thumbnails="",
        )

    assert playable_by_name(api_client.get(TITLES)) == {"Soon": True}
    assert playable_by_name(api_client.get(TITLES, {"playable": "true"})) == {
        "Soon": True
    }
    assert api_client.get(f"{TITLES}{title.pk}/").json()["playable"] is True
