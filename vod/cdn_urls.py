"""What a CDN pathway's base URL may be: checked in settings and in admin.

Signed media URLs and the health check's URL are built by appending names to
the base URL, so anything after its path (a ``?`` query or a ``#`` fragment)
would swallow them, and credentials in it would travel in every playlist.
Standard library only: settings import it.
"""

from urllib.parse import urlsplit


def base_url_problem(url: str) -> str:
    """Why ``url`` cannot be a pathway's base URL; empty when it can."""
    if not url or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        return "It must be a URL without spaces or control characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return "It is not a URL."
    if parts.scheme.lower() not in ("http", "https"):
        return "Use an http:// or https:// URL."
    if "@" in parts.netloc:
        return "Leave credentials (user:password@) out of the URL."
    if not parts.hostname:
        return "The URL has no host."
    if "?" in url or "#" in url:
        return (
            "Leave out ? and #: media names are appended to the URL's path, "
            "which a query or fragment would swallow."
        )
    return ""
