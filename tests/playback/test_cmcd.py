"""CMCD (CTA-5004) on media requests: on token-signed media the player's
``CMCD=`` query parameter changes nothing about what is served; a CloudFront
policy leaves no room for it, so there the player sends it in the CMCD request
headers instead (static/js/player/grant.js, tests/js/grant.test.js), which no
signature covers."""

import json
import shutil
import subprocess
from pathlib import Path
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

GRANT_JS = Path(__file__).resolve().parents[2] / "static/js/player/grant.js"
NODE = shutil.which("node")
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
    """The player sends CMCD in headers on CloudFront URLs (grant.js): a policy
    covers the whole query, and one with room for CMCD (a trailing ``*``) would
    also match ``seg-1-00001.m4s/../seg-2-00001.m4s``. The URL it sends is the
    signed one, exactly."""
    url = signer.url(signer.sign(grant()), PREFIX + "seg-1-00001.m4s")

    assert verify(url, key_pair)["Resource"].endswith("seg-1-?????.m4s")
    with pytest.raises(PathNotGranted):
        verify(with_cmcd(url), key_pair)


# The player's grant.js on one request: the grant as the API answers it.
SIGN_REQUEST = """
import { emptyGrant, nextGrant, signRequest } from "%s";
const given = JSON.parse(process.argv[1]);
const grant = nextGrant(emptyGrant(), given.grant, { fresh: true });
console.log(JSON.stringify(signRequest(grant, given.url, given.page)));
"""


@pytest.mark.skipif(NODE is None, reason="needs Node.js, as the player's tests do")
def test_the_players_cloudfront_request_passes_cloudfront_with_cmcd_in_headers(
    signer, key_pair
):
    """The player's request for a segment of a CloudFront-signed playlist, with
    the CMCD hls.js put in its query: CloudFront accepts its URL, and the
    headers name the session and the title."""
    session_grant = grant()
    token = signer.sign(session_grant)
    queries = signer.queries(session_grant, base_url=CDN)
    url = signer.url(token, PREFIX + "seg-1-00001.m4s")
    given = {
        "grant": {
            "token": token,
            "queries": [{"resource": r, "query": q} for r, q in queries],
        },
        "url": with_cmcd(url),
        "page": "https://vod.example/watch/glass-harvest/",
    }

    answer = subprocess.run(
        [NODE, "--input-type=module", "-e", SIGN_REQUEST % GRANT_JS.as_uri()]
        + [json.dumps(given)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    sent = json.loads(answer.stdout)

    assert sent["url"] == url
    assert verify(sent["url"], key_pair)["Resource"].endswith("seg-1-?????.m4s")
    session = sent["headers"]["CMCD-Session"].split(",")
    assert f'sid="{SESSION_ID}"' in session
    assert 'cid="12.0"' in session
    assert set(sent["headers"]) == {
        "CMCD-Object",
        "CMCD-Request",
        "CMCD-Session",
    }
