"""CloudFront signing: checked with the public key, as CloudFront checks it."""

import base64
import json
import time
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import m3u8
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from playback.delivery.cloudfront import (
    CloudFrontSigner,
    cloudfront_url_verify,
    resource_for,
)
from playback.delivery.signing import (
    ExpiredGrant,
    Grant,
    InvalidGrant,
    PathNotGranted,
)
from tests.catalog.factories import TitleFactory

from .factories import PlanFactory, ProfileFactory, UserFactory
from .test_delivery import fetch, start

CDN = "https://d111111abcdef8.cloudfront.net/"
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
VIDEO = "0b7c5e1e-0000-4000-8000-000000000001"
PREFIX = f"videos/{VIDEO}/20260101T000000-abcdef/"
SIGNER_PATH = "playback.delivery.cloudfront.CloudFrontSigner"


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="module")
def key_pair() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def signer(key_pair) -> CloudFrontSigner:
    return CloudFrontSigner(
        key=b"django-side-key",
        base_url=CDN,
        key_pair_id=KEY_PAIR_ID,
        private_key_pem=_pem(key_pair),
    )


def grant(**changes) -> Grant:
    fields = {
        "session_id": uuid.uuid4(),
        "prefix": PREFIX,
        "expires": int(time.time()) + 600,
        "allow": ("init-1.m4s", "seg-1-?????.m4s", "1.m3u8", "subs/en.vtt", "a.m4s"),
    }
    return Grant(**{**fields, **changes})


def verify(url: str, key_pair, **kwargs) -> dict:
    return cloudfront_url_verify(url, public_key=key_pair.public_key(), **kwargs)


