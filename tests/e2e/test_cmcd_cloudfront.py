"""On a CloudFront pathway the player sends CMCD in headers, in Debian's Chromium.

A real video plays through hls.js with Django signing its media for CloudFront
(RSA custom policies, segments at the CDN's host). A stand-in for the CDN,
Playwright's routing of that host, checks each media request as CloudFront
would (``cloudfront_url_verify``: CMCD left in the query would not match the
policy, and is refused) and serves the stored file with the CORS header
CloudFront's response headers policy adds. hls.js must then send every segment
request with the signed query exactly and CMCD in the CMCD request headers,
naming the session and the title. Playwright answers the CORS preflight of a
routed request itself, so how CloudFront answers preflights is pinned by the
Terraform tests (tests/deploy/test_terraform.py), not here.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from playback.delivery.cloudfront import cloudfront_url_verify
from playback.delivery.signing import ExpiredGrant, InvalidGrant, PathNotGranted
from tests.e2e import test_watch as watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

source_clip = watch.source_clip
movie = watch.movie
viewer = watch.viewer
browser = watch.browser

CDN = "https://cdn.e2e.test/"
KEY_PAIR_ID = "K2E2ECMCDTEST1"
SIGNED_QUERY = {"Policy", "Signature", "Key-Pair-Id"}


@pytest.fixture
def cloudfront(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.PLAYBACK_SIGNER = "playback.delivery.cloudfront.CloudFrontSigner"
    settings.PLAYBACK_MEDIA_URL = CDN
    settings.CLOUDFRONT_KEY_PAIR_ID = KEY_PAIR_ID
    settings.CLOUDFRONT_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key.public_key()


def test_segments_on_a_cloudfront_pathway_carry_cmcd_in_headers(
    live_server, cloudfront, movie, viewer, browser, settings
):
    media_root = settings.MEDIA_ROOT
    served: list[tuple[str, dict]] = []
    refused: list[str] = []

    def edge(route):
        """CloudFront's check, then the file, with its CORS header."""
        request = route.request
        cors = {"Access-Control-Allow-Origin": live_server.url}
        try:
            cloudfront_url_verify(
                request.url, public_key=cloudfront, key_pair_id=KEY_PAIR_ID
            )
        except (InvalidGrant, ExpiredGrant, PathNotGranted) as error:
            refused.append(f"{error}: {request.url}")
            route.fulfill(status=403, headers=cors, body="refused")
            return
        path = media_root / urlsplit(request.url).path.removeprefix("/")
        served.append((request.url, request.headers))
        route.fulfill(status=200, headers=cors, body=path.read_bytes())

    page = browser.new_page()
    page.set_default_timeout(watch.TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route(f"{CDN}**", edge)
    page.goto(f"{live_server.url}/accounts/login/?next=/watch/glass-harvest/")
    page.get_by_label("Email address").fill(watch.EMAIL)
    page.get_by_label("Password").fill(watch.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/watch/glass-harvest/")
    watch._wait_playing_past(page, 2)
    session_id = watch._player_state(page)["sessionId"]
    # Leave cleanly, so no request is still running when the test database goes.
    page.goto(f"{live_server.url}/")

    assert not refused, refused
    assert not problems, problems
    segments = [(url, headers) for url, headers in served if ".m4s" in url]
    assert len(segments) >= 3, served
    for url, headers in segments:
        # The signed query, exactly: nothing CloudFront's policy would not match.
        assert set(parse_qs(urlsplit(url).query)) == SIGNED_QUERY, url
        session = headers["cmcd-session"].split(",")
        assert f'sid="{session_id}"' in session, (url, headers)
        assert f'cid="{movie.pk}.0"' in session, (url, headers)
        assert "ot=" in headers["cmcd-object"], (url, headers)
