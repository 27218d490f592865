"""Attacks on CloudFront delivery, checked with the public key as CloudFront
checks a URL (issue 11, section 1).

A session on a plan below the top rung copies the signed queries of every URL
it was given and tries them on what its plan does not include: the top rung's
init and segments and its playlist, the stored master and MPD, another video,
another revision. Its grant must cover none of them, must expire within one
grant lifetime, and must not be renewed once the session is over.
"""

import datetime
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlsplit

import m3u8
import pytest
from django.test import Client
from django.utils import timezone

from playback.delivery import signing
from playback.delivery.cloudfront import cloudfront_url_verify
from playback.delivery.signing import ExpiredGrant, InvalidGrant, PathNotGranted
from playback.models import PlaybackSession
from tests.catalog.factories import TitleFactory
from tests.playback import conftest as playback_fixtures
from tests.playback import test_cloudfront as cloudfront_fixtures
from tests.playback.conftest import api_for
from tests.playback.factories import PlanFactory, ProfileFactory, UserFactory
from tests.playback.test_cloudfront import CDN, KEY_PAIR_ID
from tests.playback.test_delivery import fetch, start

pytestmark = pytest.mark.django_db

# The real stream and the CloudFront signer of the playback tests.
stream = playback_fixtures.stream
videos = playback_fixtures.videos
fast_password_hashing = playback_fixtures._fast_password_hashing
key_pair = cloudfront_fixtures.key_pair
cloudfront = cloudfront_fixtures.cloudfront

# The test stream's ladder is 180p (representation 0) and 144p (1); its one
# audio track, in stereo, is audio-0-2ch.
ALLOWED = (
    "init-1.m4s",
    "seg-1-00001.m4s",
    "audio-0-2ch-init.m4s",
    "audio-0-2ch-00001.m4s",
)
DENIED = ("init-0.m4s", "seg-0-00001.m4s", "180p.m3u8", "master.m3u8", "manifest.mpd")


@pytest.fixture
def low_plan_session(cloudfront, videos):
    """A session of a plan whose top rung is 144p, and its video."""
    video = videos.video()
    small = PlanFactory(slug="small", access_level="free", max_height=144)
    profile = ProfileFactory(user=UserFactory(plan=small))
    return start(profile, TitleFactory(video=video)), video, profile


def verify(url: str, key_pair, **kwargs) -> dict:
    return cloudfront_url_verify(
        url, public_key=key_pair.public_key(), key_pair_id=KEY_PAIR_ID, **kwargs
    )


def reached_urls(session: dict) -> list[str]:
    """Every CDN URL a player of ``session`` is given, through Django's copies."""
    player = Client()
    master = m3u8.loads(fetch(player, session["hls_url"]).content.decode())
    urls = [session["poster_url"]] + [t["url"] for t in session["text_tracks"]]
    for uri in [p.uri for p in master.playlists] + [m.uri for m in master.media]:
        if not uri:
            continue
        inner = m3u8.loads(fetch(player, uri).content.decode())
        urls += [s.uri for s in inner.segments] + [s.uri for s in inner.segment_map]
    return [url for url in urls if url and url.startswith(CDN)]


def queries_of(session: dict) -> set[str]:
    """Every signed query the session was handed, in URLs or in its grant."""
    found = {urlsplit(url).query for url in reached_urls(session)}
    grant = session.get("grant", {})
    return found | {entry["query"] for entry in grant.get("queries", [])}


def test_a_low_plan_sessions_urls_open_its_own_rungs(low_plan_session, cloudfront):
    session, video, _ = low_plan_session

    urls = reached_urls(session)

    names = {urlsplit(url).path.rsplit("/", 1)[1] for url in urls}
    assert set(ALLOWED) <= names
    assert not names & set(DENIED)
    for url in urls:
        verify(url, cloudfront)


@pytest.mark.parametrize("name", DENIED)
def test_no_signed_query_of_a_low_plan_session_opens_what_its_plan_excludes(
    low_plan_session, cloudfront, name
):
    session, video, _ = low_plan_session
    prefix = video.revision_prefix(video.revision)

    for query in queries_of(session):
        with pytest.raises(PathNotGranted):
            verify(f"{CDN}{prefix}{name}?{query}", cloudfront)


@pytest.mark.parametrize(
    "elsewhere",
    [
        "videos/0b7c5e1e-0000-4000-8000-000000000009/{revision}/seg-1-00001.m4s",
        "videos/{uuid}/20250101T000000-older/seg-1-00001.m4s",
        "videos/{uuid}/seg-1-00001.m4s",
        "sources/{uuid}/source.mp4",
        # CloudFront matches the query string too: a wildcard host would let
        # the session's own path, written in the query, open any file.
        "videos/{uuid}/{revision}/seg-0-00001.m4s?x=/videos/{uuid}/{revision}/seg-1-",
    ],
)
def test_no_signed_query_opens_another_video_or_revision(
    low_plan_session, cloudfront, elsewhere
):
    session, video, _ = low_plan_session
    path = elsewhere.format(uuid=video.uuid, revision=video.revision)

    for query in queries_of(session):
        joiner = "&" if "?" in path else "?"
        with pytest.raises(PathNotGranted):
            verify(f"{CDN}{path}{joiner}{query}", cloudfront)


