"""Signed delivery URLs: a short-lived grant for one session, in the URL's path.

A delivery URL looks like ``<media base><token>/videos/<uuid>/<revision>/<file>``.
The grant travels in the path, not the query string, because variant playlists
name their segments relatively and players drop a playlist's query string when
they resolve those names: ``seg-1-00001.m4s`` next to a signed ``144p.m3u8``
inherits its token.

The token (version 2) is ``<payload>.<signature>``, both base64url without
padding, in that encoding's one spelling (the unused low bits of a last
character are zero: an edge re-encodes what it decoded and compares, so no
second URL, and no second CDN cache key, carries the same grant). The payload is UTF-8 text of five ``|``-separated fields::

    2|<session id, 32 hex digits>|<expiry, unix seconds>|<path prefix>|<allow>

and the signature is HMAC-SHA256 of the payload's bytes under the shared key.
A request for ``path`` is allowed when the signature matches, the expiry is in
the future, ``path`` is normalised (no ``..``, ``%`` or backslash), starts with
the prefix, and the rest of it matches one of the comma-separated ``allow``
patterns (``*``: a run of characters, ``?``: one, neither crossing a ``/``).
The allow list is what the plan lets the session play, and nothing else: the
allowed rungs' playlists, init and media segments (``seg-0-?????.m4s``, so
rung 1 never matches rung 10), the audio and text tracks, the artwork; never
a rung over the plan, never the stored master or MPD (the session's own copies
replace them), never the folder as a whole. The CloudFront signer turns the
same list into its policies (see ``cloudfront``).

Grants are short-lived: they expire ``PLAYBACK_GRANT_LIFETIME_SECONDS`` after
they are made (rounded down to a fifth of that, so sessions share CloudFront
signatures), and heartbeats renew them while the session is live. An ended or
silent session gets no new grant, so its URLs die within one lifetime, even
where an edge checks them without Django. Django, which serves the media
itself in the embedded default, also checks that the session is still live.

Nothing in this module touches the database.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import posixpath
import re
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

VERSION = "2"
SEPARATOR = "|"


class InvalidGrant(Exception):
    """The token is malformed, forged, expired, or not good for this path."""

    code = "invalid_signature"


class ExpiredGrant(InvalidGrant):
    code = "signature_expired"


class PathNotGranted(InvalidGrant):
    code = "path_not_allowed"


@functools.lru_cache(maxsize=1024)
def _pattern(pattern: str, crosses_slash: bool) -> re.Pattern:
    any_run, any_one = (".*", ".") if crosses_slash else ("[^/]*", "[^/]")
    parts = (
        any_run if char == "*" else any_one if char == "?" else re.escape(char)
        for char in pattern
    )
    return re.compile("".join(parts), re.DOTALL)


def wildcard_match(pattern: str, text: str, *, crosses_slash: bool = False) -> bool:
    """Whether ``text`` is matched by ``pattern`` (``*`` a run, ``?`` one char).

    CloudFront's wildcards match any character (``crosses_slash``); a grant's
    own patterns stay inside one folder.
    """
    return _pattern(pattern, crosses_slash).fullmatch(text) is not None


@dataclass(frozen=True)
class Grant:
    """What a token allows: the files under ``prefix`` that match one of the
    ``allow`` patterns, until ``expires``."""

    session_id: uuid.UUID
    prefix: str
    expires: int
    allow: tuple[str, ...] = ()

    def check_path(self, path: str) -> None:
        """Raise PathNotGranted unless ``path`` is one this grant covers."""
        if (
            not path
            or posixpath.normpath(path) != path
            or path.startswith("/")
            or "\\" in path
            or "%" in path  # stored names have none: no encoded tricks
            or not path.startswith(self.prefix)
            or not any(
                wildcard_match(entry, path[len(self.prefix) :]) for entry in self.allow
            )
        ):
            raise PathNotGranted("This URL's signature is not good for this file.")


def grant_expires(now: float | None = None) -> int:
    """When a grant made ``now`` expires: PLAYBACK_GRANT_LIFETIME_SECONDS on,
    rounded down to a step (a fifth of it), so that grants made within a step
    share their expiry (and CloudFront signatures)."""
    lifetime = max(1, int(settings.PLAYBACK_GRANT_LIFETIME_SECONDS))
    step = max(1, lifetime // 5)
    moment = int(time.time() if now is None else now)
    return (moment + lifetime) // step * step


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strictly: only the one spelling ``_b64encode`` makes, so a token has no
    second form (base64's unused low bits would otherwise let a different URL,
    a new CDN cache key, carry the same grant)."""
    padded = text + "=" * (-len(text) % 4)
    data = base64.urlsafe_b64decode(padded.encode("ascii"))
    if _b64encode(data) != text:
        raise ValueError("not in canonical base64")
    return data


