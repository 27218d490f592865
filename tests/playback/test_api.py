"""The playback, progress, history and My List API: who may do what.

The entitlement matrix runs every endpoint as anonymous, a Free account, a
Premium account's adult profile, the same account's kids profile, and a
second Premium account. Nothing crosses between accounts or profiles.
"""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from catalog.models import Title, Video
from playback.api.serializers import EpisodeRefSerializer, SessionSerializer
from playback.models import PlaybackSession, WatchlistItem, WatchProgress
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

from .conftest import api_for
from .factories import (
    PlaybackSessionFactory,
    WatchlistItemFactory,
    WatchProgressFactory,
)

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/playback/sessions/"
PERSONAS = ["anonymous", "free", "premium", "kids", "other"]


@pytest.fixture
def titles(videos):
    free = TitleFactory(
        name="Paper Boats",
        access_level=Title.AccessLevel.FREE,
        maturity_rating=Title.Maturity.ALL,
        video=videos.video(0),
    )
    premium = TitleFactory(
        name="Night Shift",
        access_level=Title.AccessLevel.PREMIUM,
        maturity_rating=Title.Maturity.AGE_16,
        video=videos.video(1),
    )
    return {"free": free, "premium": premium}


@pytest.fixture
def as_(viewers):
    """``as_("kids")``: an API client for that persona."""
    return lambda persona: api_for(getattr(viewers, persona, None))


def start(client, title, **extra):
    return client.post(SESSIONS, {"title_id": title.pk, **extra}, format="json")


