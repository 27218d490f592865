"""A plan downgrade reaches the sessions already playing (issue 11, section 1).

Heartbeats renew a session's grant for as long as it plays, so the grant must
follow the account's plan as it is now, not as it was when the session
started: after a downgrade the next heartbeat's grant covers no rung above the
new plan (HMAC token and CloudFront policies alike), and a title the new plan
does not include ends the session (410 ``no_longer_available``). Both ways an
account signs in are checked: an app's bearer token (its account and plan are
read with the token) and the browser's session cookie.
"""

import m3u8
import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from playback.delivery.signing import PathNotGranted, grant_decode, signing_key
from playback.models import PlaybackSession
from tests.accounts.factories import PASSWORD
from tests.catalog.factories import TitleFactory
from tests.playback import conftest as playback_fixtures
from tests.playback import test_cloudfront as cloudfront_fixtures
from tests.playback.factories import PlanFactory, ProfileFactory, UserFactory
from tests.playback.test_cloudfront import CDN
from tests.playback.test_delivery import fetch

from .test_cdn_grants import verify

pytestmark = pytest.mark.django_db

stream = playback_fixtures.stream
videos = playback_fixtures.videos
fast_password_hashing = playback_fixtures._fast_password_hashing
key_pair = cloudfront_fixtures.key_pair
cloudfront = cloudfront_fixtures.cloudfront

SESSIONS = "/api/v1/playback/sessions/"
# The test stream's ladder is 180p (representation 0) and 144p (1), audio-0-2ch.
TOP_RUNG = ("init-0.m4s", "seg-0-00001.m4s")
LOW_RUNG = ("init-1.m4s", "seg-1-00001.m4s")


@pytest.fixture
def plans(db):
    """A plan with every rung and access level, and one of 144p and free titles."""
    return (
        PlanFactory(slug="big", access_level="premium", max_height=1080),
        PlanFactory(slug="small", access_level="free", max_height=144),
    )


def signed_in(profile, how: str) -> APIClient:
    """A client of the profile's account, signed in as an app or a browser is."""
    client = APIClient()
    headers = {"HTTP_X_PROFILE_ID": str(profile.pk)}
    if how == "bearer":
        tokens = client.post(
            "/api/v1/auth/token/",
            {"email": profile.user.email, "password": PASSWORD},
            format="json",
        )
        assert tokens.status_code == 200, tokens.content
        headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens.json()['access']}"
    else:
        client.force_login(profile.user)
    client.credentials(**headers)
    return client


def started(client, title) -> dict:
    response = client.post(SESSIONS, {"title_id": title.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def change_plan(profile, plan) -> None:
    User.objects.filter(pk=profile.user_id).update(plan=plan)


def beat(client, session: dict):
    return client.post(session["heartbeat_url"], {"position": 1.0}, format="json")


@pytest.mark.parametrize("how", ["bearer", "cookie"])
def test_after_a_downgrade_the_hmac_grant_covers_no_rung_above_the_plan(
    videos, plans, how
):
    big, small = plans
    video = videos.video()
    profile = ProfileFactory(user=UserFactory(plan=big))
    client = signed_in(profile, how)
    session = started(client, TitleFactory(video=video, access_level="free"))
    prefix = video.revision_prefix(video.revision)
    key = signing_key()
    before = grant_decode(session["grant"]["token"], key=key)
    for name in TOP_RUNG:
        before.check_path(prefix + name)  # the big plan's grant has the top rung

    change_plan(profile, small)
    answer = beat(client, session)

    assert answer.status_code == 200
    grant = grant_decode(answer.json()["grant"]["token"], key=key)
    for name in LOW_RUNG:
        grant.check_path(prefix + name)
    for name in TOP_RUNG + ("180p.m3u8",):
        with pytest.raises(PathNotGranted):
            grant.check_path(prefix + name)
    # Django's copy of the master follows too, should the player fetch it again.
    assert PlaybackSession.objects.get().max_height == 144
    master = m3u8.loads(fetch(Client(), session["hls_url"]).content.decode())
    assert [p.stream_info.resolution[1] for p in master.playlists] == [144]


def test_after_a_downgrade_the_cloudfront_queries_open_no_rung_above_the_plan(
    cloudfront, videos, plans
):
    big, small = plans
    video = videos.video()
    profile = ProfileFactory(user=UserFactory(plan=big))
    client = signed_in(profile, "bearer")
    session = started(client, TitleFactory(video=video, access_level="free"))
    prefix = video.revision_prefix(video.revision)
    assert any(
        entry["resource"] == f"{CDN}{prefix}seg-0-?????.m4s"
        for entry in session["grant"]["queries"]
    )

    change_plan(profile, small)
    answer = beat(client, session)

    assert answer.status_code == 200
    queries = [entry["query"] for entry in answer.json()["grant"]["queries"]]
    for name in LOW_RUNG:
        assert any(_opens(f"{CDN}{prefix}{name}", q, cloudfront) for q in queries)
    for name in TOP_RUNG + ("180p.m3u8",):
        for query in queries:
            with pytest.raises(PathNotGranted):
                verify(f"{CDN}{prefix}{name}?{query}", cloudfront)


def _opens(url: str, query: str, key_pair) -> bool:
    try:
        verify(f"{url}?{query}", key_pair)
    except PathNotGranted:
        return False
    return True


@pytest.mark.parametrize("how", ["bearer", "cookie"])
def test_a_title_above_the_new_plan_ends_the_session(videos, plans, how):
    big, small = plans
    profile = ProfileFactory(user=UserFactory(plan=big))
    client = signed_in(profile, how)
    title = TitleFactory(video=videos.video(), access_level="premium")
    session = started(client, title)

    change_plan(profile, small)
    answer = beat(client, session)

    assert answer.status_code == 410
    error = answer.json()["error"]
    assert error["code"] == "no_longer_available"
    assert "grant" not in answer.json()
    assert PlaybackSession.objects.get().ended_at is not None
    assert fetch(Client(), session["hls_url"]).status_code == 403
    again = client.post(SESSIONS, {"title_id": title.pk}, format="json")
    assert again.status_code == 403
    assert again.json()["error"]["code"] == "upgrade_required"


def test_an_upgrade_does_not_widen_a_playing_session(videos, plans):
    """The player's master lists the rungs of the start; the grant stays so."""
    big, small = plans
    video = videos.video()
    profile = ProfileFactory(user=UserFactory(plan=small))
    client = signed_in(profile, "bearer")
    session = started(client, TitleFactory(video=video, access_level="free"))

    change_plan(profile, big)
    answer = beat(client, session)

    assert answer.status_code == 200
    grant = grant_decode(answer.json()["grant"]["token"], key=signing_key())
    with pytest.raises(PathNotGranted):
        grant.check_path(video.revision_prefix(video.revision) + TOP_RUNG[1])
