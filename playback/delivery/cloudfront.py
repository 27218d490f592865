"""CloudFront delivery: RSA-signed custom policies, narrow and short-lived.

CloudFront checks a signed URL's ``Policy``, ``Signature`` and ``Key-Pair-Id``
query parameters against a public key of the distribution's trusted key
group; Django keeps the private key (``CLOUDFRONT_PRIVATE_KEY`` or
``CLOUDFRONT_PRIVATE_KEY_FILE``) and never serves a media byte.

What a session may fetch is the grant's allow list (see ``signing``): the
plan's rungs' init and media segments, the audio and text tracks, the artwork.
A custom policy has one statement with one resource, so a session gets several
narrow policies, one per entry of the list (playlists excepted: Django serves
those) and per CDN pathway, e.g.::

    https://cdn.example/videos/<uuid>/<revision>/init-0.m4s
    https://cdn.example/videos/<uuid>/<revision>/seg-0-?????.m4s

The resource starts with the pathway's own scheme and host, never a wildcard:
CloudFront matches the whole URL, query string included, so a leading ``*``
would let ``.../seg-3-00001.m4s?x=/videos/<uuid>/<revision>/seg-0-`` through.
Only the segment number is left open, digit for digit (``?`` is exactly one
character), so rung 1's pattern never matches rung 10's files, and no
percent-encoded or dotted path fits in the five characters to reach another
file. A rung over the plan, the stored playlists and MPD, another revision or
video match no policy of the session.

Policies expire with the grant, a few minutes on
(``PLAYBACK_GRANT_LIFETIME_SECONDS``, rounded down to a step so that sessions
share them); heartbeats of a live session carry fresh ones. RSA signing is deterministic and each signed
query is cached per (resource, expiry): sessions of one video and plan within
a step share every signature.

Why Django serves the media playlists with this signer. A query-string
signature is not inherited by relative URLs: a player resolves
``seg-1-00001.m4s`` against ``https://cdn/.../240p.m3u8?Policy=...`` to
``https://cdn/.../seg-1-00001.m4s``, without the query (RFC 3986, 5.2.2;
hls.js, AVPlayer and ExoPlayer all do so). The alternatives fall short:
signed cookies need the player's pages on a parent domain of the CDN and do
not reach apps' players easily; a signature in the path is not something
CloudFront checks without an edge function (Lambda@Edge); HLS variable
substitution (``EXT-X-DEFINE:QUERYPARAM``) needs every stored playlist written
for it and support that players lack. So, as AWS's own signed-URL VOD example
does, the master playlist points at per-session copies of the variant, audio
and subtitle playlists that Django writes with every segment URL absolute and
signed (``views.session_playlist``) for a live session only; segments still go
straight to the CDN. The DASH MPD carries each representation's query on its
own ``SegmentTemplate``, which players copy verbatim; as one template serves
every ``BaseURL``, a query-signed MPD names one pathway.
"""

import base64
import binascii
import datetime
import functools
import json
import posixpath
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botocore.signers import CloudFrontSigner as BotocoreCloudFrontSigner
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from vod.cdn_urls import base_url_problem

from .signing import (
    ExpiredGrant,
    Grant,
    InvalidGrant,
    PathNotGranted,
    Signer,
    grant_decode,
    wildcard_match,
)

SIGNATURE_PARAMETERS = ("Policy", "Signature", "Key-Pair-Id")
# Playlists and manifests: Django serves the session's copies, never the CDN.
DJANGO_SERVES = (".m3u8", ".mpd")
_FROM_CLOUDFRONT_B64 = str.maketrans("-_~", "+=/")


def resource_for(base_url: str, path: str) -> str:
    """The policy's resource for ``path`` (a grant pattern) on ``base_url``."""
    if problem := base_url_problem(base_url):
        raise ImproperlyConfigured(
            f"CloudFront URLs need an absolute http(s) base URL, not {base_url!r}: "
            f"{problem}"
        )
    return f"{base_url}{path}"


@functools.lru_cache(maxsize=8)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    # Loading checks the key, which takes milliseconds: once per process.
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("The CloudFront private key must be an RSA key.")
    return key


def _configured_pem() -> str:
    pem = settings.CLOUDFRONT_PRIVATE_KEY
    if not pem and settings.CLOUDFRONT_PRIVATE_KEY_FILE:
        pem = Path(settings.CLOUDFRONT_PRIVATE_KEY_FILE).read_text()
    if not pem:
        raise ImproperlyConfigured(
            "The CloudFront signer needs CLOUDFRONT_PRIVATE_KEY or "
            "CLOUDFRONT_PRIVATE_KEY_FILE."
        )
    # Environments often carry a PEM on one line with literal "\n"s.
    return pem.replace("\\n", "\n")


# A few policies per video, plan and pathway within a step (about 1 kB each).
@functools.lru_cache(maxsize=16384)
def _signed_query(key_pair_id: str, pem: str, resource: str, expires: int) -> str:
    key = _private_key(pem)

    def rsa_sign(message: bytes) -> bytes:
        # CloudFront's signatures are RSA with SHA-1; it accepts nothing else.
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    signer = BotocoreCloudFrontSigner(key_pair_id, rsa_sign)
    policy = signer.build_policy(
        resource, datetime.datetime.fromtimestamp(expires, tz=datetime.UTC)
    )
    return urlsplit(signer.generate_presigned_url("", policy=policy)).query


