"""Continue watching, history, My List, next episode and resume points."""

import datetime
import uuid

import pytest
from django.utils import timezone

from catalog.models import Title
from playback import selectors
from playback.models import PlaybackSession, WatchProgress
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

from .factories import (
    PlaybackSessionFactory,
    ProfileFactory,
    UserFactory,
    WatchlistItemFactory,
    WatchProgressFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    return ProfileFactory()


def watched(profile, title, *, minutes_ago=0, episode=None, **fields):
    row = WatchProgressFactory(profile=profile, title=title, episode=episode, **fields)
    # updated_at is auto_now: set the order the way it would have happened.
    when = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    WatchProgress.objects.filter(pk=row.pk).update(updated_at=when)
    return row


@pytest.fixture
def series():
    """A series with two seasons: S1E1, S1E2, S2E1."""
    title = TitleFactory(series=True, name="The Long Coast")
    one, two = (SeasonFactory(title=title, number=n) for n in (1, 2))
    episodes = [
        EpisodeFactory(season=one, number=1),
        EpisodeFactory(season=one, number=2),
        EpisodeFactory(season=two, number=1),
    ]
    return title, episodes


def test_next_episode_follows_the_season_then_the_next_season(series):
    _title, (s1e1, s1e2, s2e1) = series

    assert selectors.next_episode(s1e1) == s1e2
    assert selectors.next_episode(s1e2) == s2e1
    assert selectors.next_episode(s2e1) is None


def test_continue_watching_lists_unfinished_titles_newest_first(profile):
    older, newer = TitleFactory(name="Older"), TitleFactory(name="Newer")
    watched(profile, older, minutes_ago=10, position_seconds=40)
    watched(profile, newer, minutes_ago=1, position_seconds=12.5)

    points = selectors.continue_watching(profile)

    assert [(p.title.name, p.position, p.up_next) for p in points] == [
        ("Newer", 12.5, False),
        ("Older", 40, False),
    ]
    assert points[0].fraction == pytest.approx(0.125)


def test_finished_and_unstarted_movies_are_left_out(profile):
    watched(profile, TitleFactory(), completed=True, position_seconds=95)
    watched(profile, TitleFactory(), position_seconds=0)

    assert selectors.continue_watching(profile) == []


def test_a_finished_episode_offers_the_next_one(profile, series):
    title, (s1e1, s1e2, _s2e1) = series
    watched(profile, title, episode=s1e1, minutes_ago=5, position_seconds=50)
    watched(profile, title, episode=s1e2, minutes_ago=1, completed=True)

    [point] = selectors.continue_watching(profile)

    assert point.title == title
    assert point.episode.season.number == 2 and point.episode.number == 1
    assert (point.position, point.up_next) == (0.0, True)


def test_the_series_latest_episode_decides(profile, series):
    title, (s1e1, s1e2, _s2e1) = series
    watched(profile, title, episode=s1e2, minutes_ago=5, completed=True)
    watched(profile, title, episode=s1e1, minutes_ago=1, position_seconds=20)

    [point] = selectors.continue_watching(profile)

    assert (point.episode, point.position, point.up_next) == (s1e1, 20, False)


def test_a_series_watched_to_its_last_episode_is_left_out(profile, series):
    title, (_s1e1, _s1e2, s2e1) = series
    watched(profile, title, episode=s2e1, completed=True)

    assert selectors.continue_watching(profile) == []


def test_continue_watching_shows_only_visible_titles_the_profile_may_see(profile):
    kid = ProfileFactory(user=profile.user, kids=True)
    hidden = TitleFactory()
    mature = TitleFactory(maturity_rating=Title.Maturity.AGE_16)
    watched(profile, hidden, position_seconds=5)
    watched(kid, mature, position_seconds=5)
    Title.objects.filter(pk=hidden.pk).update(visibility=Title.Visibility.DRAFT)

    assert selectors.continue_watching(profile) == []
    assert selectors.continue_watching(kid) == []


def test_continue_watching_is_the_profiles_own(profile):
    watched(ProfileFactory(user=profile.user), TitleFactory(), position_seconds=5)
    watched(ProfileFactory(), TitleFactory(), position_seconds=5)

    assert selectors.continue_watching(profile) == []


def test_continue_watching_stops_at_the_limit(profile):
    for minutes in range(5):
        watched(profile, TitleFactory(), minutes_ago=minutes, position_seconds=5)

    assert len(selectors.continue_watching(profile, limit=3)) == 3
    assert len(selectors.continue_watching(profile, 2)) == 2


def test_continue_watching_takes_two_queries(
    profile, series, django_assert_num_queries
):
    title, (s1e1, s1e2, _s2e1) = series
    watched(profile, title, episode=s1e2, completed=True)
    for _ in range(5):
        watched(profile, TitleFactory(), position_seconds=5)

    with django_assert_num_queries(2):
        points = selectors.continue_watching(profile)
        for point in points:
            _ = (point.title.name, point.episode and point.episode.season.number)

    assert len(points) == 6


def test_resume_position_is_the_saved_one_until_finished(profile, series):
    movie = TitleFactory()
    title, (s1e1, s1e2, _s2e1) = series
    watched(profile, movie, position_seconds=42)
    watched(profile, title, episode=s1e1, completed=True, position_seconds=99)

    assert selectors.resume_position(profile, movie) == 42
    assert selectors.resume_position(profile, title, s1e1) == 0
    assert selectors.resume_position(profile, title, s1e2) == 0
    assert selectors.resume_position(ProfileFactory(), movie) == 0


def test_title_resume_point_for_a_title_page(profile, series):
    movie = TitleFactory()
    title, (s1e1, s1e2, _s2e1) = series
    watched(profile, movie, position_seconds=42)
    watched(profile, title, episode=s1e1, completed=True)

    assert selectors.title_resume_point(profile, movie).position == 42
    assert selectors.title_resume_point(profile, title).episode == s1e2
    assert selectors.title_resume_point(profile, TitleFactory()) is None


def test_history_lists_the_profiles_plays_newest_first(profile, series):
    title, (s1e1, _s1e2, _s2e1) = series
    movie = TitleFactory()
    watched(profile, movie, minutes_ago=3, completed=True)
    watched(profile, title, episode=s1e1, minutes_ago=1)
    watched(ProfileFactory(user=profile.user), TitleFactory())
    gone = watched(profile, TitleFactory(), minutes_ago=2)
    Title.objects.filter(pk=gone.title_id).update(visibility=Title.Visibility.DRAFT)

    history = list(selectors.watch_history(profile))

    assert [(row.title, row.episode) for row in history] == [
        (title, s1e1),
        (movie, None),
    ]


def test_my_list_is_the_profiles_own_visible_titles(profile):
    first, second = TitleFactory(), TitleFactory()
    WatchlistItemFactory(profile=profile, title=first)
    WatchlistItemFactory(profile=profile, title=second)
    WatchlistItemFactory(profile=ProfileFactory(user=profile.user))
    WatchlistItemFactory(profile=profile, title=TitleFactory(draft=True))

    assert [item.title for item in selectors.watchlist(profile)] == [second, first]
    assert len(selectors.watchlist_title_ids(profile)) == 3


def test_live_sessions_are_the_accounts_unended_and_heard_from(profile):
    live = PlaybackSessionFactory(profile=profile)
    PlaybackSessionFactory(profile=profile, ended_at=timezone.now())
    PlaybackSessionFactory(
        profile=profile, expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    sibling = PlaybackSessionFactory(profile=ProfileFactory(user=profile.user))
    PlaybackSessionFactory(profile=ProfileFactory(user=UserFactory()))

    devices = selectors.live_session_devices(user_id=profile.user_id, at=timezone.now())
    assert sorted(devices) == sorted(
        [(live.pk, live.device_id), (sibling.pk, sibling.device_id)]
    )


def test_delivery_state_says_whether_a_session_is_live_and_growing(
    profile, django_assert_num_queries
):
    live = PlaybackSessionFactory(profile=profile)
    ended = PlaybackSessionFactory(profile=profile, ended_at=timezone.now())
    expired = PlaybackSessionFactory(
        profile=profile, expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    growing = PlaybackSessionFactory(profile=profile, revision="r2")
    growing.video.preview_revision = "r2"
    growing.video.save()

    with django_assert_num_queries(1):
        state = selectors.session_delivery_state(session_id=live.pk)
    assert (state.live, state.growing) == (True, False)
    assert state.max_height == live.max_height
    assert selectors.session_delivery_state(session_id=growing.pk).growing is True
    for gone in (ended.pk, expired.pk):
        assert selectors.session_delivery_state(session_id=gone).live is False
    assert selectors.session_delivery_state(session_id=uuid.uuid4()) is None


def test_session_for_profile_loads_the_session_video_and_title_as_the_orm_does(
    profile, django_assert_num_queries
):
    title = TitleFactory(available_from=timezone.now() - datetime.timedelta(days=1))
    made = PlaybackSessionFactory(profile=profile, title=title, ended_at=timezone.now())
    orm = PlaybackSession.objects.select_related("video", "title").get(pk=made.pk)

    with django_assert_num_queries(1):
        session = selectors.session_for_profile(profile=profile, session_id=made.pk)
        # UUIDs, aware datetimes and numbers, even where SQLite keeps text.
        fields = ("id", "started_at", "expires_at", "ended_at", "max_height")
        assert [getattr(session, f) for f in fields] == [
            getattr(orm, f) for f in fields
        ]
        assert session.video.uuid == orm.video.uuid
        assert session.video.revision_prefix("r1") == orm.video.revision_prefix("r1")
        assert session.video.duration_seconds == orm.video.duration_seconds
        assert session.title.available_from == orm.title.available_from
        assert (
            session.title.is_visible_to_viewers() is orm.title.is_visible_to_viewers()
        )
        assert session.profile is profile

    other = ProfileFactory(user=profile.user)
    assert selectors.session_for_profile(profile=other, session_id=made.pk) is None
    assert (
        selectors.session_for_profile(profile=profile, session_id=uuid.uuid4()) is None
    )