def error(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


# --- Starting a session: the matrix ---------------------------------------------

START_MATRIX = {
    ("anonymous", "free"): (401, "not_authenticated"),
    ("anonymous", "premium"): (401, "not_authenticated"),
    ("free", "free"): (201, None),
    ("free", "premium"): (403, "upgrade_required"),
    ("premium", "free"): (201, None),
    ("premium", "premium"): (201, None),
    ("kids", "free"): (201, None),
    ("kids", "premium"): (403, "maturity"),
    ("other", "free"): (201, None),
    ("other", "premium"): (201, None),
}


@pytest.mark.parametrize(("persona", "title"), list(START_MATRIX))
def test_session_start_matrix(as_, titles, persona, title):
    status, code = START_MATRIX[persona, title]

    response = start(as_(persona), titles[title])

    assert response.status_code == status, response.content
    if code:
        assert error(response)["code"] == code
        assert not PlaybackSession.objects.exists()
    else:
        assert PlaybackSession.objects.get().title == titles[title]


def test_a_started_session_says_what_to_play_and_how_to_report(as_, titles):
    response = start(as_("premium"), titles["free"])

    session = response.json()
    assert set(session) == {
        "id",
        "hls_url",
        "grant",
        "dash_url",
        "thumbnails_url",
        "poster_url",
        "text_tracks",
        "resume_position",
        "duration",
        "expires_at",
        "heartbeat_url",
        "end_url",
        "heartbeat_interval",
        "next_episode",
        "title",
        "episode",
        "max_height",
        "previewing",
        "preferences",
    }
    # The body is built by hand; the schema documents SessionSerializer.
    assert set(session) == set(SessionSerializer().fields)
    preferences = SessionSerializer().fields["preferences"].fields
    assert set(session["preferences"]) == set(preferences)
    assert set(session["title"]) == set(SessionSerializer().fields["title"].fields)
    assert set(session["grant"]) == set(SessionSerializer().fields["grant"].fields)
    assert session["grant"]["queries"] == []  # the HMAC signer: the token is all
    assert f"/{session['grant']['token']}/" in session["hls_url"]
    assert session["hls_url"].startswith("http://testserver/playback/s/")
    assert session["hls_url"].endswith("/master.m3u8")
    assert session["dash_url"].endswith("/manifest.mpd")
    assert session["thumbnails_url"].endswith("/storyboard.vtt")
    assert session["poster_url"].endswith("/poster.jpg")
    assert session["text_tracks"] == [
        {
            "language": "en",
            "label": "English",
            "kind": "subtitles",
            "url": session["poster_url"].replace("poster.jpg", "subs/en-subtitles.vtt"),
        }
    ]
    assert session["resume_position"] == 0
    assert session["duration"] == 3.0
    assert session["heartbeat_interval"] == 10
    assert session["heartbeat_url"] == (
        f"http://testserver{SESSIONS}{session['id']}/heartbeat/"
    )
    assert session["end_url"] == f"http://testserver{SESSIONS}{session['id']}/end/"
    assert session["title"] == {
        "id": titles["free"].pk,
        "name": "Paper Boats",
        "slug": titles["free"].slug,
    }
    assert session["episode"] is None and session["next_episode"] is None
    assert session["max_height"] == 2160
    assert session["previewing"] is False
    assert session["preferences"] == {
        "audio_language": "",
        "audio_description": False,
        "captions_language": "",
    }


def test_each_profile_starts_with_its_own_audio_and_captions(as_, viewers, titles):
    viewers.premium.audio_language = "fr"
    viewers.premium.audio_description = True
    viewers.premium.captions_language = "en"
    viewers.premium.save()
    viewers.kids.audio_language = "en-GB"
    viewers.kids.save()

    adult = start(as_("premium"), titles["free"]).json()["preferences"]
    kid = start(as_("kids"), titles["free"]).json()["preferences"]

    assert adult == {
        "audio_language": "fr",
        "audio_description": True,
        "captions_language": "en",
    }
    assert kid == {
        "audio_language": "en-GB",
        "audio_description": False,
        "captions_language": "",
    }


def test_upgrade_required_names_the_plan(as_, titles):
    body = error(start(as_("free"), titles["premium"]))

    assert body["status"] == 403
    assert body["required_plan"] == {"slug": "premium", "name": "Premium"}
    assert "Premium" in body["message"]


def test_a_session_resumes_where_the_profile_stopped(as_, viewers, titles):
    WatchProgressFactory(
        profile=viewers.premium, title=titles["free"], position_seconds=1.25
    )
    WatchProgressFactory(
        profile=viewers.kids, title=titles["free"], position_seconds=2.5
    )

    assert start(as_("premium"), titles["free"]).json()["resume_position"] == 1.25
    assert start(as_("kids"), titles["free"]).json()["resume_position"] == 2.5


def test_an_episode_resumes_where_it_stopped_and_a_finished_one_from_the_top(
    as_, viewers, videos
):
    season = SeasonFactory(title=TitleFactory(series=True))
    first, second = (
        EpisodeFactory(season=season, number=n, video=videos.video(n - 1))
        for n in (1, 2)
    )
    for episode, done in ((first, True), (second, False)):
        WatchProgressFactory(
            profile=viewers.premium,
            title=season.title,
            episode=episode,
            position_seconds=3.5,
            completed=done,
        )
    # Another title's and another profile's progress are not this one's.
    WatchProgressFactory(profile=viewers.kids, title=season.title, episode=first)

    def resumes(episode) -> float:
        answer = start(as_("premium"), season.title, episode_id=episode.pk)
        return answer.json()["resume_position"]

    assert resumes(first) == 0
    assert resumes(second) == 3.5


def test_an_episode_session_names_the_next_episode(as_, videos):
    season = SeasonFactory(title=TitleFactory(series=True))
    first = EpisodeFactory(season=season, number=1, name="Pilot", video=videos.video())
    second = EpisodeFactory(season=season, number=2, name="Second")

    response = start(as_("premium"), season.title, episode_id=first.pk)

    assert response.status_code == 201
    assert response.json()["episode"] == {
        "id": first.pk,
        "season": season.number,
        "number": 1,
        "name": "Pilot",
        "playable": True,
    }
    assert response.json()["next_episode"]["id"] == second.pk
    assert response.json()["next_episode"]["playable"] is False
    assert set(response.json()["next_episode"]) == set(EpisodeRefSerializer().fields)


@pytest.mark.parametrize(
    "title_key", ["draft", "future", "expired", "unknown"], ids=str
)
def test_titles_viewers_cannot_see_are_not_found(as_, videos, title_key):
    now = timezone.now()
    titles = {
        "draft": lambda: TitleFactory(draft=True, video=videos.video()).pk,
        "future": lambda: (
            TitleFactory(
                available_from=now + datetime.timedelta(days=1), video=videos.video()
            ).pk
        ),
        "expired": lambda: (
            TitleFactory(
                available_until=now - datetime.timedelta(seconds=1),
                video=videos.video(),
            ).pk
        ),
        "unknown": lambda: 987_654,
    }

    response = as_("premium").post(
        SESSIONS, {"title_id": titles[title_key]()}, format="json"
    )

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert not PlaybackSession.objects.exists()


def test_an_episode_of_another_series_is_not_found(as_, videos):
    mine = SeasonFactory(title=TitleFactory(series=True))
    EpisodeFactory(season=mine, video=videos.video(0))
    theirs = EpisodeFactory(video=videos.video(1))

    response = start(as_("premium"), mine.title, episode_id=theirs.pk)

    assert response.status_code == 404
    assert not PlaybackSession.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title_id": "abc"},
        {"title_id": -1},
        {"title_id": 2**70},
        {"title_id": 1, "episode_id": "x"},
        {"title_id": 1, "device_id": "x" * 65},
    ],
)
def test_malformed_starts_are_400_and_write_nothing(as_, titles, payload):
    response = as_("premium").post(SESSIONS, payload, format="json")

    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid" and body["fields"]
    assert not PlaybackSession.objects.exists()


