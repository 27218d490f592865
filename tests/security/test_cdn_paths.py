"""Path tricks against the delivery grants (issue 11, section 1).

Percent-encoding (``%2e%2e``, ``%2F``, double encoding such as ``%252D``),
dot segments and backslashes in a media URL never reach a file the session's
plan excludes: not through a CloudFront policy, whatever the edge and the
origin decode or normalise, and not through Django's own media serving with
the HMAC signer. And a grant's URLs die within one grant lifetime there too.
"""

import base64
import json
import posixpath
import re
import time
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from django.test import Client

from playback.delivery import signing
from playback.delivery.cloudfront import cloudfront_url_verify
from playback.delivery.signing import InvalidGrant
from tests.catalog.factories import TitleFactory
from tests.playback import conftest as playback_fixtures
from tests.playback import test_cloudfront as cloudfront_fixtures
from tests.playback.factories import PlanFactory, ProfileFactory, UserFactory
from tests.playback.test_cloudfront import CDN
from tests.playback.test_delivery import body, fetch, start

pytestmark = pytest.mark.django_db

stream = playback_fixtures.stream
videos = playback_fixtures.videos
fast_password_hashing = playback_fixtures._fast_password_hashing
key_pair = cloudfront_fixtures.key_pair
cloudfront = cloudfront_fixtures.cloudfront

# The test stream's ladder is 180p (representation 0) and 144p (1), audio-0-2ch: a
# plan up to 144 lines may not fetch representation 0 nor the stored manifests.
DENIED = ("init-0.m4s", "seg-0-00001.m4s", "180p.m3u8", "master.m3u8", "manifest.mpd")
FROM_CLOUDFRONT = str.maketrans("-_~", "+=/")
TRICKS = [
    "seg-1-%2e%2e/seg-0-00001.m4s",
    "seg-1-%2e%2e%2fseg-0-00001.m4s",
    "seg-1-%2F..%2Fseg-0-00001.m4s",
    "seg-1-0%2F..%2F..%2Finit-0.m4s",
    "seg-1-00001.m4s/../seg-0-00001.m4s",
    "seg-1-00001.m4s%2F..%2Fseg-0-00001.m4s",
    "init-1.m4s%2F..%2Finit-0.m4s",
    "init-1.m4s/../init-0.m4s",
    "seg-1-/../a.m4s",  # fits the five digits: lands on no stored file
    "seg-0%2D00001.m4s",
    "seg-0%252D00001.m4s",
    "seg%252D0-00001.m4s",
    "%69nit-0.m4s",
    "%2569nit-0.m4s",
    "seg-1-\\..\\seg-0-00001.m4s",
    "seg-1-%5C..%5Cseg-0-00001.m4s",
    "..%2F" + "180p.m3u8",
    "subs/..%2F..%2F180p.m3u8",
    "subs%2F..%2Fmaster.m3u8",
    "./master.m3u8",
    "seg-1-00001.m4s%00/../../180p.m3u8",
]


@pytest.fixture
def low_plan(db):
    small = PlanFactory(slug="small", access_level="free", max_height=144)
    return ProfileFactory(user=UserFactory(plan=small))


def session_policies(session: dict) -> list[dict]:
    """The policies (resource, query) of every signed URL the session got."""
    urls = [session["poster_url"]] + [t["url"] for t in session["text_tracks"]]
    found = {urlsplit(url).query for url in urls if url.startswith(CDN)}
    found |= {p["query"] for p in session.get("grant", {}).get("queries", [])}
    policies = []
    for query in found:
        encoded = dict(parse_qsl(query))["Policy"]
        policy = json.loads(base64.b64decode(encoded.translate(FROM_CLOUDFRONT)))
        resource = policy["Statement"][0]["Resource"]
        policies.append({"resource": resource, "query": query})
    return policies


def cloudfront_matches(resource: str, url: str) -> bool:
    """CloudFront's wildcards: ``*`` any run of characters, ``?`` exactly one."""
    pattern = re.escape(resource).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(pattern, url, re.DOTALL) is not None


def origin_keys(path: str) -> set[str]:
    """Every key an origin behind the edge could make of ``path``: decoded
    zero to two times, with or without dot segments and backslashes resolved."""
    keys = set()
    decoded = path
    for _ in range(3):
        for key in (decoded, decoded.replace("\\", "/")):
            keys |= {key, posixpath.normpath(key)}
        decoded = unquote(decoded)
    return {key.lstrip("/") for key in keys}


@pytest.mark.parametrize("trick", TRICKS)
def test_no_cloudfront_policy_of_a_session_reaches_an_excluded_file(
    cloudfront, videos, low_plan, trick
):
    video = videos.video()
    prefix = video.revision_prefix(video.revision)
    session = start(low_plan, TitleFactory(video=video))
    policies = session_policies(session)
    assert policies
    denied = {prefix + name for name in DENIED}
    url = f"{CDN}{prefix}{trick}"

    for policy in policies:
        # As CloudFront matches: the URL as sent against the resource.
        if cloudfront_matches(policy["resource"], url):
            assert not origin_keys(urlsplit(url).path) & denied, policy["resource"]
        with pytest.raises(InvalidGrant):
            cloudfront_url_verify(
                f"{url}?{policy['query']}", public_key=cloudfront.public_key()
            )


@pytest.mark.parametrize("trick", TRICKS)
def test_django_media_serving_never_reaches_an_excluded_file(videos, low_plan, trick):
    video = videos.video()
    prefix = video.revision_prefix(video.revision)
    session = start(low_plan, TitleFactory(video=video))
    token = urlsplit(session["hls_url"]).path.split("/")[3]
    guarded = {videos.path(video, name).read_bytes() for name in DENIED}

    response = Client().get(f"/media/s/{token}/{prefix}{trick}")

    assert response.status_code in (400, 403, 404), response.status_code
    assert body(response) not in guarded
    for path in origin_keys(prefix + trick) - {
        prefix + name for name in ("seg-1-00001.m4s", "init-1.m4s")
    }:
        with pytest.raises(InvalidGrant):
            signing.Signer().verify(token, path)


def test_an_hmac_media_url_dies_within_one_grant_lifetime(
    videos, low_plan, settings, monkeypatch
):
    settings.PLAYBACK_GRANT_LIFETIME_SECONDS = lifetime = 300
    video = videos.video()
    prefix = video.revision_prefix(video.revision)
    session = start(low_plan, TitleFactory(video=video))
    master = fetch(Client(), session["hls_url"]).content.decode()
    playlist = next(line for line in master.splitlines() if "144p.m3u8" in line)
    segment = playlist.replace("144p.m3u8", "seg-1-00001.m4s")
    assert fetch(Client(), segment).status_code == 200
    assert prefix in segment

    later = time.time() + lifetime + 1
    monkeypatch.setattr(signing.time, "time", lambda: later)
    refused = fetch(Client(), segment)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "signature_expired"
