"""A number in the shared cache that says "this changed": writers bump it,
and every process remembers it for ``check_seconds`` (saving a cache round
trip per request), so an edit shows at once in the process that made it and
within that interval in the others. Memos keyed by it need no other
invalidation. The catalog's version and the accounts' plans both use one.
"""

import time

from django.core.cache import cache


class SharedGeneration:
    """The cache's number under ``key``, looked at most once per ``check_seconds``."""

    def __init__(self, key: str, *, check_seconds: float = 1.0):
        self.key = key
        self.check_seconds = check_seconds
        self._value = 0
        self._until = 0.0

    def current(self) -> int:
        """The number, as this process last saw it within the interval."""
        now = time.monotonic()
        if now < self._until:
            return self._value
        value = cache.get(self.key)
        if value is None:
            cache.add(self.key, _fresh(), timeout=None)
            value = cache.get(self.key)
        self._value, self._until = value, now + self.check_seconds
        return value

    def bump(self) -> None:
        """Move the number on, seen here at once and elsewhere within the interval."""
        try:
            cache.incr(self.key)
        except ValueError:  # evicted or cleared: start from a number never used
            cache.set(self.key, _fresh(), timeout=None)
        self.expire()

    def expire(self) -> None:
        """Look at the cache's number on the next ``current()``."""
        self._until = 0.0


def _fresh() -> int:
    """A number above any handed out before, even if the cache lost the key."""
    return time.time_ns() // 1000
