"""A version number for everything viewers can see of the catalog.

Cached catalog responses are keyed by it; any edit bumps it, so editors' changes
show at once (within a second in other processes, which remember the version
that long to save a cache round trip per request). Entries also expire after
``CATALOG_CACHE_SECONDS`` so titles entering or leaving their availability
window appear or vanish on time.
"""

import time

from django.core.cache import cache

VERSION_KEY = "catalog:version"
MEMO_SECONDS = 1.0

_memo: dict[str, float] = {"version": 0, "until": 0.0}


def catalog_version() -> int:
    now = time.monotonic()
    if now < _memo["until"]:
        return int(_memo["version"])
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    _memo.update(version=version, until=now + MEMO_SECONDS)
    return version


def catalog_cache_invalidate() -> None:
    """Make every cached catalog response stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted or cleared: start from a number never used before
        cache.set(VERSION_KEY, _fresh_version(), timeout=None)
    _memo["until"] = 0.0


def _fresh_version() -> int:
    """A version above any handed out before, even if the cache lost the key."""
    return time.time_ns() // 1000
