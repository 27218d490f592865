"""A version number for everything viewers can see of the catalog.

Cached catalog responses are keyed by it; any edit bumps it, so editors' changes
show at once (within a second in other processes, which remember the version
that long to save a cache round trip per request). Entries also expire after
``CATALOG_CACHE_SECONDS`` so titles entering or leaving their availability
window appear or vanish on time.
"""

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.core.cache import cache

VERSION_KEY = "catalog:version"
MEMO_SECONDS = 1.0
MEMO_MAX_ENTRIES = 4096

_memo: dict[str, float] = {"version": 0, "until": 0.0}
_entries: dict[Hashable, tuple[int, object]] = {}
T = TypeVar("T")


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


def catalog_memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, remembered in this process until the catalog changes.

    For hot reads whose query costs more to build than to run. The value is
    shared by every request of the process: callers must not modify it.
    """
    version = catalog_version()
    hit = _entries.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = compute()
    if len(_entries) >= MEMO_MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (version, value)
    return value


def catalog_memo_clear() -> None:
    """Forget what ``catalog_memo`` remembers in this process (for tests)."""
    _entries.clear()
    _memo["until"] = 0.0


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
