"""What viewers may see, and how each read is shaped."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from catalog import selectors
from catalog.models import Title
from tests.catalog.factories import (
    CreditFactory,
    EpisodeFactory,
    GenreFactory,
    PersonFactory,
    SeasonFactory,
    TitleFactory,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


@pytest.fixture
def hidden_titles():
    """One title for each reason a viewer may not see it."""
    now = timezone.now()
    return {
        "draft": TitleFactory(name="Draft", draft=True),
        "not yet": TitleFactory(name="Not Yet", available_from=now + HOUR),
        "expired": TitleFactory(
            name="Expired", available_from=now - 2 * HOUR, available_until=now - HOUR
        ),
    }


def test_visible_to_viewers_hides_drafts_and_titles_outside_their_window(
    hidden_titles,
):
    now = timezone.now()
    inside = TitleFactory(
        name="Inside", available_from=now - HOUR, available_until=now + HOUR
    )
    open_ended = TitleFactory(name="Open Ended")

    visible = set(Title.objects.visible_to_viewers())

    assert visible == {inside, open_ended}


def test_window_edges_follow_the_moment_asked_about():
    now = timezone.now()
    title = TitleFactory(available_from=now, available_until=now + HOUR)

    assert title not in Title.objects.visible_to_viewers(at=now - HOUR)
    assert title in Title.objects.visible_to_viewers(at=now)
    assert title not in Title.objects.visible_to_viewers(at=now + HOUR)


def test_title_list_for_viewers_is_newest_first_without_hidden_titles(hidden_titles):
    old = TitleFactory(published_at=ago(60))
    new = TitleFactory(published_at=ago(1))
    middle = TitleFactory(published_at=ago(30))

    assert list(selectors.title_list_for_viewers()) == [new, middle, old]


def test_home_page_features_the_newest_featured_visible_title():
    TitleFactory(name="Newest, not featured", published_at=ago(1))
    older_featured = TitleFactory(is_featured=True, published_at=ago(30))
    newer_featured = TitleFactory(is_featured=True, published_at=ago(10))
    TitleFactory(is_featured=True, draft=True)
    TitleFactory(is_featured=True, available_from=timezone.now() + HOUR)

    page = selectors.home_page()

    assert page.featured == newer_featured
    assert page.featured != older_featured


def test_home_page_features_the_newest_title_when_none_is_featured():
    TitleFactory(published_at=ago(30))
    newest = TitleFactory(published_at=ago(1))

    assert selectors.home_page().featured == newest


def test_home_page_of_an_empty_catalog_has_nothing_to_show(hidden_titles):
    page = selectors.home_page()

    assert page.featured is None
    assert page.new_releases == []
    assert page.genre_rows == []


def test_home_page_new_releases_are_newest_first_and_cut_at_the_row_length(
    hidden_titles,
):
    titles = [TitleFactory(published_at=ago(minutes)) for minutes in range(1, 6)]

    page = selectors.home_page(per_row=3)

    assert page.new_releases == titles[:3]


def test_home_page_genre_rows_follow_genre_position_and_hold_newest_visible_titles(
    hidden_titles,
):
    drama = GenreFactory(name="Drama", slug="drama", position=2)
    action = GenreFactory(name="Action", slug="action", position=1)
    comedy = GenreFactory(name="Comedy", slug="comedy", position=2)
    GenreFactory(name="Empty", slug="empty", position=0)
    hidden_only = GenreFactory(name="Hidden Only", slug="hidden-only", position=0)
    for title in hidden_titles.values():
        title.genres.set([hidden_only, drama])
    drama_titles = [
        TitleFactory(genres=[drama], published_at=ago(minutes)) for minutes in (1, 2, 3)
    ]
    action_old = TitleFactory(genres=[action], published_at=ago(50))
    action_new = TitleFactory(genres=[action, comedy], published_at=ago(5))

    page = selectors.home_page(per_row=2)

    assert [(row.genre, row.titles) for row in page.genre_rows] == [
        (action, [action_new, action_old]),
        (comedy, [action_new]),
        (drama, drama_titles[:2]),
    ]


def test_home_page_takes_four_queries_however_many_genres_and_titles(
    django_assert_num_queries,
):
    genres = [GenreFactory() for _ in range(5)]
    for index in range(30):
        TitleFactory(genres=genres[: index % 5 + 1], is_featured=index % 7 == 0)

    with django_assert_num_queries(4):
        page = selectors.home_page()
        assert len(page.genre_rows) == 5


def test_title_detail_for_viewers_finds_a_visible_title_by_slug_or_pk():
    title = TitleFactory(slug="the-title")

    assert selectors.title_detail_for_viewers(slug="the-title") == title
    assert selectors.title_detail_for_viewers(pk=title.pk) == title


@pytest.mark.parametrize("reason", ["draft", "not yet", "expired"])
def test_title_detail_for_viewers_is_404_for_hidden_titles(hidden_titles, reason):
    title = hidden_titles[reason]

    with pytest.raises(Http404):
        selectors.title_detail_for_viewers(slug=title.slug)
    with pytest.raises(Http404):
        selectors.title_detail_for_viewers(pk=title.pk)


def test_title_detail_for_viewers_brings_credits_seasons_and_episodes_in_order(
    django_assert_num_queries,
):
    series = TitleFactory(series=True)
    second = SeasonFactory(title=series, number=2)
    first = SeasonFactory(title=series, number=1)
    episodes = [EpisodeFactory(season=first, number=n) for n in (2, 1)]
    EpisodeFactory(season=second, number=1)
    CreditFactory(title=series, person=PersonFactory(name="Lead"))

    title = selectors.title_detail_for_viewers(pk=series.pk)

    with django_assert_num_queries(0):
        assert [season.number for season in title.seasons.all()] == [1, 2]
        assert list(title.seasons.all()[0].episodes.all()) == episodes[::-1]
        assert [credit.person.name for credit in title.credits.all()] == ["Lead"]
        assert list(title.genres.all()) == []


def test_title_detail_lists_crew_first_then_the_cast_in_billing_order():
    title = TitleFactory()
    CreditFactory(title=title, person__name="Second Billed", order=2)
    CreditFactory(title=title, person__name="The Writer", role="writer")
    CreditFactory(title=title, person__name="Top Billed", order=1)
    CreditFactory(title=title, person__name="The Director", role="director")

    found = selectors.title_detail_for_viewers(pk=title.pk)

    assert [credit.person.name for credit in found.credits.all()] == [
        "The Director",
        "The Writer",
        "Top Billed",
        "Second Billed",
    ]


def test_person_detail_lists_only_the_visible_titles_they_are_credited_on(
    hidden_titles,
):
    person = PersonFactory()
    visible_new = TitleFactory(year=2021)
    visible_old = TitleFactory(year=1999)
    for title in [visible_old, *hidden_titles.values(), visible_new]:
        CreditFactory(title=title, person=person)
    CreditFactory(title=TitleFactory())  # someone else's

    found = selectors.person_detail_for_viewers(pk=person.pk)

    assert [credit.title for credit in found.credits.all()] == [
        visible_new,
        visible_old,
    ]


def test_person_detail_is_404_for_an_unknown_person():
    with pytest.raises(Http404):
        selectors.person_detail_for_viewers(pk=123456)


def test_title_search_for_viewers_never_returns_hidden_titles(hidden_titles):
    visible = TitleFactory(name="Hidden Treasure")
    for title in hidden_titles.values():
        Title.objects.filter(pk=title.pk).update(name=f"Hidden {title.name}")

    assert list(selectors.title_search_for_viewers(query="hidden")) == [visible]
