"""A version number for everything viewers can see of the catalog.

Cached catalog responses are keyed by it; any edit bumps it, so editors' changes
show at once (within a second in other processes, which remember the version
that long to save a cache round trip per request). Entries also expire after
``CATALOG_CACHE_SECONDS`` so titles entering or leaving their availability
window appear or vanish on time.
"""

from collections.abc import Callable, Hashable
from typing import TypeVar

from vod.generation import SharedGeneration

VERSION = SharedGeneration("catalog:version")
MEMO_MAX_ENTRIES = 4096

_entries: dict[Hashable, tuple[int, object]] = {}
T = TypeVar("T")


def catalog_version() -> int:
    """The catalog's version, as this process last saw it within a second."""
    return VERSION.current()


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
    VERSION.expire()


def catalog_cache_invalidate() -> None:
    """Make every cached catalog response stale."""
    VERSION.bump()
