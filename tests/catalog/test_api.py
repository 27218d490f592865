"""The read API: payload shapes, filters, errors, caching, throttling, schema."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_spec_validator import validate
from rest_framework.throttling import SimpleRateThrottle

from catalog import services
from catalog.models import Title
from tests.catalog.factories import (
    CreditFactory,
    EpisodeFactory,
    GenreFactory,
    PersonFactory,
    SeasonFactory,
    TitleFactory,
    catalog_populate,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
TITLES = "/api/v1/titles/"
SEARCH = "/api/v1/search/"


def assert_error(response, status: int, *, fields: tuple[str, ...] = ()) -> dict:
    """The project's JSON error body, naming ``fields`` when given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if fields:
        assert error["code"] == "invalid"
        assert set(fields) <= set(error["fields"]), error
        for field in fields:
            assert error["fields"][field], error
    return error


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


@pytest.fixture
def no_cache(settings):
    """Every request reaches the database, so the queries can be counted."""
    settings.CATALOG_CACHE_SECONDS = 0


@pytest.fixture
def hidden_titles():
    now = timezone.now()
    return [
        TitleFactory(name="Secret Draft", draft=True),
        TitleFactory(name="Secret Upcoming", available_from=now + HOUR),
        TitleFactory(
            name="Secret Expired",
            available_from=now - 2 * HOUR,
            available_until=now - HOUR,
        ),
    ]


# --- Shape and pagination ---------------------------------------------------------


def test_title_list_is_paginated_with_count_next_and_results(api_client, no_cache):
    drama = GenreFactory(slug="drama")
    catalog_populate(5, genres=[drama], credits=0)

    first = api_client.get(TITLES, {"page_size": 2})
    last = api_client.get(TITLES, {"page_size": 2, "page": 3})

    body = first.json()
    assert first.status_code == 200
    assert body["count"] == 5
    assert body["next"].endswith("page=2&page_size=2")
    assert body["previous"] is None
    assert len(body["results"]) == 2
    assert set(body["results"][0]) >= {
        "id",
        "kind",
        "name",
        "slug",
        "year",
        "maturity_rating",
        "maturity_label",
        "access_level",
        "genres",
        "poster",
        "published_at",
    }
    assert "drama" in body["results"][0]["genres"]
    assert last.json()["next"] is None
    assert len(last.json()["results"]) == 1


def test_title_list_is_newest_first_by_default(api_client):
    old = TitleFactory(published_at=timezone.now() - 2 * HOUR)
    new = TitleFactory(published_at=timezone.now())

    assert names(api_client.get(TITLES)) == [new.name, old.name]


