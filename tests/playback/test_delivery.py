"""What a player fetches: the session's manifests and media behind its grant."""

import datetime
import time
from urllib.parse import urljoin, urlsplit

import m3u8
import pytest
from django.test import Client
from django.utils import timezone

from playback import services
from playback.delivery.signing import Grant, Signer
from playback.models import PlaybackSession
from tests.catalog.factories import TitleFactory
from vod.media_types import IMMUTABLE

from .conftest import api_for
from .factories import PlanFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def player():
    """A player: no cookies, no bearer token, only the URLs it was given."""
    return Client()


def start(profile, title) -> dict:
    response = api_for(profile).post(
        "/api/v1/playback/sessions/", {"title_id": title.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def fetch(player, url: str, **headers):
    return player.get(urlsplit(url).path, headers=headers)


def uris(playlist_text: str, base: str) -> list[str]:
    parsed = m3u8.loads(playlist_text, uri=base)
    found = [urljoin(base, p.uri) for p in parsed.playlists]
    found += [urljoin(base, m.uri) for m in parsed.media if m.uri]
    if parsed.segment_map:
        found += [urljoin(base, s.uri) for s in parsed.segment_map]
    found += [urljoin(base, s.uri) for s in parsed.segments]
    return found


@pytest.fixture
def movie(videos):
    return TitleFactory(video=videos.video())


@pytest.fixture
def viewer(db):
    return ProfileFactory(user=UserFactory())  # the default (Free) plan


def test_every_file_the_session_master_leads_to_is_served(
    player, videos, movie, viewer
):
    session = start(viewer, movie)

    master = fetch(player, session["hls_url"])
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master["Cache-Control"] == "private, no-store"

    fetched = 0
    for playlist_url in uris(master.content.decode(), session["hls_url"]):
        playlist = fetch(player, playlist_url)
        assert playlist.status_code == 200, playlist_url
        for url in uris(body(playlist).decode(), playlist_url):
            response = fetch(player, url)
            assert response.status_code == 200, url
            storage_path = url.split("/media/s/")[1].split("/", 1)[1]
            assert body(response) == (videos.media_root / storage_path).read_bytes()
            fetched += 1
    assert fetched >= 5  # init + segment per rung, audio, the subtitles file


def test_segments_carry_their_type_and_immutable_caching(player, movie, viewer):
    session = start(viewer, movie)
    base = session["hls_url"].replace("/playback/s/", "/media/s/")
    token_base = session["poster_url"].rsplit("/", 1)[0] + "/"

    segment = fetch(player, token_base + "seg-1-00001.m4s")
    playlist = fetch(player, token_base + "144p.m3u8")

    assert base  # the master and the media share one token
    assert segment.status_code == 200
    assert segment["Content-Type"] == "video/iso.segment"
    assert segment["Cache-Control"] == IMMUTABLE
    assert segment["Accept-Ranges"] == "bytes"
    assert playlist["Cache-Control"] == "public, max-age=60"


def test_the_master_holds_only_the_rungs_the_plan_allows(player, movie, db):
    small = PlanFactory(slug="small", access_level="free", max_height=160)
    viewer = ProfileFactory(user=UserFactory(plan=small))
    session = start(viewer, movie)

    master = m3u8.loads(fetch(player, session["hls_url"]).content.decode())

    assert [p.stream_info.resolution for p in master.playlists] == [(256, 144)]
    assert session["max_height"] == 160
    # The withheld rung is refused even when asked for by hand.
    token_base = session["poster_url"].rsplit("/", 1)[0] + "/"
    for name in ["180p.m3u8", "init-0.m4s", "seg-0-00001.m4s"]:
        refused = fetch(player, token_base + name)
        assert refused.status_code == 403, name
        assert refused.json()["error"]["code"] == "path_not_allowed"
    assert fetch(player, token_base + "seg-1-00001.m4s").status_code == 200


def test_a_plan_below_every_rung_gets_the_lowest(player, movie, db):
    tiny = PlanFactory(slug="tiny", access_level="free", max_height=100)
    viewer = ProfileFactory(user=UserFactory(plan=tiny))

    session = start(viewer, movie)
    master = m3u8.loads(fetch(player, session["hls_url"]).content.decode())

    assert [p.stream_info.resolution for p in master.playlists] == [(256, 144)]


def test_the_session_mpd_holds_only_the_plans_representations(player, movie, db):
    small = PlanFactory(slug="small", access_level="free", max_height=160)
    viewer = ProfileFactory(user=UserFactory(plan=small))
    session = start(viewer, movie)

    response = fetch(player, session["dash_url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/dash+xml"
    text = response.content.decode()
    assert 'height="180"' not in text and 'height="144"' in text
    base = text.split("<BaseURL>")[1].split("</BaseURL>")[0]
    assert fetch(player, base + "init-1.m4s").status_code == 200
    assert fetch(player, base + "init-0.m4s").status_code == 403


def test_the_stored_manifests_are_not_served_under_a_grant(player, movie, viewer):
    session = start(viewer, movie)
    token_base = session["poster_url"].rsplit("/", 1)[0] + "/"

    for name in ["master.m3u8", "manifest.mpd"]:
        assert fetch(player, token_base + name).status_code == 403


def _flip(text: str, index: int) -> str:
    """``text`` with one character changed (never the last, whose low bits
    base64 leaves unused)."""
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_a_tampered_token_is_refused_with_a_json_403(player, movie, viewer):
    session = start(viewer, movie)
    token = session["poster_url"].split("/media/s/")[1].split("/")[0]
    payload, signature = token.split(".")
    forged = _flip(payload, 10)

    for url in [
        session["poster_url"].replace(token, f"{forged}.{signature}"),
        session["hls_url"].replace(token, f"{forged}.{signature}"),
        session["poster_url"].replace(token, f"{payload}.{_flip(signature, 5)}"),
        session["poster_url"].replace(token, "not-a-token"),
    ]:
        response = fetch(player, url)
        assert response.status_code == 403, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "invalid_signature"


def test_an_expired_token_is_refused(player, movie, viewer):
    session_id = start(viewer, movie)["id"]
    session = PlaybackSession.objects.select_related("video").get(pk=session_id)
    prefix = session.video.revision_prefix(session.revision)
    signer = Signer()
    token = signer.sign(
        Grant(session_id=session.id, prefix=prefix, expires=int(time.time()) - 5)
    )

    response = fetch(player, signer.url(token, prefix + "poster.jpg"))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "signature_expired"
    master = fetch(player, f"/playback/s/{token}/master.m3u8")
    assert master.status_code == 403


def test_a_token_replayed_on_another_sessions_path_is_refused(
    player, videos, movie, viewer, viewers
):
    other_movie = TitleFactory(video=videos.video(1))
    mine = start(viewer, movie)
    theirs = start(viewers.other, other_movie)
    my_token = mine["poster_url"].split("/media/s/")[1].split("/")[0]
    their_token = theirs["poster_url"].split("/media/s/")[1].split("/")[0]

    replayed = theirs["poster_url"].replace(their_token, my_token)
    response = fetch(player, replayed)

    assert fetch(player, theirs["poster_url"]).status_code == 200
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "path_not_allowed"


def test_a_path_climbing_out_of_the_grant_is_refused(player, movie, viewer):
    session = start(viewer, movie)
    token_base = session["poster_url"].rsplit("/", 1)[0] + "/"
    source = f"sources/{movie.video.uuid}/source.mp4"

    response = player.get(urlsplit(token_base).path + "../../../" + source)

    assert response.status_code == 403


def test_an_ended_sessions_urls_stop_working_at_once(player, movie, viewer):
    session = start(viewer, movie)
    assert fetch(player, session["poster_url"]).status_code == 200

    api_for(viewer).post(session["end_url"], {}, format="json")

    for url in [session["poster_url"], session["hls_url"], session["dash_url"]]:
        response = fetch(player, url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "session_ended"


def test_an_expired_sessions_urls_stop_working(player, movie, viewer):
    session = start(viewer, movie)
    PlaybackSession.objects.filter(pk=session["id"]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert fetch(player, session["poster_url"]).status_code == 403
    assert fetch(player, session["hls_url"]).status_code == 403


def test_a_deleted_sessions_urls_stop_working(player, movie, viewer):
    session = start(viewer, movie)
    PlaybackSession.objects.filter(pk=session["id"]).delete()

    assert fetch(player, session["poster_url"]).status_code == 403


def test_the_media_check_is_one_query(player, movie, viewer, django_assert_num_queries):
    session = start(viewer, movie)

    with django_assert_num_queries(1):
        response = fetch(player, session["poster_url"])

    assert response.status_code == 200


def test_the_master_is_one_query_its_rungs_from_the_grant(
    player, movie, viewer, django_assert_num_queries
):
    session = start(viewer, movie)
    fetch(player, session["hls_url"])  # the stored master, parsed and kept

    with django_assert_num_queries(1):  # the session's state, by primary key
        response = fetch(player, session["hls_url"])

    assert response.status_code == 200


def test_a_missing_file_under_the_grant_is_a_json_404(player, movie, viewer):
    session = start(viewer, movie)
    token_base = session["poster_url"].rsplit("/", 1)[0] + "/"

    response = fetch(player, token_base + "seg-1-99999.m4s")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- HTTP Range ---------------------------------------------------------------


@pytest.fixture
def segment(player, videos, movie, viewer):
    session = start(viewer, movie)
    url = session["poster_url"].rsplit("/", 1)[0] + "/seg-1-00001.m4s"
    return url, videos.path(movie.video, "seg-1-00001.m4s").read_bytes()


def test_a_range_gets_206_and_exactly_those_bytes(player, segment):
    url, data = segment

    response = fetch(player, url, Range="bytes=100-299")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-299/{len(data)}"
    assert response["Content-Length"] == "200"
    assert body(response) == data[100:300]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=10-", 10, None),
        ("bytes=-50", -50, None),
        ("bytes=5-999999999", 5, None),
    ],
)
def test_open_and_suffix_ranges(player, segment, header, start, end):
    url, data = segment
    wanted = data[start:] if end is None else data[start : end + 1]
    if start < 0:
        start = len(data) + start

    response = fetch(player, url, Range=header)

    assert response.status_code == 206
    assert body(response) == wanted
    assert response["Content-Range"] == (
        f"bytes {start}-{start + len(wanted) - 1}/{len(data)}"
    )


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=-0"])
def test_an_unsatisfiable_range_is_416(player, segment, header):
    url, data = segment

    response = fetch(player, url, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"
    assert response.json()["error"]["code"] == "range_not_satisfiable"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=abc", "bytes=-"]
)
def test_several_or_malformed_ranges_get_the_whole_file(player, segment, header):
    url, data = segment

    response = fetch(player, url, Range=header)

    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Length"] == str(len(data))


def test_head_says_the_size_without_the_bytes(player, segment):
    url, data = segment

    response = player.head(urlsplit(url).path, headers={"Range": "bytes=0-9"})

    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response.content == b""


# --- While the first transcode runs ---------------------------------------------


def test_a_video_still_encoding_plays_from_its_growing_revision(player, videos, viewer):
    title = TitleFactory(video=videos.video(preview=True))

    session = start(viewer, title)
    master = fetch(player, session["hls_url"])
    token_base = urljoin(
        session["hls_url"], m3u8.loads(master.content.decode()).playlists[0].uri
    ).rsplit("/", 1)[0]
    playlist = fetch(player, token_base + "/144p.m3u8")

    assert session["previewing"] is True
    assert session["dash_url"] is None and session["poster_url"] is None
    assert len(m3u8.loads(master.content.decode()).playlists) == 2
    assert playlist.status_code == 200
    assert playlist["Cache-Control"] == "public, max-age=1"  # it still grows
    assert fetch(player, token_base + "/seg-1-00001.m4s").status_code == 200


def test_a_session_started_on_a_preview_plays_on_once_it_is_published(
    player, videos, viewer
):
    video = videos.video(preview=True)
    title = TitleFactory(video=video)
    session = start(viewer, title)
    video.revision, video.preview_revision = video.preview_revision, ""
    video.save()

    session_row = PlaybackSession.objects.get(pk=session["id"])
    services.playback_session_heartbeat(session=session_row, position=1.0)

    assert fetch(player, session["hls_url"]).status_code == 200
