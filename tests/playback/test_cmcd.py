"""CMCD (CTA-5004) on media requests: on token-signed media the player's
``CMCD=`` query parameter changes nothing about what is served; a CloudFront
policy leaves no room for it, so the player sends none there."""

from urllib.parse import quote, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from playback.delivery.cloudfront import CloudFrontSigner
from playback.delivery.signing import PathNotGranted
from tests.catalog.factories import TitleFactory

from .factories import ProfileFactory, UserFactory
from .test_cloudfront import CDN, KEY_PAIR_ID, PREFIX, _pem, grant, verify
from .test_delivery import body, start, uris

SESSION_ID = "6e2fb550-c457-11e9-bb97-0800200c9a66"
CMCD = "CMCD=" + quote(
    f'bl=21300,br=3200,cid="12.0",d=4004,ot=v,sf=h,sid="{SESSION_ID}",su',
    safe="",
)


@pytest.fixture
def movie(videos):
    return TitleFactory(video=videos.video())


@pytest.fixture
def viewer(db):
    return ProfileFactory(user=UserFactory())


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


def with_cmcd(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{CMCD}"


def get(player: Client, url: str):
    parts = urlsplit(url)
    return player.get(f"{parts.path}?{parts.query}")


@pytest.mark.django_db
def test_every_file_of_a_session_is_served_with_a_cmcd_query(videos, movie, viewer):
    session = start(viewer, movie)
    player = Client()

    master = get(player, with_cmcd(session["hls_url"]))
    assert master.status_code == 200
    served = 0
    for playlist_url in uris(master.content.decode(), session["hls_url"]):
        playlist = get(player, with_cmcd(playlist_url))
        assert playlist.status_code == 200, playlist_url
        for url in uris(body(playlist).decode(), playlist_url):
            response = get(player, with_cmcd(url))
            assert response.status_code == 200, url
            stored = url.split("/media/s/")[1].split("/", 1)[1]
            assert body(response) == (videos.media_root / stored).read_bytes()
            served += 1
    assert served >= 5


def test_a_cloudfront_policy_has_no_room_for_a_query(signer, key_pair):
    """The player sends no CMCD on CloudFront URLs (grant.js): a policy covers
    the whole query, and one with room for CMCD (a trailing ``*``) would also
    match ``seg-1-00001.m4s/../seg-2-00001.m4s``."""
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")

    assert verify(url, key_pair)["Resource"].endswith("seg-1-?????.m4s")
    with pytest.raises(PathNotGranted):
        verify(with_cmcd(url), key_pair)
