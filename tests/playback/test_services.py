"""Sessions, heartbeats, progress and My List, through the services."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from accounts.preferences import PlaybackPreferences
from catalog.models import Title, Video
from playback import refusals, selectors, services
from playback.models import PlaybackSession, WatchlistItem, WatchProgress
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

from .factories import (
    PlanFactory,
    PlaybackSessionFactory,
    ProfileFactory,
    UserFactory,
    plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def movie(videos):
    return TitleFactory(name="Glass Harvest", video=videos.video())


@pytest.fixture
def free_viewer():
    return ProfileFactory(user=UserFactory(plan=plan("free")), name="Sam")


def start(profile, title, **kwargs) -> PlaybackSession:
    started = services.playback_session_start(
        profile=profile, title_id=title.pk, **kwargs
    )
    return started.session


def ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


# --- Starting -------------------------------------------------------------------


def test_a_session_records_what_plays_and_for_how_long(movie, free_viewer):
    session = start(free_viewer, movie, device="Firefox on Linux", device_id="abc")

    assert session.video == movie.video
    assert session.revision == movie.video.revision
    assert session.max_height == plan("free").max_height
    assert session.device == "Firefox on Linux"
    assert session.expires_at - session.last_seen_at == datetime.timedelta(seconds=45)
    assert session.is_live()
    # The stored row is the object returned.
    stored = PlaybackSession.objects.get(pk=session.pk)
    assert not session._state.adding and session.started_at is not None
    for field in PlaybackSession._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(session, field.attname)


def test_a_session_starts_with_the_profiles_audio_and_captions(movie, free_viewer):
    free_viewer.audio_language = "fr"
    free_viewer.audio_description = True
    free_viewer.captions_language = "pt-BR"
    free_viewer.save()

    started = services.playback_session_start(profile=free_viewer, title_id=movie.pk)

    assert started.preferences == PlaybackPreferences(
        audio_language="fr", audio_description=True, captions_language="pt-BR"
    )


def test_a_profile_without_preferences_starts_on_the_titles_default(movie, free_viewer):
    started = services.playback_session_start(profile=free_viewer, title_id=movie.pk)

    assert started.preferences.as_dict() == {
        "audio_language": "",
        "audio_description": False,
        "captions_language": "",
    }


def assert_refused(kind, code, profile, title_id, **kwargs):
    with pytest.raises(kind) as refused:
        services.playback_session_start(profile=profile, title_id=title_id, **kwargs)
    assert refused.value.code == code
    assert not PlaybackSession.objects.exists()
    return refused.value


def test_unknown_draft_and_out_of_window_titles_are_not_found(videos, free_viewer):
    draft = TitleFactory(draft=True, video=videos.video(0))
    later = TitleFactory(
        available_from=timezone.now() + datetime.timedelta(days=1),
        video=videos.video(1),
    )
    gone = TitleFactory(available_until=ago(60), video=videos.video(2))

    for title_id in [draft.pk, later.pk, gone.pk, 999_999]:
        assert_refused(refusals.NotFound, "not_found", free_viewer, title_id)


def test_a_title_above_the_plan_names_the_plan_needed(videos, free_viewer):
    title = TitleFactory(access_level="members", video=videos.video())

    refusal = assert_refused(
        refusals.UpgradeRequired, "upgrade_required", free_viewer, title.pk
    )

    assert refusal.extra["required_plan"] == {"slug": "standard", "name": "Standard"}
    assert "Standard" in refusal.message


def test_a_kids_profile_cannot_start_a_title_above_its_rating(videos):
    kid = ProfileFactory(user=UserFactory(plan=plan("premium")), kids=True)
    title = TitleFactory(maturity_rating=Title.Maturity.AGE_13, video=videos.video())

    refusal = assert_refused(refusals.MaturityRestricted, "maturity", kid, title.pk)

    assert "13+" in refusal.message


def test_a_video_not_ready_is_refused_with_its_stage(free_viewer):
    video = Video.objects.create(
        status=Video.Status.PROCESSING, stage=Video.Stage.ENCODING, progress=12
    )
    title = TitleFactory(video=video)

    refusal = assert_refused(refusals.NotReady, "not_ready", free_viewer, title.pk)

    assert refusal.extra["stage"] == "encoding"
    assert refusal.extra["progress"] == 12
    assert "Encoding" in refusal.message


def test_a_title_without_a_video_is_not_ready(free_viewer):
    title = TitleFactory()

    assert_refused(refusals.NotReady, "not_ready", free_viewer, title.pk)


def test_a_published_revision_whose_files_are_gone_is_not_ready(free_viewer):
    video = Video.objects.create(status=Video.Status.READY, revision="gone")
    title = TitleFactory(video=video)

    assert_refused(refusals.NotReady, "not_ready", free_viewer, title.pk)


def test_a_series_needs_one_of_its_own_episodes(videos, free_viewer):
    season = SeasonFactory(title=TitleFactory(series=True))
    EpisodeFactory(season=season, video=videos.video())
    foreign = EpisodeFactory(video=videos.video(1))

    assert_refused(refusals.InvalidInput, "invalid", free_viewer, season.title.pk)
    assert_refused(
        refusals.NotFound,
        "not_found",
        free_viewer,
        season.title.pk,
        episode_id=foreign.pk,
    )


def test_a_movie_has_no_episodes(movie, free_viewer, videos):
    episode = EpisodeFactory(video=videos.video(1))

    assert_refused(
        refusals.NotFound, "not_found", free_viewer, movie.pk, episode_id=episode.pk
    )


# --- Concurrent streams -----------------------------------------------------------


def test_a_stream_over_the_plan_is_refused_naming_the_devices(movie, free_viewer):
    first = start(free_viewer, movie, device="Living room TV")

    with pytest.raises(refusals.TooManyStreams) as refused:
        start(free_viewer, movie, device="Phone")

    devices = refused.value.extra["active_devices"]
    assert [(d["device"], d["title"], d["profile"]) for d in devices] == [
        ("Living room TV", "Glass Harvest", "Sam")
    ]
    assert devices[0]["started_at"] == first.started_at
    assert refused.value.extra["max_streams"] == 1
    assert PlaybackSession.objects.count() == 1


def test_streams_are_counted_across_the_accounts_profiles(movie):
    user = UserFactory(plan=PlanFactory(slug="duo", access_level="free", max_streams=2))
    one, two = ProfileFactory(user=user), ProfileFactory(user=user)
    start(one, movie)
    start(two, movie)

    with pytest.raises(refusals.TooManyStreams) as refused:
        start(one, movie)

    assert len(refused.value.extra["active_devices"]) == 2


def test_another_account_does_not_count(movie, free_viewer):
    start(ProfileFactory(user=UserFactory(plan=plan("free"))), movie)

    assert start(free_viewer, movie)


def test_ending_a_session_frees_its_stream_at_once(movie, free_viewer):
    first = start(free_viewer, movie)
    services.playback_session_end(session=first)

    assert start(free_viewer, movie)


def test_a_session_without_heartbeats_stops_counting(movie, free_viewer):
    first = start(free_viewer, movie)
    PlaybackSession.objects.filter(pk=first.pk).update(
        last_seen_at=ago(46), expires_at=ago(1)
    )

    assert start(free_viewer, movie)


def test_the_same_device_replaces_its_earlier_session(movie, free_viewer):
    first = start(free_viewer, movie, device_id="browser-1")

    second = start(free_viewer, movie, device_id="browser-1")

    first.refresh_from_db()
    assert first.ended_at is not None
    assert second.is_live()


def test_a_refused_start_ends_nothing(movie, free_viewer):
    other = start(free_viewer, movie, device_id="tv")
    with pytest.raises(refusals.TooManyStreams):
        start(free_viewer, movie, device_id="phone")

    other.refresh_from_db()
    assert other.ended_at is None


@pytest.mark.django_db(transaction=True)
def test_two_devices_racing_for_the_last_stream_get_one_session(videos):
    movie = TitleFactory(video=videos.video())
    # Not the migrations' Free plan: other transactional tests flush it.
    solo = PlanFactory(slug="solo", access_level="free", max_streams=1)
    profile = ProfileFactory(user=UserFactory(plan=solo))
    barrier = threading.Barrier(2)

    def attempt(device_id: str) -> str:
        try:
            barrier.wait(timeout=10)
            start(profile, movie, device_id=device_id)
            return "started"
        except refusals.TooManyStreams:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, ["phone", "tv"]))

    assert outcomes == ["refused", "started"]
    assert PlaybackSession.objects.count() == 1


# --- Heartbeats and progress ------------------------------------------------------


def progress(profile) -> WatchProgress:
    return WatchProgress.objects.get(profile=profile)


def test_a_heartbeat_keeps_the_session_alive_and_saves_the_position(movie, free_viewer):
    session = start(free_viewer, movie)
    PlaybackSession.objects.filter(pk=session.pk).update(
        last_seen_at=ago(30), expires_at=timezone.now() + datetime.timedelta(15)
    )
    session.refresh_from_db()

    assert services.playback_session_heartbeat(session=session, position=1.5)

    session.refresh_from_db()
    assert session.last_seen_at > ago(2)
    assert session.expires_at > timezone.now() + datetime.timedelta(seconds=40)
    saved = progress(free_viewer)
    assert (saved.position_seconds, saved.duration_seconds) == (1.5, 3.0)
    assert saved.completed is False
    assert saved.session_started_at == session.started_at


def test_a_heartbeat_is_one_read_and_a_conditional_write_of_each_row(
    movie, free_viewer, django_assert_num_queries
):
    session = start(free_viewer, movie)
    services.playback_session_heartbeat(session=session, position=1.0)
    if connection.vendor == "postgresql":
        # Both writes in one statement, atomic on its own: the second only if
        # the first changed a row (playback.services.keep_alive).
        writes = ["WITH"]
    else:
        # In a transaction (a savepoint inside the test's), the session kept
        # alive only if still live and the position saved only if no newer
        # session owns it.
        writes = ["SAVEPOINT", "UPDATE", "UPDATE", "RELEASE"]

    with django_assert_num_queries(1 + len(writes)) as captured:
        session = selectors.session_for_profile(
            profile=free_viewer, session_id=session.pk
        )
        services.playback_session_heartbeat(session=session, position=2.0)

    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    # The session with its title and video, then the writes.
    assert statements == ["SELECT", *writes]
    assert progress(free_viewer).position_seconds == 2.0


def test_a_heartbeat_for_a_session_ended_since_it_was_read_saves_nothing(
    movie, free_viewer
):
    session = start(free_viewer, movie)
    services.playback_session_heartbeat(session=session, position=1.0)
    session = selectors.session_for_profile(profile=free_viewer, session_id=session.pk)
    PlaybackSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())

    with pytest.raises(refusals.SessionGone):
        services.playback_session_heartbeat(session=session, position=2.0)

    assert progress(free_viewer).position_seconds == 1.0
    assert PlaybackSession.objects.get().expires_at == session.expires_at


def test_the_first_heartbeat_of_a_title_saves_its_position(movie, free_viewer):
    session = start(free_viewer, movie)

    assert services.playback_session_heartbeat(session=session, position=1.0)

    assert progress(free_viewer).position_seconds == 1.0


def test_heartbeats_are_idempotent(movie, free_viewer):
    session = start(free_viewer, movie)

    services.playback_session_heartbeat(session=session, position=1.0)
    services.playback_session_heartbeat(session=session, position=1.0)

    assert WatchProgress.objects.count() == 1
    assert progress(free_viewer).position_seconds == 1.0


def test_a_late_heartbeat_from_an_older_session_is_ignored(videos, movie):
    user = UserFactory(plan=plan("premium"))
    profile = ProfileFactory(user=user)
    older = start(profile, movie, device_id="laptop")
    newer = start(profile, movie, device_id="tv")
    services.playback_session_heartbeat(session=newer, position=2.0)

    saved = services.playback_session_heartbeat(session=older, position=0.5)

    assert saved is False
    assert progress(profile).position_seconds == 2.0
    assert progress(profile).session_started_at == newer.started_at


@pytest.mark.parametrize(
    ("position", "completed"), [(2.6, False), (2.7, True), (3.0, True), (3.004, True)]
)
def test_ninety_percent_counts_as_watched(movie, free_viewer, position, completed):
    session = start(free_viewer, movie)

    services.playback_session_heartbeat(session=session, position=position)

    assert progress(free_viewer).completed is completed


def test_seeking_back_after_the_end_keeps_it_watched_until_a_new_session(
    movie, free_viewer
):
    session = start(free_viewer, movie)
    services.playback_session_heartbeat(session=session, position=2.9)
    services.playback_session_heartbeat(session=session, position=0.5)
    assert progress(free_viewer).completed is True

    services.playback_session_end(session=session)
    again = start(free_viewer, movie)
    services.playback_session_heartbeat(session=again, position=0.5)

    assert progress(free_viewer).completed is False
    assert progress(free_viewer).position_seconds == 0.5


@pytest.mark.parametrize(
    "position", [-0.1, 8.01, 1e12, float("nan"), float("inf"), float("-inf")]
)
def test_a_position_outside_the_video_is_refused_and_nothing_written(
    movie, free_viewer, position
):
    session = start(free_viewer, movie)
    seen = session.last_seen_at

    with pytest.raises(refusals.InvalidInput) as refused:
        services.playback_session_heartbeat(session=session, position=position)

    assert "position" in refused.value.extra["fields"]
    assert not WatchProgress.objects.exists()
    session.refresh_from_db()
    assert session.last_seen_at == seen


def test_a_position_just_past_the_end_is_taken_as_the_end(movie, free_viewer):
    session = start(free_viewer, movie)

    services.playback_session_heartbeat(session=session, position=7.9)

    assert progress(free_viewer).position_seconds == 3.0


def test_an_ended_or_expired_session_is_gone(movie, free_viewer):
    ended = start(free_viewer, movie)
    services.playback_session_end(session=ended)
    expired = start(free_viewer, movie)
    PlaybackSession.objects.filter(pk=expired.pk).update(expires_at=ago(1))
    expired.refresh_from_db()

    with pytest.raises(refusals.SessionGone) as gone:
        services.playback_session_heartbeat(session=ended, position=1)
    assert gone.value.code == "session_ended"
    with pytest.raises(refusals.SessionGone) as gone:
        services.playback_session_heartbeat(session=expired, position=1)
    assert gone.value.code == "session_expired"
    assert not WatchProgress.objects.exists()


def test_a_session_whose_title_is_withdrawn_ends(movie, free_viewer):
    session = start(free_viewer, movie)
    Title.objects.filter(pk=movie.pk).update(visibility=Title.Visibility.DRAFT)
    # As a heartbeat request reads it: with its title, as the title is now.
    session = selectors.session_for_profile(profile=free_viewer, session_id=session.pk)

    with pytest.raises(refusals.SessionGone) as gone:
        services.playback_session_heartbeat(session=session, position=1)

    assert gone.value.code == "no_longer_available"
    session.refresh_from_db()
    assert session.ended_at is not None


def test_ending_saves_the_final_position_once(movie, free_viewer):
    session = start(free_viewer, movie)

    services.playback_session_end(session=session, position=2.0)
    services.playback_session_end(session=session, position=0.1)

    assert progress(free_viewer).position_seconds == 2.0
    session.refresh_from_db()
    assert session.ended_at is not None


def test_episode_progress_is_kept_per_episode(videos, free_viewer):
    season = SeasonFactory(title=TitleFactory(series=True))
    one = EpisodeFactory(season=season, number=1, video=videos.video(0))
    two = EpisodeFactory(season=season, number=2, video=videos.video(1))

    for episode, position in [(one, 2.9), (two, 1.0)]:
        session = services.playback_session_start(
            profile=free_viewer, title_id=season.title.pk, episode_id=episode.pk
        ).session
        services.playback_session_heartbeat(session=session, position=position)
        services.playback_session_end(session=session)

    rows = {
        row.episode_id: (row.position_seconds, row.completed)
        for row in WatchProgress.objects.filter(profile=free_viewer)
    }
    assert rows == {one.pk: (2.9, True), two.pk: (1.0, False)}


def test_old_sessions_are_pruned(free_viewer):
    old = PlaybackSessionFactory(
        profile=free_viewer, last_seen_at=ago(31 * 86400), expires_at=ago(31 * 86400)
    )
    recent = PlaybackSessionFactory(profile=free_viewer, expires_at=ago(86400))

    assert services.playback_sessions_prune() == 1

    assert list(PlaybackSession.objects.all()) == [recent]
    assert not PlaybackSession.objects.filter(pk=old.pk).exists()


def test_device_names_come_from_the_user_agent():
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    chrome_android = (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    )

    assert services.device_name_from_user_agent(firefox) == "Firefox on Linux"
    assert services.device_name_from_user_agent(chrome_android) == "Chrome on Android"
    assert services.device_name_from_user_agent("") == "Unknown device"


# --- My List ----------------------------------------------------------------------


def test_adding_to_my_list_twice_keeps_one_item(free_viewer):
    title = TitleFactory()

    _item, added = services.watchlist_add(profile=free_viewer, title_id=title.pk)
    _again, added_again = services.watchlist_add(profile=free_viewer, title_id=title.pk)

    assert (added, added_again) == (True, False)
    assert WatchlistItem.objects.count() == 1


def test_only_titles_the_profile_may_see_can_be_added(free_viewer):
    kid = ProfileFactory(kids=True)
    for title, profile in [
        (TitleFactory(draft=True), free_viewer),
        (TitleFactory(maturity_rating=16), kid),
    ]:
        with pytest.raises(refusals.NotFound):
            services.watchlist_add(profile=profile, title_id=title.pk)
    assert not WatchlistItem.objects.exists()


def test_removing_a_title_not_on_the_list_is_not_found(free_viewer):
    with pytest.raises(refusals.NotFound):
        services.watchlist_remove(profile=free_viewer, title_id=TitleFactory().pk)


def test_a_start_counts_a_play_and_its_viewer_for_analytics(movie, free_viewer):
    from analytics.store import day_read, store_clear

    store_clear()
    for _ in range(2):  # the second replaces the first on the same TV
        start(free_viewer, movie, device_type="tv", device_id="living-room")

    counts = day_read(timezone.now().astimezone(datetime.UTC).date())[f"{movie.pk}.0"]
    assert (counts["plays"], counts["viewers"]) == (2, 1)
    assert (counts["plays|device:tv"], counts["plays|plan:free"]) == (2, 2)
    store_clear()