def test_a_grant_dies_within_one_grant_lifetime(cloudfront, videos, settings):
    settings.PLAYBACK_GRANT_LIFETIME_SECONDS = lifetime = 300
    video = videos.video()
    session = start(ProfileFactory(user=UserFactory()), TitleFactory(video=video))
    segment = next(url for url in reached_urls(session) if "/seg-1-" in url)

    verify(segment, cloudfront)
    with pytest.raises(ExpiredGrant):
        verify(segment, cloudfront, now=time.time() + lifetime + 1)
    expires = datetime.datetime.fromisoformat(session["grant"]["expires_at"])
    assert expires <= timezone.now() + datetime.timedelta(seconds=lifetime + 1)


def test_a_heartbeat_of_a_live_session_renews_its_grant(
    low_plan_session, cloudfront, settings, monkeypatch
):
    session, video, profile = low_plan_session
    settings.PLAYBACK_GRANT_LIFETIME_SECONDS = 60
    prefix = video.revision_prefix(video.revision)
    later = time.time() + 3600
    PlaybackSession.objects.update(
        expires_at=timezone.now() + datetime.timedelta(hours=2)
    )
    with monkeypatch.context() as patched:  # the session an hour on, still beating
        patched.setattr(signing.time, "time", lambda: later)
        beat = api_for(profile).post(
            session["heartbeat_url"], {"position": 1.0}, format="json"
        )

    assert beat.status_code == 200
    grant = beat.json()["grant"]
    assert grant["token"] != session["grant"]["token"]
    by_resource = {entry["resource"]: entry["query"] for entry in grant["queries"]}
    segment = by_resource[f"{CDN}{prefix}seg-1-?????.m4s"]
    verify(f"{CDN}{prefix}seg-1-00001.m4s?{segment}", cloudfront, now=later + 30)
    with pytest.raises(ExpiredGrant):
        verify(f"{CDN}{prefix}seg-1-00001.m4s?{segment}", cloudfront, now=later + 61)
    assert f"{CDN}{prefix}seg-0-?????.m4s" not in by_resource


@pytest.mark.parametrize("how", ["ended", "silent"])
def test_a_session_that_is_over_gets_no_new_grant(low_plan_session, how):
    session, _, profile = low_plan_session
    client = api_for(profile)
    if how == "ended":
        assert client.post(session["end_url"], {}, format="json").status_code == 204
    else:  # no heartbeat for the session timeout
        PlaybackSession.objects.update(expires_at=timezone.now())

    beat = client.post(session["heartbeat_url"], {"position": 1.0}, format="json")

    assert beat.status_code == 410
    assert "grant" not in beat.json()
    master = fetch(Client(), session["hls_url"])
    assert master.status_code == 403


def test_a_session_of_the_plan_over_every_rung_is_granted_every_rung(
    cloudfront, videos
):
    video = videos.video()
    session = start(ProfileFactory(user=UserFactory()), TitleFactory(video=video))

    names = {urlsplit(url).path.rsplit("/", 1)[1] for url in reached_urls(session)}

    assert {"init-0.m4s", "seg-0-00001.m4s", "init-1.m4s"} <= names


def test_the_signature_parameters_are_the_only_query(low_plan_session, cloudfront):
    session, _, _ = low_plan_session

    for url in reached_urls(session):
        names = [name for name, _ in parse_qsl(urlsplit(url).query)]
        assert sorted(names) == ["Key-Pair-Id", "Policy", "Signature"]


def test_a_forged_grant_expiry_is_refused(low_plan_session, cloudfront):
    session, _, _ = low_plan_session
    segment = next(url for url in reached_urls(session) if "/seg-1-" in url)
    policy = dict(parse_qsl(urlsplit(segment).query))["Policy"]

    with pytest.raises(InvalidGrant):
        verify(segment.replace(policy, policy[:-4] + "AAAA"), cloudfront)


def test_the_mpd_signs_each_representation_for_its_own_files_only(
    low_plan_session, cloudfront
):
    session, _, _ = low_plan_session
    ns = "{urn:mpeg:dash:schema:mpd:2011}"

    root = ET.fromstring(fetch(Client(), session["dash_url"]).content.decode())  # noqa: S314

    base = root.find(f"{ns}BaseURL").text
    ids = {r.get("id") for r in root.iter(f"{ns}Representation")}
    assert "0" not in ids and {"1", "audio-0-2ch"} <= ids
    for template in root.iter(f"{ns}SegmentTemplate"):
        init = base + template.get("initialization")
        media = base + template.get("media").replace("$Number%05d$", "00001")
        verify(init, cloudfront)
        verify(media, cloudfront)
        for name in ("init-0.m4s", "seg-0-00001.m4s"):
            for url in (init, media):
                with pytest.raises(PathNotGranted):
                    verify(base + name + "?" + url.split("?")[1], cloudfront)
