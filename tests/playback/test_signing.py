"""The grant format: what Django checks, and what a CDN edge could check alone."""

import base64
import hashlib
import hmac
import re
import string
import time
import uuid

import pytest

from playback.delivery.signing import (
    ExpiredGrant,
    Grant,
    InvalidGrant,
    PathNotGranted,
    Signer,
    grant_decode,
    grant_encode,
    grant_expires,
    signing_key,
)

KEY = b"test-key"
PREFIX = "videos/0b7c5e1e-0000-4000-8000-000000000001/20260101T000000-abcdef/"


def grant(**changes) -> Grant:
    fields = {
        "session_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "prefix": PREFIX,
        "expires": int(time.time()) + 600,
        # A plan allowed rungs 1 and 2 (of 0 to 2); audio is representation 3.
        "allow": (
            "720p.m3u8",
            "init-1.m4s",
            "seg-1-?????.m4s",
            "480p.m3u8",
            "init-2.m4s",
            "seg-2-?????.m4s",
            "audio.m3u8",
            "init-3.m4s",
            "seg-3-?????.m4s",
            "subs/en-subtitles.m3u8",
            "subs/en-subtitles.vtt",
        ),
    }
    return Grant(**{**fields, **changes})


def flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def test_a_token_carries_its_grant_back():
    original = grant()

    assert grant_decode(grant_encode(original, key=KEY), key=KEY) == original


def test_a_token_is_safe_in_one_path_segment():
    token = grant_encode(grant(), key=KEY)

    assert "/" not in token and "?" not in token and "%" not in token
    assert set(token) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    )


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_a_tampered_token_is_refused(where):
    payload, signature = grant_encode(grant(), key=KEY).split(".")
    if where == "payload":
        payload = flip(payload, 10)
    else:
        signature = flip(signature, 5)

    with pytest.raises(InvalidGrant) as refused:
        grant_decode(f"{payload}.{signature}", key=KEY)
    assert refused.value.code == "invalid_signature"


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_a_token_spelled_another_way_with_the_same_bytes_is_refused(where):
    """base64 leaves the last character's low bits unused: setting one gives a
    second URL (a new CDN cache key) that decodes to the same signed bytes."""
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    # A payload whose length leaves unused bits (the signature's always does).
    tokens = [grant_encode(grant(allow=("a" * n,)), key=KEY) for n in range(1, 4)]
    token = next(t for t in tokens if len(t.split(".")[0]) % 4 in (2, 3))
    payload, signature = token.split(".")
    parts = {"payload": payload, "signature": signature}
    text = parts[where]
    last = alphabet[alphabet.index(text[-1]) ^ 1]
    parts[where] = text[:-1] + last
    assert base64.urlsafe_b64decode(parts[where] + "=" * (-len(text) % 4)) == (
        base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    )

    with pytest.raises(InvalidGrant):
        grant_decode(f"{parts['payload']}.{parts['signature']}", key=KEY)


def test_a_longer_grant_cannot_be_spliced_onto_another_signature():
    wider = grant(prefix="videos/", allow=("*",))
    payload = grant_encode(wider, key=KEY).split(".")[0]
    signature = grant_encode(grant(), key=KEY).split(".")[1]

    with pytest.raises(InvalidGrant):
        grant_decode(f"{payload}.{signature}", key=KEY)


def test_a_token_signed_with_another_key_is_refused():
    token = grant_encode(grant(), key=b"another-key")

    with pytest.raises(InvalidGrant):
        grant_decode(token, key=KEY)


def test_an_expired_token_is_refused():
    token = grant_encode(grant(expires=int(time.time()) - 1), key=KEY)

    with pytest.raises(ExpiredGrant) as refused:
        grant_decode(token, key=KEY)
    assert refused.value.code == "signature_expired"


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "!!!.???", "é.é", "..", "Zm9v.", ".Zm9v", "Zm9v.Zm9v"],
)
def test_a_malformed_token_is_refused(token):
    with pytest.raises(InvalidGrant):
        grant_decode(token, key=KEY)


def test_a_signed_payload_of_another_version_is_refused():
    payload = b"1|12345678123456781234567812345678|9999999999|videos/|"
    signature = hmac.new(KEY, payload, hashlib.sha256).digest()
    token = (
        base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    )

    with pytest.raises(InvalidGrant):
        grant_decode(token, key=KEY)


def test_a_grant_covers_files_under_its_prefix():
    grant().check_path(PREFIX + "720p.m3u8")
    grant().check_path(PREFIX + "seg-1-00001.m4s")
    grant().check_path(PREFIX + "subs/en-subtitles.vtt")