def test_a_series_without_an_episode_is_400(as_, videos):
    season = SeasonFactory(title=TitleFactory(series=True))
    EpisodeFactory(season=season, video=videos.video())

    response = start(as_("premium"), season.title)

    assert response.status_code == 400
    assert "episode_id" in error(response)["fields"]


def test_a_video_not_ready_is_409_with_its_stage(as_):
    video = Video.objects.create(
        status=Video.Status.PROCESSING, stage=Video.Stage.ENCODING, progress=30
    )
    title = TitleFactory(video=video)

    response = start(as_("premium"), title)

    assert response.status_code == 409
    body = error(response)
    assert (body["code"], body["stage"], body["progress"]) == (
        "not_ready",
        "encoding",
        30,
    )
    # The video's status never replaces the error's HTTP status.
    assert (body["status"], body["video_status"]) == (409, "processing")
    assert not PlaybackSession.objects.exists()


def test_too_many_streams_is_409_naming_the_devices(as_, viewers, titles):
    PlaybackSessionFactory(
        profile=viewers.free, title=titles["free"], device="Living room TV"
    )

    response = start(as_("free"), titles["free"])

    assert response.status_code == 409
    body = error(response)
    assert body["code"] == "too_many_streams"
    [device] = body["active_devices"]
    assert set(device) == {"device", "profile", "title", "started_at", "last_seen_at"}
    assert (device["device"], device["title"]) == ("Living room TV", "Paper Boats")
    assert PlaybackSession.objects.count() == 1


def test_ending_frees_the_stream_for_the_next_start(as_, titles):
    client = as_("free")
    first = start(client, titles["free"]).json()

    assert start(client, titles["free"]).status_code == 409
    assert client.post(first["end_url"], {}, format="json").status_code == 204
    assert start(client, titles["free"]).status_code == 201


def test_a_device_name_defaults_to_the_user_agent(as_, titles):
    client = as_("premium")

    start(client, titles["free"], device_id="tab-1")
    client.post(
        SESSIONS,
        {"title_id": titles["free"].pk},
        format="json",
        headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0"},
    )

    assert set(PlaybackSession.objects.values_list("device", flat=True)) >= {
        "Firefox on Windows"
    }


