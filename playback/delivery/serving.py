"""Streaming one stored file, whole or a byte range of it (RFC 9110, section 14).

Only single ranges are served: a request for several gets the whole file with
200, which the RFC allows, as it does for a Range header that is malformed.
A range starting past the end is 416. Files are streamed from the storage in
blocks, never read whole into memory: a storage that can read a byte range
itself (S3, ``open_range``) is asked for exactly the bytes to send, as one
streamed GET; others are opened and read from the first byte wanted.
"""

import re

from django.core.files.storage import Storage
from django.http import FileResponse, HttpResponse

from vod.api.errors import json_error
from vod.media_types import cache_control_for, content_type_for

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
UNSATISFIABLE = "unsatisfiable"


class _Window:
    """Reads at most ``length`` bytes of ``handle`` from where it stands."""

    def __init__(self, handle, length: int):
        self.handle = handle
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = self.handle.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


class MediaFileResponse(FileResponse):
    block_size = 64 * 1024


def byte_range(header: str | None, size: int):
    """(first, last) byte to send; None for the whole file; UNSATISFIABLE."""
    if not header:
        return None
    match = _RANGE.match(header.replace(" ", ""))
    if match is None:
        return None  # malformed, another unit, or several ranges: send it all
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # invalid: the RFC says to ignore it
    if start >= size:
        return UNSATISFIABLE
    return start, min(int(last), size - 1) if last else size - 1


def storage_file_response(
    request, *, storage: Storage, path: str, growing: bool = False
) -> HttpResponse:
    """``path`` from ``storage``, honouring Range, with its type and caching."""
    open_range = getattr(storage, "open_range", None)
    handle = None
    try:
        if open_range is None:
            handle = storage.open(path, "rb")
            size = handle.size
        else:
            size = storage.size(path)
    except (OSError, ValueError):
        return json_error(status=404, code="not_found", message="No such file.")
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": cache_control_for(path, growing=growing),
    }
    content_type = content_type_for(path)
    wanted = byte_range(request.headers.get("Range"), size)
    if request.headers.get("If-Range"):
        wanted = None  # we send no validators, so none can match: send it all
    if wanted == UNSATISFIABLE:
        if handle is not None:
            handle.close()
        response = json_error(
            status=416,
            code="range_not_satisfiable",
            message=f"The file has {size} bytes; the range asked for is outside it.",
        )
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    status, first, length = 200, 0, size
    if wanted is not None:
        first, last = wanted
        status, length = 206, last - first + 1
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    if request.method == "HEAD":
        if handle is not None:
            handle.close()
        response = HttpResponse(status=status, content_type=content_type)
    else:
        if handle is None:
            handle = open_range(path, first, length)
        elif first:
            handle.seek(first)
        response = MediaFileResponse(
            _Window(handle, length), status=status, content_type=content_type
        )
    for name, value in headers.items():
        response[name] = value
    response["Content-Length"] = str(length)
    return response
