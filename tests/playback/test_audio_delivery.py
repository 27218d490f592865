"""Audio renditions a session gets: 5.1 only on plans whose setting allows it.

A German 5.1 source runs through the real pipeline once for the module: its
stereo downmix (``audio-0-2ch``) and its 5.1 (``audio-0-6ch``); so does one
with an English 5.1 main track, a French stereo dub and a stereo description.
"""

import subprocess
import xml.etree.ElementTree as ET

import m3u8
import pytest
from django.test import Client

from playback.delivery.signing import signer
from tests.catalog.factories import TitleFactory
from tests.catalog.transcoding.conftest import FFMPEG
from tests.catalog.transcoding.conftest import (
    _surround_dub_description as make_surround_dub_description,
)

from . import test_cloudfront as cloudfront_fixtures
from .conftest import api_for, published_stream
from .factories import ProfileFactory, UserFactory, plan
from .test_delivery import fetch, start

pytestmark = pytest.mark.django_db
# The CloudFront signer of the CloudFront tests.
key_pair = cloudfront_fixtures.key_pair
cloudfront = cloudfront_fixtures.cloudfront
MPD = "{urn:mpeg:dash:schema:mpd:2011}"
CHANNELS = "urn:mpeg:mpegB:cicp:ChannelConfiguration"