def test_title_detail_has_genres_credits_and_seasons_with_episodes(api_client):
    drama = GenreFactory(name="Drama", slug="drama")
    series = TitleFactory(series=True, genres=[drama])
    CreditFactory(title=series, person__name="Kim Lead", character="Captain")
    season = SeasonFactory(title=series, number=1)
    EpisodeFactory(season=season, number=1, name="Pilot")

    response = api_client.get(f"{TITLES}{series.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "series"
    assert body["genres"][0]["slug"] == "drama"
    assert body["credits"] == [
        {
            "person": {
                "id": series.credits.get().person_id,
                "name": "Kim Lead",
                "slug": series.credits.get().person.slug,
            },
            "role": "actor",
            "character": "Captain",
        }
    ]
    assert body["seasons"][0]["number"] == 1
    assert body["seasons"][0]["episodes"][0]["name"] == "Pilot"
    assert body["seasons"][0]["episodes"][0]["playable"] is False
    assert body["playable"] is False


def test_person_detail_lists_only_visible_titles(api_client, hidden_titles):
    person = PersonFactory(name="Pat Actor")
    visible = TitleFactory(name="Seen")
    for title in [visible, *hidden_titles]:
        CreditFactory(title=title, person=person)

    response = api_client.get(f"/api/v1/people/{person.pk}/")

    assert response.status_code == 200
    assert [credit["title"]["name"] for credit in response.json()["credits"]] == [
        "Seen"
    ]


# --- Filters and ordering ---------------------------------------------------------


@pytest.fixture
def filterable():
    drama = GenreFactory(slug="drama")
    comedy = GenreFactory(slug="comedy")
    return {
        "old": TitleFactory(
            name="Old Drama",
            genres=[drama],
            year=1975,
            access_level="free",
            maturity_rating=Title.Maturity.ALL,
        ),
        "mid": TitleFactory(
            name="Mid Series",
            kind="series",
            genres=[comedy],
            year=1999,
            access_level="members",
            maturity_rating=Title.Maturity.AGE_13,
        ),
        "new": TitleFactory(
            name="New Comedy",
            genres=[comedy, drama],
            year=2020,
            access_level="premium",
            maturity_rating=Title.Maturity.AGE_18,
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"genre": "drama"}, {"Old Drama", "New Comedy"}),
        ({"genre": "comedy", "kind": "movie"}, {"New Comedy"}),
        ({"kind": "series"}, {"Mid Series"}),
        ({"year": "1999"}, {"Mid Series"}),
        ({"year_min": "1999"}, {"Mid Series", "New Comedy"}),
        ({"year_max": "1999"}, {"Old Drama", "Mid Series"}),
        ({"year_min": "1980", "year_max": "2010"}, {"Mid Series"}),
        ({"access_level": "premium"}, {"New Comedy"}),
        ({"maturity_max": "13"}, {"Old Drama", "Mid Series"}),
        ({"maturity_max": "0"}, {"Old Drama"}),
    ],
)
def test_title_list_filters(api_client, filterable, hidden_titles, params, expected):
    for title in hidden_titles:
        title.genres.add(*filterable["new"].genres.all())

    response = api_client.get(TITLES, params)

    assert set(names(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Mid Series", "New Comedy", "Old Drama"]),
        ("-name", ["Old Drama", "New Comedy", "Mid Series"]),
        ("-year", ["New Comedy", "Mid Series", "Old Drama"]),
        ("year", ["Old Drama", "Mid Series", "New Comedy"]),
    ],
)
def test_title_list_ordering(api_client, filterable, ordering, expected):
    assert names(api_client.get(TITLES, {"ordering": ordering})) == expected


@pytest.mark.parametrize("ordering", ["synopsis", "-people_names", "name,bogus", ","])
def test_unknown_ordering_is_400_naming_the_parameter(api_client, filterable, ordering):
    assert_error(
        api_client.get(TITLES, {"ordering": ordering}), 400, fields=("ordering",)
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"genre": "no-such-genre"}, "genre"),
        ({"genre": "dra\x00ma"}, "genre"),
        ({"year": "abc"}, "year"),
        ({"year": "99999"}, "year"),
        ({"year_min": "1"}, "year_min"),
        ({"year_max": "abc"}, "year_max"),
        ({"kind": "bogus"}, "kind"),
        ({"access_level": "vip"}, "access_level"),
        ({"maturity_max": "5"}, "maturity_max"),
        ({"maturity_max": "abc"}, "maturity_max"),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(
    api_client, filterable, params, field
):
    assert_error(api_client.get(TITLES, params), 400, fields=(field,))


# --- Bad input --------------------------------------------------------------------


def test_unknown_title_is_404_in_the_error_shape(api_client):
    error = assert_error(api_client.get(f"{TITLES}424242/"), 404)

    assert error["code"] == "not_found"
    assert "fields" not in error


def test_title_id_beyond_any_integer_column_is_404_not_500(api_client):
    TitleFactory()

    assert_error(api_client.get(f"{TITLES}99999999999999999999/"), 404)
    assert_error(api_client.get("/api/v1/people/99999999999999999999/"), 404)


def test_unknown_person_is_404_in_the_error_shape(api_client):
    assert_error(api_client.get("/api/v1/people/424242/"), 404)


def test_unknown_api_path_is_404_in_the_error_shape(api_client):
    error = assert_error(api_client.get("/api/v1/nope/"), 404)

    assert error["code"] == "not_found"


@pytest.mark.parametrize("page", ["-1", "0", "abc", str(10**12), "2"])
def test_pages_that_do_not_exist_are_404_in_the_error_shape(api_client, page):
    TitleFactory()

    assert_error(api_client.get(TITLES, {"page": page}), 404)