class CloudFrontSigner(Signer):
    """Media URLs signed for CloudFront; Django's own manifest URLs keep the
    HMAC grant of the base class (their token is the session's credential)."""

    relative_urls_inherit_grant = False

    def __init__(
        self,
        *,
        key: bytes | None = None,
        base_url: str | None = None,
        key_pair_id: str | None = None,
        private_key_pem: str | None = None,
    ):
        super().__init__(key=key, base_url=base_url)
        self.key_pair_id = key_pair_id or settings.CLOUDFRONT_KEY_PAIR_ID
        if not self.key_pair_id:
            raise ImproperlyConfigured(
                "The CloudFront signer needs CLOUDFRONT_KEY_PAIR_ID."
            )
        self.pem = private_key_pem or _configured_pem()

    def queries(self, grant: Grant, *, base_url: str) -> list[tuple[str, str]]:
        """One (resource, signed query) per file pattern the grant allows on the
        pathway at ``base_url``, playlists excepted (Django serves those)."""
        return [
            (
                resource := resource_for(base_url, grant.prefix + pattern),
                _signed_query(self.key_pair_id, self.pem, resource, int(grant.expires)),
            )
            for pattern in grant.allow
            if not pattern.endswith(DJANGO_SERVES)
        ]

    def url(self, token: str, path: str, *, base_url: str | None = None) -> str:
        return self.url_function(token, base_url=base_url)(path)

    def url_function(self, token: str, *, base_url: str | None = None):
        grant = grant_decode(token, key=self.key)
        return self.grant_url_function(grant, base_url=base_url)

    def grant_url_function(self, grant: Grant, *, base_url: str | None = None):
        """``path`` to its URL on ``base_url`` with the query of the policy that
        covers it; PathNotGranted for a file no policy of the grant covers."""
        base = base_url or self.base_url
        policies = self.queries(grant, base_url=base)

        def url(path: str) -> str:
            grant.check_path(path)
            unsigned = f"{base}{path}"
            for resource, query in policies:
                if wildcard_match(resource, unsigned, crosses_slash=True):
                    return f"{unsigned}?{query}"
            raise PathNotGranted("No policy of this session covers this file.")

        return url


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text.translate(_FROM_CLOUDFRONT_B64), validate=True)


def _epoch(condition: dict, name: str) -> int | None:
    value = condition.get(name)
    if value is None:
        return None
    epoch = value["AWS:EpochTime"] if isinstance(value, dict) else None
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        raise ValueError(name)
    return epoch


def cloudfront_url_verify(
    url: str,
    *,
    public_key: rsa.RSAPublicKey,
    key_pair_id: str | None = None,
    now: float | None = None,
) -> dict:
    """Check a signed URL as CloudFront would; the policy's statement if good.

    Raises InvalidGrant when the URL is malformed, signed with another key or
    tampered with, ExpiredGrant when it has expired (``DateLessThan`` is not
    after ``now``), and PathNotGranted when the URL, as sent and with its
    other query parameters, does not match the policy's resource (``*`` any
    run of characters, ``?`` exactly one, ``/`` included). Only custom
    policies (the ones this signer makes) are accepted. One check CloudFront
    does not make: a path with ``%``, a backslash or a dot segment is refused,
    which no URL of ours has.
    """
    try:
        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:
        raise InvalidGrant("This URL is malformed.") from exc
    signed = {name: value for name, value in params if name in SIGNATURE_PARAMETERS}
    if set(signed) != set(SIGNATURE_PARAMETERS) or len(signed) != sum(
        1 for name, _ in params if name in SIGNATURE_PARAMETERS
    ):
        raise InvalidGrant("This URL does not carry one custom-policy signature.")
    if key_pair_id is not None and signed["Key-Pair-Id"] != key_pair_id:
        raise InvalidGrant("This URL is signed with another key pair.")
    try:
        policy_bytes = _b64decode(signed["Policy"])
        signature = _b64decode(signed["Signature"])
    except (binascii.Error, ValueError) as exc:
        raise InvalidGrant("This URL's signature is malformed.") from exc
    try:
        sha1 = hashes.SHA1()  # noqa: S303 (CloudFront's algorithm)
        public_key.verify(signature, policy_bytes, padding.PKCS1v15(), sha1)
    except InvalidSignature as exc:
        raise InvalidGrant("This URL's signature does not match.") from exc
    try:
        (statement,) = json.loads(policy_bytes)["Statement"]
        resource = statement["Resource"]
        condition = statement["Condition"]
        expires = _epoch(condition, "DateLessThan")
        not_before = _epoch(condition, "DateGreaterThan")
        if not isinstance(resource, str) or expires is None:
            raise ValueError("Resource or DateLessThan")
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidGrant("This URL's policy is malformed.") from exc
    moment = time.time() if now is None else now
    if expires <= moment:
        raise ExpiredGrant("This URL has expired; start playback again.")
    if not_before is not None and not_before > moment:
        raise InvalidGrant("This URL is not valid yet.")
    path = parts.path
    if posixpath.normpath(path) != path or "\\" in path or "%" in path:
        raise PathNotGranted("This URL's signature is not good for this file.")
    others = [(name, value) for name, value in params if name not in signed]
    unsigned = urlunsplit(parts._replace(query=urlencode(others), fragment=""))
    if not wildcard_match(resource, unsigned, crosses_slash=True):
        raise PathNotGranted("This URL's signature is not good for this file.")
    return statement