@pytest.fixture(scope="module")
def surround_stream(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("surround-stream")
    source = folder / "surround.mp4"
    tones = "|".join(f"0.2*sin(2*PI*{f}*t)" for f in (300, 400, 500, 60, 700, 800))
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
        + ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3"]
        + ["-f", "lavfi", "-i", f"aevalsrc='{tones}':c=5.1:s=48000:d=3"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        + ["-c:a", "aac", "-metadata:s:a:0", "language=deu", str(source)],
        check=True,
        timeout=60,
    )
    return published_stream(django_db_blocker, folder, source)


@pytest.fixture
def surround(settings, surround_stream):
    settings.MEDIA_ROOT = surround_stream.media_root
    return TitleFactory(video=surround_stream.video())


def viewer_on(slug: str):
    return ProfileFactory(user=UserFactory(plan=plan(slug)))


def audio_of(session: dict) -> list[m3u8.Media]:
    master = m3u8.loads(fetch(Client(), session["hls_url"]).content.decode())
    assert all(p.stream_info.audio for p in master.playlists)
    groups = {p.stream_info.audio for p in master.playlists}
    media = [m for m in master.media if m.type == "AUDIO"]
    assert groups == {m.group_id for m in media}  # every variant finds its group
    return media


def mpd_channels(session: dict) -> list[str]:
    root = ET.fromstring(fetch(Client(), session["dash_url"]).content.decode())  # noqa: S314
    return [
        a.find(f"{MPD}AudioChannelConfiguration").get("value")
        for a in root.iter(f"{MPD}AdaptationSet")
        if a.get("contentType") == "audio"
    ]


def granted(session: dict) -> tuple[str, ...]:
    return signer().verify(session["grant"]["token"]).allow


def test_the_plans_say_which_channel_layouts_they_play(db):
    assert plan("free").max_audio_channels == 2
    assert plan("standard").max_audio_channels == 2
    assert plan("premium").max_audio_channels == 6


def test_a_stereo_plan_gets_the_stereo_downmix_only(surround):
    session = start(viewer_on("standard"), surround)

    media = audio_of(session)
    assert [(m.group_id, m.channels, m.language, m.default) for m in media] == [
        ("aac-2", "2", "de", "YES")
    ]
    assert mpd_channels(session) == ["2"]
    allow = granted(session)
    assert "audio-0-2ch.m3u8" in allow
    assert not [pattern for pattern in allow if "6ch" in pattern]


def test_a_surround_plan_gets_51_beside_stereo(surround):
    session = start(viewer_on("premium"), surround)

    media = audio_of(session)
    assert [(m.group_id, m.channels) for m in media] == [("aac-2", "2"), ("aac-6", "6")]
    assert mpd_channels(session) == ["2", "6"]
    assert {"audio-0-6ch.m3u8", "audio-0-6ch-init.m4s"} <= set(granted(session))


def test_a_stereo_sessions_token_does_not_open_the_51_files(surround):
    stereo = start(viewer_on("free"), surround)
    premium = start(viewer_on("premium"), surround)
    player = Client()
    six = next(m.uri for m in audio_of(premium) if m.channels == "6")
    six_base = six.rsplit("/", 1)[0] + "/"
    own_base = stereo["poster_url"].rsplit("/", 1)[0] + "/"

    for name in ("audio-0-6ch.m3u8", "audio-0-6ch-init.m4s", "audio-0-6ch-00001.m4s"):
        assert fetch(player, six_base + name).status_code == 200, name
        assert fetch(player, own_base + name).status_code == 403, name
    assert fetch(player, own_base + "audio-0-2ch-00001.m4s").status_code == 200


def test_a_downgrade_drops_51_from_the_next_grant(surround):
    profile = viewer_on("premium")
    session = start(profile, surround)
    assert any("6ch" in pattern for pattern in granted(session))

    profile.user.plan = plan("standard")
    profile.user.save()
    response = api_for(profile).post(
        session["heartbeat_url"], {"position": 1.0}, format="json"
    )
    assert response.status_code == 200, response.content
    renewed = signer().verify(response.json()["grant"]["token"]).allow
    assert not [pattern for pattern in renewed if "6ch" in pattern]


def test_cloudfront_policies_cover_the_51_files_only_for_a_surround_plan(
    cloudfront, surround
):
    def resources(slug: str) -> set[str]:
        session = start(viewer_on(slug), surround)
        return {query["resource"] for query in session["grant"]["queries"]}

    stereo, full = resources("standard"), resources("premium")

    assert any(r.endswith("/audio-0-2ch-?????.m4s") for r in stereo)
    assert not [r for r in stereo if "6ch" in r]
    assert {r.rsplit("/", 1)[1] for r in full - stereo} == {
        "audio-0-6ch-init.m4s",
        "audio-0-6ch-?????.m4s",
    }


@pytest.fixture(scope="module")
def mixed_stream(django_db_setup, django_db_blocker, tmp_path_factory):
    """English 5.1 (main), a French stereo dub and a stereo audio description."""
    folder = tmp_path_factory.mktemp("mixed-stream")
    source = folder / "surround-dub-description.mkv"
    make_surround_dub_description(source, None)
    return published_stream(django_db_blocker, folder, source)


@pytest.fixture
def mixed(settings, mixed_stream):
    settings.MEDIA_ROOT = mixed_stream.media_root
    return TitleFactory(video=mixed_stream.video())


def _listed(media: list[m3u8.Media]) -> list[tuple]:
    return [(m.group_id, m.language, m.channels, m.default) for m in media]


def test_a_stereo_plan_still_hears_every_language_and_the_description(mixed):
    session = start(viewer_on("standard"), mixed)

    media = audio_of(session)
    assert _listed(media) == [
        ("aac-2", "en", "2", "YES"),
        ("aac-2", "fr", "2", "NO"),
        ("aac-2", "en", "2", "NO"),
    ]
    assert media[2].characteristics == "public.accessibility.describes-video"
    assert mpd_channels(session) == ["2", "2", "2"]
    assert not [pattern for pattern in granted(session) if "6ch" in pattern]


def test_a_surround_plan_hears_every_track_beside_the_51(mixed):
    session = start(viewer_on("premium"), mixed)

    media = audio_of(session)
    assert _listed(media) == [
        ("aac-2", "en", "2", "YES"),
        ("aac-2", "fr", "2", "NO"),
        ("aac-2", "en", "2", "NO"),
        ("aac-6", "en", "6", "YES"),
        ("aac-6", "fr", "2", "NO"),
        ("aac-6", "en", "2", "NO"),
    ]
    # The surround group's dub and description are their stereo renditions.
    assert [m.uri.rsplit("/", 1)[1].split("?")[0] for m in media[3:]] == [
        "audio-0-6ch.m3u8",
        "audio-1-2ch.m3u8",
        "audio-2-2ch.m3u8",
    ]
    assert sorted(mpd_channels(session)) == ["2", "2", "2", "6"]