@pytest.mark.parametrize("page_size", ["0", "-5", "abc", "1000", "101"])
def test_page_size_out_of_bounds_is_400_naming_the_parameter(api_client, page_size):
    TitleFactory()

    assert_error(
        api_client.get(TITLES, {"page_size": page_size}), 400, fields=("page_size",)
    )


def test_page_size_of_the_maximum_is_accepted(api_client):
    TitleFactory()

    assert api_client.get(TITLES, {"page_size": "100"}).status_code == 200


def test_search_without_a_query_is_400_naming_q(api_client):
    assert_error(api_client.get(SEARCH), 400, fields=("q",))
    assert_error(api_client.get(SEARCH, {"q": "   "}), 400, fields=("q",))


def test_search_query_with_a_nul_character_is_400_naming_q(api_client):
    assert_error(api_client.get(SEARCH, {"q": "ocean\x00"}), 400, fields=("q",))


def test_search_query_over_200_characters_is_400_naming_q(api_client):
    assert_error(api_client.get(SEARCH, {"q": "x" * 201}), 400, fields=("q",))
    assert api_client.get(SEARCH, {"q": "x" * 200}).status_code == 200


def test_search_finds_visible_titles_only(api_client, hidden_titles):
    TitleFactory(name="Secret Garden")

    assert names(api_client.get(SEARCH, {"q": "secret"})) == ["Secret Garden"]


def test_hidden_titles_never_appear_in_list_search_or_detail(api_client, hidden_titles):
    TitleFactory(name="Secret Visible")

    assert names(api_client.get(TITLES)) == ["Secret Visible"]
    assert names(api_client.get(SEARCH, {"q": "secret"})) == ["Secret Visible"]
    for title in hidden_titles:
        assert_error(api_client.get(f"{TITLES}{title.pk}/"), 404)


# --- Query counts -----------------------------------------------------------------


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [(TITLES, {}), (TITLES, {"genre": "g0"}), (SEARCH, {"q": "title"})],
)
def test_list_queries_do_not_grow_with_the_catalog(api_client, no_cache, url, params):
    genres = [GenreFactory(slug=f"g{n}") for n in range(3)]
    catalog_populate(10, genres=genres)
    before = count_queries(api_client, url, params)

    catalog_populate(90, genres=genres + [GenreFactory()], credits=3)
    after = count_queries(api_client, url, {**params, "page_size": 100})

    assert after == before


def test_title_detail_queries_do_not_grow_with_its_seasons_and_credits(
    api_client, no_cache
):
    genres = [GenreFactory() for _ in range(5)]
    small = TitleFactory(series=True, genres=genres[:1])
    big = TitleFactory(series=True, genres=genres)
    for series, seasons, episodes, credits in [(small, 1, 1, 1), (big, 5, 8, 10)]:
        for number in range(1, seasons + 1):
            season = SeasonFactory(title=series, number=number)
            for episode in range(1, episodes + 1):
                EpisodeFactory(season=season, number=episode)
        for order in range(credits):
            CreditFactory(title=series, order=order)

    assert count_queries(api_client, f"{TITLES}{small.pk}/") == count_queries(
        api_client, f"{TITLES}{big.pk}/"
    )


def test_person_detail_queries_do_not_grow_with_their_titles(api_client, no_cache):
    genres = [GenreFactory() for _ in range(3)]
    person = PersonFactory()
    url = f"/api/v1/people/{person.pk}/"
    for title in catalog_populate(10, genres=genres, credits=0):
        CreditFactory(title=title, person=person)
    before = count_queries(api_client, url)

    for title in catalog_populate(90, genres=genres, credits=0):
        CreditFactory(title=title, person=person)
    after = count_queries(api_client, url)

    assert after == before
    assert len(api_client.get(url).json()["credits"]) == 100


# --- Caching and ETags ------------------------------------------------------------


@pytest.fixture
def cached(settings):
    settings.CATALOG_CACHE_SECONDS = 30


def test_anonymous_list_carries_an_etag_and_public_cache_control(api_client, cached):
    TitleFactory()

    response = api_client.get(TITLES)

    assert response.status_code == 200
    assert response["ETag"]
    assert "public" in response["Cache-Control"]
    assert "max-age=30" in response["Cache-Control"]