@pytest.mark.parametrize(
    "path",
    [
        PREFIX,  # the folder itself
        PREFIX[:-1],
        "videos/0b7c5e1e-0000-4000-8000-000000000002/20260101T000000-abcdef/a.m4s",
        PREFIX + "../20250101T000000-other/seg-1-00001.m4s",
        PREFIX + "./seg-1-00001.m4s",
        PREFIX + "subs//en.vtt",
        "/" + PREFIX + "seg-1-00001.m4s",
        PREFIX + "subs\\..\\x",
        PREFIX + "seg-1-0000%31.m4s",
        PREFIX + "subs%2Fen-subtitles.vtt",
        "sources/0b7c5e1e-0000-4000-8000-000000000001/source.mp4",
    ],
)
def test_a_grant_covers_nothing_outside_its_prefix(path):
    with pytest.raises(PathNotGranted):
        grant().check_path(path)


@pytest.mark.parametrize(
    "name",
    [
        "master.m3u8",
        "manifest.mpd",
        "1080p.m3u8",
        "init-0.m4s",
        "seg-0-00001.m4s",
        "seg-1-000001.m4s",
        "seg-1-0001.m4s",
        "seg-1-0/001.m4s",
        "init-10.m4s",
        "seg-10-00001.m4s",
        "source.mp4",
    ],
)
def test_a_grant_withholds_every_file_it_does_not_allow(name):
    with pytest.raises(PathNotGranted):
        grant().check_path(PREFIX + name)


def test_allowing_one_rung_allows_no_rung_with_a_longer_number():
    allowed = grant(allow=("init-1.m4s", "seg-1-?????.m4s"))
    allowed.check_path(PREFIX + "seg-1-00001.m4s")
    allowed.check_path(PREFIX + "init-1.m4s")
    for name in ("seg-10-00001.m4s", "seg-01-00001.m4s", "init-10.m4s", "init-1.m4"):
        with pytest.raises(PathNotGranted):
            allowed.check_path(PREFIX + name)


def test_a_cdn_edge_can_check_a_token_with_the_key_alone():
    """The spec in the module docstring, implemented without the project's code."""
    signer = Signer(key=KEY, base_url="https://cdn.example.com/s/")
    token = signer.sign(grant())
    url = signer.url(token, PREFIX + "seg-1-00002.m4s")

    def edge_allows(url: str, now: float) -> bool:
        token, _, path = url.removeprefix("https://cdn.example.com/s/").partition("/")
        payload_b64, signature_b64 = token.split(".")
        payload = base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4))
        signature = base64.urlsafe_b64decode(
            signature_b64 + "=" * (-len(signature_b64) % 4)
        )
        good = hmac.new(KEY, payload, hashlib.sha256).digest()
        _version, _session, expires, prefix, allow = payload.decode().split("|")
        rest = path.removeprefix(prefix)
        patterns = [
            re.escape(p).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
            for p in allow.split(",")
        ]
        return (
            hmac.compare_digest(good, signature)
            and now < int(expires)
            and path.startswith(prefix)
            and ".." not in path.split("/")
            and "%" not in path
            and any(re.fullmatch(p, rest) for p in patterns)
        )

    assert edge_allows(url, time.time())
    assert not edge_allows(url.replace("seg-1-", "seg-0-"), time.time())
    assert not edge_allows(url, time.time() + 3600)


def test_the_signing_key_is_derived_from_the_secret_key_unless_set(settings):
    settings.PLAYBACK_SIGNING_KEY = ""
    derived = signing_key()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert signing_key() != derived
    assert settings.SECRET_KEY.encode() not in signing_key()

    settings.PLAYBACK_SIGNING_KEY = "shared-with-the-cdn"
    assert signing_key() == b"shared-with-the-cdn"


def test_urls_live_under_the_configured_media_base(settings):
    settings.PLAYBACK_MEDIA_URL = "https://cdn.example.com/s"

    url = Signer(key=KEY).url("TOKEN", PREFIX + "a.m4s")

    assert url == f"https://cdn.example.com/s/TOKEN/{PREFIX}a.m4s"


def test_a_prefix_that_would_break_the_format_is_refused():
    with pytest.raises(ValueError):
        grant_encode(grant(prefix="videos/a|b/"), key=KEY)


def test_a_grant_lives_at_most_its_lifetime_and_grants_share_a_step(settings):
    settings.PLAYBACK_GRANT_LIFETIME_SECONDS = 300
    now = 1_800_000_037

    expires = grant_expires(now)

    assert now + 300 - 60 < expires <= now + 300
    assert expires % 60 == 0
    assert {grant_expires(now + offset) for offset in range(-37, 23)} == {expires}