def parameters(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def cloudfront_b64(data: bytes) -> str:
    return (
        base64.b64encode(data)
        .decode()
        .replace("+", "-")
        .replace("=", "_")
        .replace("/", "~")
    )


def test_a_signed_url_verifies_with_the_public_key(signer, key_pair):
    the_grant = grant()
    url = signer.url(signer.sign(the_grant), PREFIX + "seg-1-00001.m4s")

    statement = verify(url, key_pair, key_pair_id=KEY_PAIR_ID)

    assert url.startswith(CDN + PREFIX + "seg-1-00001.m4s?")
    assert set(parameters(url)) == {"Policy", "Signature", "Key-Pair-Id"}
    assert statement["Resource"] == resource_for(CDN, PREFIX + "seg-1-?????.m4s")
    assert statement["Resource"] == f"{CDN}{PREFIX}seg-1-?????.m4s"
    assert statement["Condition"]["DateLessThan"]["AWS:EpochTime"] == (
        the_grant.expires
    )


def test_each_pathway_and_file_family_has_its_own_narrow_policy(signer, key_pair):
    token = signer.sign(grant())
    first = signer.url(token, PREFIX + "init-1.m4s")
    segment = signer.url(token, PREFIX + "seg-1-00001.m4s")
    other = signer.url(token, PREFIX + "subs/en.vtt", base_url="http://cdn-b.test/m/")

    assert len({parameters(url)["Policy"] for url in (first, segment, other)}) == 3
    for url in (first, segment, other):
        verify(url, key_pair)
    with pytest.raises(PathNotGranted):  # no policy for a playlist: Django's
        signer.url(token, PREFIX + "1.m3u8")


def test_an_expired_url_is_refused(signer, key_pair):
    expires = int(time.time()) + 60
    url = signer.url(signer.sign(grant(expires=expires)), PREFIX + "seg-1-00001.m4s")

    verify(url, key_pair, now=expires - 1)
    with pytest.raises(ExpiredGrant):
        verify(url, key_pair, now=expires)


@pytest.mark.parametrize(
    "other",
    [
        f"videos/{uuid.uuid4()}/20260101T000000-abcdef/seg-1-00001.m4s",  # video
        f"videos/{VIDEO}/20250101T000000-older/seg-1-00001.m4s",  # revision
        f"videos/{VIDEO}/seg-1-00001.m4s",  # the video's folder itself
        PREFIX + "../20250101T000000-older/seg-1-00001.m4s",
        f"sources/{VIDEO}/source.mp4",
    ],
)
def test_a_url_outside_the_sessions_folder_is_refused(signer, key_pair, other):
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")
    moved = url.replace(PREFIX + "seg-1-00001.m4s", other)

    with pytest.raises(PathNotGranted):
        verify(moved, key_pair)


def test_another_sessions_signature_does_not_open_this_sessions_files(signer, key_pair):
    mine = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")
    theirs_prefix = f"videos/{uuid.uuid4()}/20260101T000000-abcdef/"
    theirs = signer.url(
        signer.sign(grant(prefix=theirs_prefix)), theirs_prefix + "seg-1-00001.m4s"
    )
    spliced = mine.split("?")[0] + "?" + theirs.split("?")[1]

    with pytest.raises(PathNotGranted):
        verify(spliced, key_pair)


def test_a_widened_policy_is_refused(signer, key_pair):
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")
    params = parameters(url)
    policy = json.loads(
        base64.b64decode(params["Policy"].translate({45: 43, 95: 61, 126: 47}))
    )
    policy["Statement"][0]["Resource"] = "*"
    policy["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"] += 86400
    widened = cloudfront_b64(json.dumps(policy, separators=(",", ":")).encode())
    forged = url.replace(params["Policy"], widened)

    with pytest.raises(InvalidGrant) as refused:
        verify(forged, key_pair)
    assert not isinstance(refused.value, ExpiredGrant | PathNotGranted)


def test_a_tampered_signature_is_refused(signer, key_pair):
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")
    signature = parameters(url)["Signature"]
    flipped = ("A" if signature[10] != "A" else "B").join(
        [signature[:10], signature[11:]]
    )

    with pytest.raises(InvalidGrant):
        verify(url.replace(signature, flipped), key_pair)


def test_a_url_signed_with_another_key_is_refused(signer):
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(InvalidGrant):
        cloudfront_url_verify(url, public_key=stranger.public_key())


@pytest.mark.parametrize(
    "query",
    [
        "",
        "Policy=abc&Signature=def",  # no key pair
        "Expires=9999999999&Signature=abc&Key-Pair-Id=K",  # canned, not ours
        "Policy=!!!&Signature=???&Key-Pair-Id=K",
        "Policy=e30_&Signature=e30_&Key-Pair-Id=K&Policy=e30_",  # twice
    ],
)
def test_a_malformed_url_is_refused(key_pair, query):
    with pytest.raises(InvalidGrant):
        verify(f"{CDN}{PREFIX}seg-1-00001.m4s?{query}", key_pair)


def test_a_url_for_another_key_pair_id_is_refused(signer, key_pair):
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")

    with pytest.raises(InvalidGrant):
        verify(url, key_pair, key_pair_id="KANOTHER")


def test_the_key_comes_from_the_environment_as_text_or_a_file(
    settings, key_pair, tmp_path
):
    settings.CLOUDFRONT_KEY_PAIR_ID = KEY_PAIR_ID
    settings.CLOUDFRONT_PRIVATE_KEY = _pem(key_pair).replace("\n", "\\n")
    one_line = CloudFrontSigner(base_url=CDN)
    settings.CLOUDFRONT_PRIVATE_KEY = ""
    settings.CLOUDFRONT_PRIVATE_KEY_FILE = str(tmp_path / "key.pem")
    (tmp_path / "key.pem").write_text(_pem(key_pair))
    from_file = CloudFrontSigner(base_url=CDN)

    for signer in (one_line, from_file):
        verify(signer.url(signer.sign(grant()), PREFIX + "a.m4s"), key_pair)


def test_a_missing_key_is_a_configuration_error(settings):
    settings.CLOUDFRONT_KEY_PAIR_ID = KEY_PAIR_ID
    settings.CLOUDFRONT_PRIVATE_KEY = ""
    settings.CLOUDFRONT_PRIVATE_KEY_FILE = ""

    with pytest.raises(ImproperlyConfigured):
        CloudFrontSigner()


@pytest.mark.parametrize(
    "base_url",
    [
        "/media/s/",
        "ftp://cdn.example.com/s/",
        "https://user:secret@cdn.example.com/s/",
        "https://cdn.example.com/s/?v=1",
        "https://cdn.example.com/s/#x",
    ],
)
def test_a_policy_needs_a_base_url_a_pathway_could_have(base_url):
    # The one check of CDN base URLs (vod.cdn_urls): a query or fragment would
    # swallow the media path, credentials would travel in every playlist.
    with pytest.raises(ImproperlyConfigured):
        resource_for(base_url, PREFIX + "*")


# --- Through Django: what a player gets with the CloudFront signer ------------


@pytest.fixture
def cloudfront(settings, key_pair):
    settings.PLAYBACK_SIGNER = SIGNER_PATH
    settings.PLAYBACK_MEDIA_URL = CDN
    settings.CLOUDFRONT_KEY_PAIR_ID = KEY_PAIR_ID
    settings.CLOUDFRONT_PRIVATE_KEY = _pem(key_pair)
    return key_pair


def test_every_segment_a_session_reaches_carries_a_valid_signature(
    cloudfront, videos, db
):
    movie = TitleFactory(video=videos.video())
    viewer = ProfileFactory(user=UserFactory())
    session = start(viewer, movie)
    player = Client()

    master = fetch(player, session["hls_url"]).content.decode()
    parsed = m3u8.loads(master)
    media_playlists = [p.uri for p in parsed.playlists] + [
        m.uri for m in parsed.media if m.uri
    ]
    signed = []
    for uri in media_playlists:
        assert uri.startswith("http://testserver/playback/s/"), uri  # Django's
        playlist = fetch(player, uri)
        assert playlist.status_code == 200, uri
        assert playlist["Cache-Control"] == "private, no-store"
        text = playlist.content.decode()
        inner = m3u8.loads(text)
        signed += [s.uri for s in inner.segments]
        signed += [s.uri for s in inner.segment_map]
    assert len(signed) >= 5  # init and segment per rung, audio, subtitles
    for url in (
        signed + [session["poster_url"]] + [t["url"] for t in session["text_tracks"]]
    ):
        assert url.startswith(CDN), url
        verify(url, cloudfront, key_pair_id=KEY_PAIR_ID)
        stored = urlsplit(url).path.removeprefix("/")
        assert (videos.media_root / stored).is_file(), stored


def test_the_storyboard_track_names_its_sprite_with_a_signed_url(
    cloudfront, videos, db
):
    movie = TitleFactory(video=videos.video())
    session = start(ProfileFactory(user=UserFactory()), movie)

    track = fetch(Client(), session["thumbnails_url"])

    assert track.status_code == 200
    cues = [line for line in track.content.decode().splitlines() if "#xywh=" in line]
    assert cues
    for cue in cues:
        url, _, fragment = cue.partition("#")
        assert fragment.startswith("xywh=")
        verify(url, cloudfront)


def test_a_withheld_rungs_playlist_is_refused_by_django(cloudfront, videos, db):
    small = PlanFactory(slug="small", access_level="free", max_height=160)
    movie = TitleFactory(video=videos.video())
    session = start(ProfileFactory(user=UserFactory(plan=small)), movie)
    player = Client()
    master = m3u8.loads(fetch(player, session["hls_url"]).content.decode())
    allowed = master.playlists[0].uri

    assert [p.stream_info.resolution for p in master.playlists] == [(256, 144)]
    refused = fetch(player, allowed.replace("144p.m3u8", "180p.m3u8"))
    assert refused.status_code == 403


def test_the_mpd_carries_the_signature_on_its_segment_templates(cloudfront, videos, db):
    movie = TitleFactory(video=videos.video())
    session = start(ProfileFactory(user=UserFactory()), movie)

    text = fetch(Client(), session["dash_url"]).content.decode()

    ns = "{urn:mpeg:dash:schema:mpd:2011}"
    root = ET.fromstring(text)  # noqa: S314
    base = root.find(f"{ns}BaseURL").text
    assert base.startswith(CDN + "videos/") and "?" not in base
    templates = list(root.iter(f"{ns}SegmentTemplate"))
    assert templates
    for template in templates:
        for attribute in ("initialization", "media"):
            name = template.get(attribute).replace("$RepresentationID$", "1")
            name = name.replace("$Number%05d$", "00001")
            verify(base + name, cloudfront)
    for text_base in root.iter(f"{ns}BaseURL"):
        if text_base.text.startswith("subs/"):
            verify(base + text_base.text, cloudfront)


def test_with_two_pathways_each_gets_its_own_signatures(cloudfront, videos, settings):
    settings.PLAYBACK_CDN_PATHWAYS = [
        ("cdn-a", "https://cdn-a.example.com/"),
        ("cdn-b", "https://cdn-b.example.net/m/"),
    ]
    movie = TitleFactory(video=videos.video())
    session = start(ProfileFactory(user=UserFactory()), movie)
    player = Client()

    master = m3u8.loads(fetch(player, session["hls_url"]).content.decode())
    segments = []
    for playlist in master.playlists:
        inner = m3u8.loads(fetch(player, playlist.uri).content.decode())
        segments += [s.uri for s in inner.segments]
    hosts = {urlsplit(url).netloc for url in segments}
    resources = {entry["resource"] for entry in session["grant"]["queries"]}

    assert hosts == {"cdn-a.example.com", "cdn-b.example.net"}
    for url in segments:
        verify(url, cloudfront)
        other = "cdn-b.example.net/m" if "cdn-a" in url else "cdn-a.example.com"
        moved = url.replace(urlsplit(url).netloc, other, 1)
        with pytest.raises(PathNotGranted):  # a policy names its pathway's host
            verify(moved, cloudfront)
    assert any(r.startswith("https://cdn-b.example.net/m/videos/") for r in resources)
    # The MPD's templates serve every BaseURL: a query-signed one names one.
    mpd = ET.fromstring(fetch(player, session["dash_url"]).content.decode())  # noqa: S314
    bases = [b.text for b in mpd.iter("{urn:mpeg:dash:schema:mpd:2011}BaseURL")]
    absolute = [base for base in bases if "://" in base]
    assert len(absolute) == 1
    assert absolute[0].startswith("https://cdn-a.example.com/videos/")