def grant_encode(grant: Grant, *, key: bytes) -> str:
    """The token for ``grant``, signed with ``key``."""
    for value in (grant.prefix, *grant.allow):
        if SEPARATOR in value or "," in value:
            raise ValueError(f"{value!r} cannot be carried in a token.")
    payload = SEPARATOR.join(
        [
            VERSION,
            grant.session_id.hex,
            str(int(grant.expires)),
            grant.prefix,
            ",".join(grant.allow),
        ]
    ).encode()
    signature = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64encode(payload)}.{_b64encode(signature)}"


def grant_decode(token: str, *, key: bytes, now: float | None = None) -> Grant:
    """The grant a token carries; raises InvalidGrant (or ExpiredGrant)."""
    try:
        encoded_payload, encoded_signature = token.split(".")
        payload = _b64decode(encoded_payload)
        signature = _b64decode(encoded_signature)
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise InvalidGrant("This URL's signature is malformed.") from exc
    expected = hmac.new(key, payload, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise InvalidGrant("This URL's signature does not match.")
    try:
        version, session_hex, expires, prefix, allow = payload.decode().split(SEPARATOR)
        if version != VERSION:
            raise ValueError(version)
        grant = Grant(
            session_id=uuid.UUID(hex=session_hex),
            prefix=prefix,
            expires=int(expires),
            allow=tuple(entry for entry in allow.split(",") if entry),
        )
    except ValueError as exc:  # a token we signed always parses; be strict anyway
        raise InvalidGrant("This URL's signature is malformed.") from exc
    if grant.expires <= (time.time() if now is None else now):
        raise ExpiredGrant("This URL has expired; start playback again.")
    return grant


def signing_key() -> bytes:
    """PLAYBACK_SIGNING_KEY, or a key derived from SECRET_KEY when it is empty."""
    configured = settings.PLAYBACK_SIGNING_KEY
    if configured:
        return configured.encode()
    return _derived_key(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _derived_key(secret: str) -> bytes:
    # Every manifest request needs the key: derived once per SECRET_KEY.
    return salted_hmac(
        "vod.playback.signing", "", secret=secret, algorithm="sha256"
    ).digest()


class Signer:
    """Signs and checks one session's delivery URLs.

    The HMAC signer: Django (the embedded default) or a CDN edge in front of
    the storage checks the grant. ``PLAYBACK_MEDIA_URL`` says which: a path
    Django routes (``/media/s/``), or the CDN's base URL. Another scheme (e.g.
    CloudFront's RSA-signed policies) is another class with the same methods,
    named in ``PLAYBACK_SIGNER`` (``cloudfront.CloudFrontSigner``); its
    ``queries`` are the per-file signatures a heartbeat hands out with the
    token.

    ``relative_urls_inherit_grant`` says whether a file named relatively in a
    signed playlist is reachable as it is: true for a grant in the path, false
    for one in the query string, which players drop when they resolve names.
    """

    relative_urls_inherit_grant = True

    def __init__(self, *, key: bytes | None = None, base_url: str | None = None):
        self.key = key if key is not None else signing_key()
        base = base_url if base_url is not None else settings.PLAYBACK_MEDIA_URL
        self.base_url = base if base.endswith("/") else base + "/"

    def sign(self, grant: Grant) -> str:
        return grant_encode(grant, key=self.key)

    def verify(self, token: str, path: str | None = None) -> Grant:
        """The token's grant, checked for ``path`` when given; raises InvalidGrant."""
        grant = grant_decode(token, key=self.key)
        if path is not None:
            grant.check_path(path)
        return grant

    def url(self, token: str, path: str, *, base_url: str | None = None) -> str:
        """The URL of storage ``path`` under ``token`` (root-relative or absolute),
        on the CDN pathway at ``base_url`` (default: ``PLAYBACK_MEDIA_URL``)."""
        return f"{base_url or self.base_url}{token}/{path}"

    def url_function(self, token: str, *, base_url: str | None = None):
        """``url`` with ``token`` and ``base_url`` bound, for many paths at once."""
        return lambda path: self.url(token, path, base_url=base_url)

    def queries(self, grant: Grant, *, base_url: str) -> list[tuple[str, str]]:
        """(resource, query) pairs: the signatures URLs on ``base_url`` carry in
        their query string, each for the URLs its resource pattern matches
        (CloudFront's wildcards). None for this signer: its grant is the token."""
        return []


def signer() -> Signer:
    """The configured signer (``PLAYBACK_SIGNER``, default: the HMAC signer)."""
    path = getattr(settings, "PLAYBACK_SIGNER", "")
    cls = import_string(path) if path else Signer
    return cls()
