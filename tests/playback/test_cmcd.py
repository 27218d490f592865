"""CMCD (CTA-5004) on media requests: the player's ``CMCD=`` query parameter
changes nothing about what is served, nor about what a signature allows."""

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


def cmcd_first(url: str) -> str:
    """The signed URL as the player sends it: CMCD ahead of the signature."""
    base, signature = url.split("?", 1)
    return f"{base}?{CMCD}&{signature}"


def test_a_cloudfront_signature_still_verifies_with_cmcd_in_the_query(signer, key_pair):
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")

    statement = verify(cmcd_first(url), key_pair)

    assert statement["Resource"].endswith("seg-1-?????.m4s*")
    verify(with_cmcd(url), key_pair)  # after it, too


@pytest.mark.parametrize(
    "other",
    [
        "seg-2-00001.m4s",  # a rung the grant does not allow
        "seg-1-00001.m4s/../seg-2-00001.m4s",  # climbing back out of the file
        "seg-1-00001.m4s/%2e%2e/seg-2-00001.m4s",
    ],
)
def test_room_for_cmcd_opens_no_other_file(signer, key_pair, other):
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")
    moved = cmcd_first(url).replace(PREFIX + "seg-1-00001.m4s", PREFIX + other)

    with pytest.raises(PathNotGranted):
        verify(moved, key_pair)
