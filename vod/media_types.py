"""Content-Type and Cache-Control for every kind of file a revision holds.

One table, read by whatever stores or serves the files (local serving, the S3
storage's object parameters), so every path to a viewer says the same.
"""

import posixpath

IMMUTABLE = "public, max-age=31536000, immutable"
PLAYLIST = "public, max-age=60"
GROWING_PLAYLIST = "public, max-age=1"  # while a revision is still being written

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
    ".json": "application/json",
}


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(
        posixpath.splitext(name)[1].lower(), "application/octet-stream"
    )


def cache_control_for(name: str, *, growing: bool = False) -> str:
    """Segments, init files and artwork never change under one revision's prefix."""
    extension = posixpath.splitext(name)[1].lower()
    if extension in {".m3u8", ".mpd"}:
        return GROWING_PLAYLIST if growing else PLAYLIST
    return IMMUTABLE
