"""An https:// URL streamed into stored parts, each hop checked before it is taken.

Every hop's host is resolved and each of its addresses checked (no private,
loopback, link-local or metadata address), and the connection is made to one
of those very addresses, with the host name only for TLS and the Host header:
a name that resolves to another address a moment later (DNS rebinding) is never
connected to. Redirects are followed by hand, each re-checked, a few at most.
"""

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from urllib3.exceptions import HTTPError, SSLError

from ..transcoding.errors import SourceRejected, TransientFailure
from . import locations
from .parts import Part, Parts

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK_BYTES = 1024 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _refused(exc: ValidationError) -> SourceRejected:
    return SourceRejected(" ".join(exc.messages))


def _pool(host: str, port: int, address: str) -> urllib3.HTTPSConnectionPool:
    return urllib3.HTTPSConnectionPool(
        address,
        port,
        timeout=urllib3.Timeout(
            connect=settings.INGEST_URL_CONNECT_TIMEOUT_SECONDS,
            read=settings.INGEST_URL_READ_TIMEOUT_SECONDS,
        ),
        maxsize=1,
        retries=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=settings.INGEST_URL_CA_BUNDLE,
        server_hostname=host,
        assert_hostname=host,
    )


def _request(url: str, headers: dict) -> tuple[urllib3.BaseHTTPResponse, object]:
    """GET one hop from a checked address; returns the response and its pool."""
    try:
        parts = locations.url_check(url)
        host, port = parts.hostname, parts.port or 443
        addresses = locations.host_addresses(host, port)
    except locations.HostNotFound as exc:
        raise TransientFailure(" ".join(exc.messages)) from exc
    except ValidationError as exc:
        raise _refused(exc) from exc
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {**headers, "Host": parts.netloc}
    failure: Exception | None = None
    for address in addresses:
        pool = _pool(host, port, address)
        try:
            response = pool.urlopen(
                "GET",
                target,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            return response, pool
        except SSLError as exc:
            pool.close()
            raise SourceRejected(
                f"The server {host} was not trusted (its TLS certificate): {exc}"
            ) from exc
        except (HTTPError, OSError) as exc:
            pool.close()
            failure = exc
    raise TransientFailure(f"Could not reach {host}: {failure}")


@contextlib.contextmanager
def open_url(
    url: str, *, start: int = 0, if_range: str | None = None
) -> Iterator[urllib3.BaseHTTPResponse]:
    """The response to a GET of ``url`` (from byte ``start``), after redirects.

    With ``if_range`` (an ETag or a date) a server whose file changed since
    answers with all of the new one instead of the rest of the old one.
    """
    headers = {"Accept-Encoding": "identity", "User-Agent": "vod-ingest/1"}
    if start:
        headers["Range"] = f"bytes={start}-"
        if if_range:
            headers["If-Range"] = if_range
    for _ in range(settings.INGEST_URL_MAX_REDIRECTS + 1):
        response, pool = _request(url, headers)
        if response.status not in REDIRECTS:
            try:
                yield response
            finally:
                response.release_conn()
                pool.close()
            return
        location = response.headers.get("Location")
        pool.close()
        if not location:
            raise SourceRejected(f"{url} redirects nowhere ({response.status}).")
        url = urljoin(url, location)
    raise SourceRejected(
        f"The URL redirects more than {settings.INGEST_URL_MAX_REDIRECTS} times."
    )


def _status_check(response: urllib3.BaseHTTPResponse) -> None:
    if response.status in (200, 206):
        return
    reason = f"The server answered {response.status} {response.reason or ''}".strip()
    if response.status == 429 or response.status >= 500:
        raise TransientFailure(reason + ".")
    raise SourceRejected(reason + ": check the URL (a signed URL may have expired).")


def _resumes_at(response: urllib3.BaseHTTPResponse, start: int) -> bool:
    """Whether the server sent the bytes from ``start`` on (a 206 it means)."""
    if response.status != 206:
        return False
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
    return bool(match) and int(match[1]) == start


def _had_it_all(response: urllib3.BaseHTTPResponse, start: int) -> bool:
    """Whether every byte was stored before (a crash came before the join)."""
    return (
        response.status == 416
        and response.headers.get("Content-Range") == f"bytes */{start}"
    )


def _validator(response: urllib3.BaseHTTPResponse) -> str | None:
    """What names this version of the file: a strong ETag, else Last-Modified."""
    etag = response.headers.get("ETag", "")
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("Last-Modified")


def _total(response: urllib3.BaseHTTPResponse) -> int | None:
    if response.status == 206:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
        return int(match[3]) if match and match[3] != "*" else None
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _too_big(size: int) -> SourceRejected:
    limit = settings.VIDEO_UPLOAD_MAX_BYTES
    return SourceRejected(
        f"The source is over the size limit ({size:,} bytes or more; the limit is "
        f"{limit:,} bytes)."
    )


def fetch_into(
    *, url: str, parts: Parts, on_progress: Callable[..., None]
) -> list[Part]:
    """Fetch ``url`` into ``parts``, resuming after those already stored.

    ``on_progress(done, total, stored=False)`` is told the bytes received; with
    ``stored`` they are all stored.
    """
    stored = parts.stored()
    start = stored[-1].offset + stored[-1].size if stored else 0
    with contextlib.ExitStack() as stack:
        validator = parts.validator() if start else None
        response = stack.enter_context(open_url(url, start=start, if_range=validator))
        if start and _had_it_all(response, start):
            return stored
        if start and response.status == 200:
            # The server ignored the Range and sends it all: take it from 0.
            parts.clear()
            start = 0
        elif start and not _resumes_at(response, start):
            # Not the bytes asked for (a 416, another range): start over.
            stack.close()
            parts.clear()
            start = 0
            response = stack.enter_context(open_url(url))
        _status_check(response)
        if not start and (validator := _validator(response)):
            parts.remember(validator)
        total = _total(response)
        if total is not None and total > settings.VIDEO_UPLOAD_MAX_BYTES:
            raise _too_big(total)
        on_progress(start, total, stored=True)
        _stream(
            response, parts=parts, start=start, total=total, on_progress=on_progress
        )
    stored = parts.stored()
    if not stored:
        raise SourceRejected("The URL gave an empty file.")
    return stored


def _spool():
    """The part being received: in memory up to a few MB, then on local disk."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024**2)  # noqa: SIM115 (flush closes it)


def _stream(response, *, parts: Parts, start: int, total, on_progress) -> None:
    part_bytes = settings.INGEST_URL_PART_BYTES
    offset, buffered = start, 0
    buffer = _spool()

    def flush() -> None:
        nonlocal offset, buffered, buffer
        if buffered:
            parts.add(offset=offset, content=buffer, size=buffered)
            offset += buffered
        buffer.close()
        buffer, buffered = _spool(), 0

    try:
        # read1 hands over what has arrived: a connection that drops loses none
        # of it, where read(amt) would drop a part-filled chunk.
        while chunk := response.read1(CHUNK_BYTES):
            buffer.write(chunk)
            buffered += len(chunk)
            if offset + buffered > settings.VIDEO_UPLOAD_MAX_BYTES:
                raise _too_big(offset + buffered)
            if buffered >= part_bytes:
                flush()
                on_progress(offset, total, stored=True)
            else:
                on_progress(offset + buffered, total)
    except (HTTPError, OSError) as exc:
        # What arrived is kept: the retry asks for the rest with a Range.
        flush()
        on_progress(offset, total, stored=True)
        raise TransientFailure(
            f"The download broke off after {offset:,} bytes: {exc}"
        ) from exc
    except SourceRejected:
        buffer.close()
        raise
    flush()
    buffer.close()
    if total is not None and offset != total:
        raise TransientFailure(f"The download ended at {offset:,} of {total:,} bytes.")
