"""A version number for everything viewers can see of the catalog.

Cached catalog responses are keyed by it; any edit bumps it, so editors' changes
show at once. Entries also expire after ``CATALOG_CACHE_SECONDS`` so titles
entering or leaving their availability window appear or vanish on time.
"""

from django.core.cache import cache

VERSION_KEY = "catalog:version"


def catalog_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def catalog_cache_invalidate() -> None:
    """Make every cached catalog response stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)