def test_repeat_with_if_none_match_is_304_without_a_body(api_client, cached):
    TitleFactory()
    etag = api_client.get(TITLES)["ETag"]

    repeat = api_client.get(TITLES, HTTP_IF_NONE_MATCH=etag)

    assert repeat.status_code == 304
    assert repeat.content == b""


def test_cached_response_is_served_without_queries(
    api_client, cached, django_assert_num_queries
):
    TitleFactory()
    first = api_client.get(TITLES)

    with django_assert_num_queries(0):
        second = api_client.get(TITLES)

    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_renaming_a_title_shows_at_once_with_a_new_etag(
    api_client, cached, django_capture_on_commit_callbacks
):
    title = TitleFactory(name="Before")
    first = api_client.get(TITLES)
    assert names(first) == ["Before"]

    with django_capture_on_commit_callbacks(execute=True):
        title.name = "After"
        title.save()
    second = api_client.get(TITLES, HTTP_IF_NONE_MATCH=first["ETag"])

    assert names(second) == ["After"]
    assert second["ETag"] != first["ETag"]


def test_unpublishing_a_title_removes_it_at_once(
    api_client, cached, django_capture_on_commit_callbacks
):
    kept = TitleFactory(name="Kept")
    gone = TitleFactory(name="Gone")
    detail = f"{TITLES}{gone.pk}/"
    first = api_client.get(TITLES)
    assert set(names(first)) == {"Kept", "Gone"}
    assert api_client.get(detail).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.title_unpublish(titles=Title.objects.filter(pk=gone.pk))
    second = api_client.get(TITLES)

    assert names(second) == [kept.name]
    assert second["ETag"] != first["ETag"]
    assert_error(api_client.get(detail), 404)


# --- Throttling -------------------------------------------------------------------


@pytest.fixture
def anon_rate_3_per_minute(settings, monkeypatch):
    rates = {"anon": "3/min"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    # DRF copies the rates into the throttle class when it is first imported, so
    # reloading its settings alone would leave the old rate in force.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    # The throttle counts per minute-long window: pin the clock inside one.
    clock = {"now": 60 * 1000 + 10.0}
    monkeypatch.setattr("vod.api.throttling.time.time", lambda: clock["now"])
    return clock


def test_anonymous_requests_beyond_the_rate_get_429_in_the_error_shape(
    api_client, anon_rate_3_per_minute
):
    TitleFactory()

    statuses = [api_client.get(TITLES).status_code for _ in range(3)]
    throttled = api_client.get(TITLES)

    assert statuses == [200, 200, 200]
    error = assert_error(throttled, 429)
    assert error["code"] == "throttled"
    assert int(throttled["Retry-After"]) == 50  # until the minute's window ends


def test_the_rate_limit_lifts_when_the_next_window_starts(
    api_client, anon_rate_3_per_minute
):
    TitleFactory()
    for _ in range(3):
        api_client.get(TITLES)
    assert api_client.get(TITLES).status_code == 429

    anon_rate_3_per_minute["now"] += 60

    assert api_client.get(TITLES).status_code == 200


def test_signed_in_clients_are_not_held_to_the_anonymous_rate(
    api_client, anon_rate_3_per_minute
):
    from accounts.models import User

    api_client.force_authenticate(User.objects.create_user(email="a@example.com"))
    TitleFactory()
    assert {api_client.get(TITLES).status_code for _ in range(5)} == {200}


# --- OpenAPI ----------------------------------------------------------------------


def test_openapi_schema_is_valid_and_lists_the_catalog_endpoints(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/titles/", "/api/v1/titles/{id}/", "/api/v1/search/"} <= set(
        schema["paths"]
    )
    search_params = {
        parameter["name"]
        for parameter in schema["paths"]["/api/v1/search/"]["get"]["parameters"]
    }
    assert "q" in search_params
    list_params = {
        parameter["name"]
        for parameter in schema["paths"]["/api/v1/titles/"]["get"]["parameters"]
    }
    assert {"genre", "kind", "year_min", "maturity_max", "ordering", "page"} <= (
        list_params
    )


def test_api_docs_page_is_html(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/schema/" in response.content
