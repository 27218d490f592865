"""Viewer pages: what they show, what they hide, and what they cost."""

import datetime
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.views import PAGE_SIZE
from tests.catalog.factories import (
    CreditFactory,
    EpisodeFactory,
    GenreFactory,
    PosterTitleFactory,
    SeasonFactory,
    TitleFactory,
    catalog_populate,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


class PageOutline(HTMLParser):
    """The parts of a page the accessibility checks look at."""

    def __init__(self, html: str):
        super().__init__()
        self.images: list[dict] = []
        self.h1_count = 0
        self.ids: set[str] = set()
        self.first_link: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "img":
            self.images.append(attrs)
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "a" and self.first_link is None:
            self.first_link = attrs


@pytest.fixture
def drama():
    return GenreFactory(name="Drama", slug="drama")


@pytest.fixture
def hidden_titles(drama):
    """Titles viewers may not see, all named so a search for "Secret" finds them."""
    now = timezone.now()
    return [
        TitleFactory(name="Secret Draft", genres=[drama], draft=True),
        TitleFactory(
            name="Secret Upcoming",
            genres=[drama],
            available_from=now + HOUR,
            is_featured=True,
        ),
        TitleFactory(
            name="Secret Expired",
            genres=[drama],
            available_from=now - 2 * HOUR,
            available_until=now - HOUR,
        ),
    ]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_home_page_shows_featured_new_releases_and_genre_rows(client, drama):
    featured = TitleFactory(name="The Featured One", is_featured=True)
    in_drama = TitleFactory(name="A Drama", genres=[drama])

    response = client.get(reverse("catalog:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "The Featured One" in html
    assert "New releases" in html
    assert drama.get_absolute_url() in html
    assert in_drama.get_absolute_url() in html
    assert featured.get_absolute_url() in html


def test_movie_detail_page_shows_genres_and_credits(client, drama):
    movie = TitleFactory(name="Big Movie", genres=[drama], synopsis="A long night.")
    CreditFactory(title=movie, person__name="Jo Director", role="director")
    CreditFactory(title=movie, person__name="Sam Lead", character="The Hero")

    response = client.get(movie.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    for text in ["Big Movie", "A long night.", "Drama", "Jo Director", "Sam Lead"]:
        assert text in html
    assert "The Hero" in html
    assert "Episodes" not in html


def test_series_detail_page_lists_seasons_with_their_episodes_in_order(client):
    series = TitleFactory(name="Long Show", series=True)
    season_two = SeasonFactory(title=series, number=2, name="The Return")
    season_one = SeasonFactory(title=series, number=1)
    EpisodeFactory(season=season_one, number=2, name="Second Step")
    EpisodeFactory(season=season_one, number=1, name="First Step")
    EpisodeFactory(season=season_two, number=1, name="Back Again")

    response = client.get(series.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    positions = [
        html.index(text)
        for text in [
            "Season 1",
            "First Step",
            "Second Step",
            "The Return",
            "Back Again",
        ]
    ]
    assert positions == sorted(positions)


def test_genre_page_is_paginated_newest_first(client, drama):
    titles = catalog_populate(PAGE_SIZE + 2, genres=[drama], credits=0)
    newest_first = sorted(titles, key=lambda t: t.published_at, reverse=True)

    first = client.get(drama.get_absolute_url())
    second = client.get(drama.get_absolute_url(), {"page": 2})

    assert first.status_code == second.status_code == 200
    assert list(first.context["page_obj"].object_list) == newest_first[:PAGE_SIZE]
    assert list(second.context["page_obj"].object_list) == newest_first[PAGE_SIZE:]
    assert "Page 1 of 2" in first.content.decode()
    assert 'rel="next" href="?page=2"' in first.content.decode()


def test_unknown_genre_is_404(client):
    assert client.get(reverse("catalog:genre", args=["nope"])).status_code == 404


def test_search_page_lists_matches_and_says_when_nothing_matches(client):
    TitleFactory(name="Ocean Voyage")
    TitleFactory(name="Desert Crossing")

    found = client.get(reverse("catalog:search"), {"q": "ocean"})
    nothing = client.get(reverse("catalog:search"), {"q": "volcano"})
    empty = client.get(reverse("catalog:search"))

    assert found.status_code == nothing.status_code == empty.status_code == 200
    assert "Ocean Voyage" in found.content.decode()
    assert "Desert Crossing" not in found.content.decode()
    assert "1 result for" in found.content.decode()
    assert "Nothing matches" in nothing.content.decode()
    assert empty.context["page_obj"] is None


def test_hidden_titles_never_show_on_any_page(client, drama, hidden_titles):
    TitleFactory(name="Secret Visible", genres=[drama])
    pages = [
        reverse("catalog:home"),
        drama.get_absolute_url(),
        reverse("catalog:search") + "?q=secret",
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Secret Visible" in html, url
        for title in hidden_titles:
            assert title.name not in html, url
            assert title.get_absolute_url() not in html, url


def test_hidden_title_detail_pages_are_friendly_404s(client, hidden_titles):
    for title in hidden_titles:
        response = client.get(title.get_absolute_url())

        assert response.status_code == 404
        assert title.name not in response.content.decode()
        assert "find that page" in response.content.decode()


def test_over_long_search_gets_a_friendly_400_page(client):
    TitleFactory(name="a" * 10)

    response = client.get(reverse("catalog:search"), {"q": "a" * 201})

    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 200 characters" in html
    assert 'role="alert"' in html
    assert PageOutline(html).h1_count == 1


@pytest.mark.parametrize("query", ["\x00", "ocean\x00voyage"])
def test_search_with_a_nul_character_gets_a_friendly_400_page(client, query):
    TitleFactory(name="Ocean Voyage")

    response = client.get(reverse("catalog:search"), {"q": query})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_search_of_exactly_the_maximum_length_is_answered(client):
    response = client.get(reverse("catalog:search"), {"q": "a" * 200})

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["-1", "0", "abc", "999999999999", "1.5", ""])
def test_bad_page_numbers_still_give_a_page(client, drama, page):
    catalog_populate(PAGE_SIZE + 1, genres=[drama], credits=0)

    genre_page = client.get(drama.get_absolute_url(), {"page": page})
    search_page = client.get(reverse("catalog:search"), {"q": "title", "page": page})

    assert genre_page.status_code == 200
    assert search_page.status_code == 200
    assert genre_page.context["page_obj"].object_list
    assert search_page.context["page_obj"].object_list


def test_pages_have_a_skip_link_one_h1_and_alt_text_on_every_poster(client, drama):
    series = PosterTitleFactory(
        name="Poster Show", genres=[drama], kind="series", is_featured=True
    )
    SeasonFactory(title=series, number=1)
    PosterTitleFactory(name="Poster Movie", genres=[drama])
    pages = [
        reverse("catalog:home"),
        series.get_absolute_url(),
        drama.get_absolute_url(),
        reverse("catalog:search") + "?q=poster",
        reverse("catalog:search"),
        reverse("catalog:genre", args=["missing"]),
    ]

    for url in pages:
        outline = PageOutline(client.get(url).content.decode())
        assert outline.h1_count == 1, url
        assert outline.first_link["href"] == "#main", url
        assert "main" in outline.ids, url
        for image in outline.images:
            assert image.get("alt"), (url, image)
    home = PageOutline(client.get(reverse("catalog:home")).content.decode())
    assert {"Poster of Poster Show", "Poster of Poster Movie"} <= {
        image["alt"] for image in home.images
    }


def test_home_page_queries_do_not_grow_with_the_catalog(client):
    genres = [GenreFactory() for _ in range(3)]
    catalog_populate(10, genres=genres)
    before = count_queries(client, reverse("catalog:home"))

    catalog_populate(90, genres=genres + [GenreFactory() for _ in range(4)])
    after = count_queries(client, reverse("catalog:home"))

    assert after == before


def test_series_detail_queries_do_not_grow_with_seasons_episodes_and_credits(client):
    genres = [GenreFactory() for _ in range(6)]
    small = TitleFactory(series=True, genres=genres[:1])
    big = TitleFactory(series=True, genres=genres)
    for series, seasons, episodes, credits in [(small, 1, 1, 1), (big, 6, 10, 12)]:
        for number in range(1, seasons + 1):
            season = SeasonFactory(title=series, number=number)
            for episode in range(1, episodes + 1):
                EpisodeFactory(season=season, number=episode)
        for order in range(credits):
            CreditFactory(title=series, order=order)

    assert count_queries(client, small.get_absolute_url()) == count_queries(
        client, big.get_absolute_url()
    )


def test_genre_page_queries_do_not_grow_with_the_catalog(client, drama):
    catalog_populate(10, genres=[drama])
    url = drama.get_absolute_url()
    before = count_queries(client, url)

    catalog_populate(90, genres=[drama, GenreFactory()])
    after = count_queries(client, url)

    assert after == before


def test_search_page_queries_do_not_grow_with_the_catalog(client, drama):
    catalog_populate(10, genres=[drama])
    url = reverse("catalog:search") + "?q=title"
    before = count_queries(client, url)

    catalog_populate(90, genres=[drama, GenreFactory()])
    after = count_queries(client, url)

    assert after == before