# --- Who acts for which profile ---------------------------------------------------


def test_a_jwt_client_can_start_a_session(viewers, titles):
    client = APIClient()
    token = RefreshToken.for_user(viewers.free.user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert start(client, titles["free"]).status_code == 201


TABLE_VERBS = ("SELECT", "UPDATE", "INSERT")


def statements(captured) -> list[tuple[str, str]]:
    """(first word, first table) of each query run."""
    return [
        (verb, next(iter(re.findall(TABLE, sql)), "") if verb in TABLE_VERBS else "")
        for sql in (q["sql"] for q in captured.captured_queries)
        for verb in [sql.split()[0]]
    ]


TABLE = r'(?:FROM|UPDATE|INTO)\s+"(\w+)"'


def test_a_jwt_start_replacing_its_device_runs_no_redundant_query(
    viewers, titles, django_assert_num_queries
):
    client = jwt_client(viewers.free)
    assert start(client, titles["free"], device_id="tv").status_code == 201

    if connection.vendor == "postgresql":
        # The account's advisory lock, then one statement: its live streams
        # counted, the device's earlier session ended, the new one inserted,
        # and where to resume read (see playback.services.stream_claims).
        claim, resume = [("SELECT", ""), ("WITH", "")], []
    else:
        claim = [
            ("SELECT", "playback_playbacksession"),  # the account's live streams
            ("UPDATE", "playback_playbacksession"),  # the device's earlier one ends
            ("INSERT", "playback_playbacksession"),
        ]
        resume = [("SELECT", "playback_watchprogress")]  # where to resume
    # The plans and the title are known to this process by now.
    with django_assert_num_queries(3 + len(claim) + len(resume)) as captured:
        response = start(client, titles["free"], device_id="tv")

    assert response.status_code == 201
    assert statements(captured) == [
        ("SELECT", "accounts_user"),  # the bearer's account, with its only profile
        ("SAVEPOINT", ""),
        *claim,
        ("RELEASE", ""),
        *resume,
    ]
    sessions = PlaybackSession.objects.order_by("started_at")
    assert [s.ended_at is None for s in sessions] == [False, True]


def jwt_client(profile, header: str | None = None) -> APIClient:
    client = APIClient()
    token = RefreshToken.for_user(profile.user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if header is not None:
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_PROFILE_ID=header
        )
    return client


def test_a_jwt_client_acts_for_the_profile_its_header_names(viewers, titles):
    # Read with the account in one query: the kids profile's rating applies.
    kids = jwt_client(viewers.kids, str(viewers.kids.pk))
    grown_up = jwt_client(viewers.premium, str(viewers.premium.pk))

    assert error(start(kids, titles["premium"]))["code"] == "maturity"
    assert start(grown_up, titles["premium"]).status_code == 201
    assert PlaybackSession.objects.get().profile == viewers.premium


@pytest.mark.parametrize(
    ("header", "status", "code"),
    [
        ("other", 404, "profile_not_found"),
        ("x1", 400, "invalid"),
        (str(2**70), 404, "profile_not_found"),  # beyond the column's range
        ("", 400, "profile_required"),  # as none: the account has two
        (None, 400, "profile_required"),
    ],
)
def test_a_jwt_clients_foreign_or_malformed_profile_header_is_refused(
    viewers, titles, header, status, code
):
    value = str(viewers.other.pk) if header == "other" else header
    response = start(jwt_client(viewers.premium, value), titles["free"])

    assert (response.status_code, error(response)["code"]) == (status, code)
    assert not PlaybackSession.objects.exists()


def test_a_jwt_heartbeat_is_one_read_and_two_conditional_writes(
    viewers, titles, django_assert_num_queries
):
    client = jwt_client(viewers.free, str(viewers.free.pk))
    session = start(client, titles["free"]).json()
    client.post(session["heartbeat_url"], {"position": 1.0}, format="json")

    if connection.vendor == "postgresql":
        # Both writes in one statement (see playback.services.keep_alive).
        writes = [("WITH", "")]
    else:
        writes = [
            ("SAVEPOINT", ""),
            ("UPDATE", "playback_playbacksession"),  # kept alive if still live
            ("UPDATE", "playback_watchprogress"),  # unless a newer session wrote
            ("RELEASE", ""),
        ]

    with django_assert_num_queries(2 + len(writes)) as captured:
        response = client.post(
            session["heartbeat_url"], {"position": 2.0}, format="json"
        )

    assert response.status_code == 200
    assert statements(captured) == [
        ("SELECT", "accounts_user"),  # the bearer's account, with the profile
        ("SELECT", "playback_playbacksession"),  # with its video and title
        *writes,
    ]
    assert WatchProgress.objects.get().position_seconds == 2.0


def test_a_jwt_master_playlist_is_one_query(viewers, titles, django_assert_num_queries):
    client = jwt_client(viewers.free)
    session = start(client, titles["free"]).json()
    player = APIClient()  # no credentials: the token in the path is the grant
    player.get(session["hls_url"])  # the stored master, parsed and kept

    with django_assert_num_queries(1) as captured:
        response = player.get(session["hls_url"])

    assert response.status_code == 200
    assert statements(captured) == [("SELECT", "playback_playbacksession")]


def test_the_browser_session_needs_its_csrf_token(viewers, titles):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(viewers.free.user)

    response = start(client, titles["free"])

    assert response.status_code == 403
    assert not PlaybackSession.objects.exists()


def test_an_account_with_several_profiles_must_name_one(viewers, titles):
    client = APIClient()
    client.force_authenticate(viewers.premium.user)

    response = start(client, titles["free"])

    assert response.status_code == 400
    assert error(response)["code"] == "profile_required"


@pytest.mark.parametrize(("header", "status"), [("other", 404), ("x1", 400)])
def test_a_foreign_or_malformed_profile_header_is_refused(
    viewers, titles, header, status
):
    client = APIClient()
    client.force_authenticate(viewers.premium.user)
    value = str(viewers.other.pk) if header == "other" else header
    client.credentials(HTTP_X_PROFILE_ID=value)

    response = start(client, titles["free"])

    assert response.status_code == status
    if status == 404:
        assert error(response)["code"] == "profile_not_found"
    assert not PlaybackSession.objects.exists()


# --- Heartbeat and end: only the session's own profile ----------------------------

OWNER_ONLY = {"anonymous": 401, "free": 404, "premium": 204, "kids": 404, "other": 404}


@pytest.fixture
def premium_session(as_, titles):
    return start(as_("premium"), titles["free"]).json()


@pytest.mark.parametrize("persona", PERSONAS)
def test_heartbeat_matrix(as_, premium_session, persona):
    response = as_(persona).post(
        premium_session["heartbeat_url"], {"position": 1.5}, format="json"
    )

    # The owner's heartbeat answers with a fresh grant.
    assert response.status_code == {**OWNER_ONLY, "premium": 200}[persona]
    assert WatchProgress.objects.exists() is (persona == "premium")


@pytest.mark.parametrize("persona", PERSONAS)
def test_end_matrix(as_, premium_session, persona):
    response = as_(persona).post(
        premium_session["end_url"], {"position": 2.0}, format="json"
    )

    assert response.status_code == OWNER_ONLY[persona]
    session = PlaybackSession.objects.get()
    assert (session.ended_at is not None) is (persona == "premium")
    assert WatchProgress.objects.exists() is (persona == "premium")


@pytest.mark.parametrize(
    "body",
    [
        {"position": -1},
        {"position": 1e9},
        {"position": 3.0 + 5.01},
        {"position": "abc"},
        {"position": "NaN"},
        {"position": "Infinity"},
        {"position": True},
        {"position": None},
        {},
        [],
    ],
    ids=repr,
)
def test_bad_heartbeats_are_400_and_write_nothing(as_, premium_session, body):
    seen = PlaybackSession.objects.get().last_seen_at

    response = as_("premium").post(
        premium_session["heartbeat_url"], body, format="json"
    )

    assert response.status_code == 400
    payload = error(response)
    assert payload["code"] == "invalid"
    assert not WatchProgress.objects.exists()
    assert PlaybackSession.objects.get().last_seen_at == seen


def test_a_heartbeat_that_is_not_json_is_400(as_, premium_session):
    response = as_("premium").post(
        premium_session["heartbeat_url"],
        '{"position": NaN}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not WatchProgress.objects.exists()


def test_a_heartbeat_for_an_ended_session_is_410(as_, premium_session):
    client = as_("premium")
    client.post(premium_session["end_url"], {}, format="json")

    response = client.post(
        premium_session["heartbeat_url"], {"position": 1}, format="json"
    )

    assert response.status_code == 410
    assert error(response)["code"] == "session_ended"


def test_a_heartbeat_for_an_expired_session_is_410(as_, premium_session):
    PlaybackSession.objects.update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = as_("premium").post(
        premium_session["heartbeat_url"], {"position": 1}, format="json"
    )

    assert response.status_code == 410
    assert error(response)["code"] == "session_expired"


@pytest.mark.parametrize(
    "url",
    [
        f"{SESSIONS}{uuid.uuid4()}/heartbeat/",
        f"{SESSIONS}not-a-uuid/heartbeat/",
        f"{SESSIONS}{uuid.uuid4()}/end/",
    ],
)
def test_unknown_sessions_are_404(as_, url):
    response = as_("premium").post(url, {"position": 1}, format="json")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


# --- Continue watching, history, My List: each profile sees its own -------------


@pytest.fixture
def premium_progress(viewers, titles):
    WatchProgressFactory(
        profile=viewers.premium, title=titles["free"], position_seconds=1.0
    )
    WatchlistItemFactory(profile=viewers.premium, title=titles["free"])


LIST_ENDPOINTS = ["/api/v1/me/continue-watching/", "/api/v1/me/history/"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", LIST_ENDPOINTS + ["/api/v1/me/watchlist/"])
def test_lists_matrix(as_, premium_progress, persona, url):
    response = as_(persona).get(url)

    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    data = response.json()
    items = data if isinstance(data, list) else data["results"]
    assert len(items) == (1 if persona == "premium" else 0)


def test_continue_watching_shape(as_, premium_progress, titles):
    [item] = as_("premium").get("/api/v1/me/continue-watching/").json()

    assert item["title"]["id"] == titles["free"].pk
    assert item["title"]["slug"] == titles["free"].slug
    assert item["episode"] is None
    assert item["resume_position"] == 1.0
    assert item["progress"] == pytest.approx(0.01)
    assert item["up_next"] is False


@pytest.mark.parametrize("limit", ["0", "51", "x"])
def test_continue_watching_limit_is_checked(as_, limit):
    response = as_("premium").get(f"/api/v1/me/continue-watching/?limit={limit}")

    assert response.status_code == 400
    assert "limit" in error(response)["fields"]


def test_history_is_paged(as_, viewers):
    for _ in range(3):
        WatchProgressFactory(profile=viewers.premium, title=TitleFactory())

    page = as_("premium").get("/api/v1/me/history/?page_size=2").json()

    assert page["count"] == 3 and len(page["results"]) == 2
    assert set(page["results"][0]) == {
        "title",
        "episode",
        "position",
        "duration",
        "completed",
        "watched_at",
    }


def test_history_costs_the_same_for_many_episodes(
    as_, viewers, django_assert_max_num_queries
):
    season = SeasonFactory(title=TitleFactory(series=True))
    for number in range(1, 7):
        episode = EpisodeFactory(season=season, number=number)
        WatchProgressFactory(
            profile=viewers.premium, title=season.title, episode=episode
        )
    client = as_("premium")

    with django_assert_max_num_queries(4):  # user, profile, count, page
        page = client.get("/api/v1/me/history/").json()

    assert page["count"] == 6
    assert page["results"][0]["episode"]["season"] == season.number


def test_the_kids_profile_sees_only_its_titles_in_lists(as_, viewers, titles):
    WatchProgressFactory(profile=viewers.kids, title=titles["premium"])
    WatchlistItem.objects.create(profile=viewers.kids, title=titles["premium"])

    for url in LIST_ENDPOINTS + ["/api/v1/me/watchlist/"]:
        data = as_("kids").get(url).json()
        assert (data if isinstance(data, list) else data["results"]) == [], url


WATCHLIST_ADD = {
    ("anonymous", "free"): 401,
    ("free", "free"): 201,
    ("free", "premium"): 201,  # a list is not a plan: it may hold any visible title
    ("premium", "premium"): 201,
    ("kids", "free"): 201,
    ("kids", "premium"): 404,  # above its rating, as if it did not exist
    ("other", "free"): 201,
}


@pytest.mark.parametrize(("persona", "title"), list(WATCHLIST_ADD))
def test_watchlist_add_matrix(as_, titles, viewers, persona, title):
    response = as_(persona).post(
        "/api/v1/me/watchlist/", {"title_id": titles[title].pk}, format="json"
    )

    assert response.status_code == WATCHLIST_ADD[persona, title]
    added = WatchlistItem.objects.filter(title=titles[title])
    if response.status_code == 201:
        assert response.json()["title"]["id"] == titles[title].pk
        assert [item.profile for item in added] == [getattr(viewers, persona)]
    else:
        assert not added.exists()


def test_adding_twice_is_200_and_one_item(as_, titles):
    client = as_("premium")
    payload = {"title_id": titles["free"].pk}

    assert (
        client.post("/api/v1/me/watchlist/", payload, format="json").status_code == 201
    )
    assert (
        client.post("/api/v1/me/watchlist/", payload, format="json").status_code == 200
    )
    assert WatchlistItem.objects.count() == 1


@pytest.mark.parametrize("title_id", [987_654, "abc"])
def test_adding_an_unknown_title_is_refused(as_, title_id):
    response = as_("premium").post(
        "/api/v1/me/watchlist/", {"title_id": title_id}, format="json"
    )

    assert response.status_code in (400, 404)
    assert not WatchlistItem.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_watchlist_remove_matrix(as_, premium_progress, titles, persona):
    response = as_(persona).delete(f"/api/v1/me/watchlist/{titles['free'].pk}/")

    assert response.status_code == OWNER_ONLY[persona]
    assert WatchlistItem.objects.exists() is (persona != "premium")


def test_removing_a_huge_id_is_404(as_):
    response = as_("premium").delete(f"/api/v1/me/watchlist/{2**80}/")

    assert response.status_code == 404


def test_the_schema_documents_every_endpoint(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    paths = schema["paths"]
    for path in [
        "/api/v1/playback/sessions/",
        "/api/v1/playback/sessions/{session_id}/heartbeat/",
        "/api/v1/playback/sessions/{session_id}/end/",
        "/api/v1/me/continue-watching/",
        "/api/v1/me/history/",
        "/api/v1/me/watchlist/",
        "/api/v1/me/watchlist/{title_id}/",
    ]:
        assert path in paths, path
    start_op = paths["/api/v1/playback/sessions/"]["post"]
    assert {"201", "401", "403", "404", "409"} <= set(start_op["responses"])
    preferences = schema["components"]["schemas"]["PlaybackPreferences"]
    assert set(preferences["properties"]) == {
        "audio_language",
        "audio_description",
        "captions_language",
    }
    session = schema["components"]["schemas"]["Session"]
    assert "preferences" in session["required"]
    assert any(p["name"] == "X-Profile-ID" for p in start_op["parameters"])
