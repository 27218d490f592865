"""Anonymous rate limiting that costs one cache round trip per request.

DRF's ``AnonRateThrottle`` keeps every request's timestamp in one cached list
per client and rewrites it on each request, which grows with the rate (about
100 KB per request at a few thousand a minute) and loses counts when requests
overlap. A fixed-window counter is constant-cost and atomic; it lets a client burst up to twice the rate across a window boundary,
which is fine for this purpose.
"""

import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from rest_framework.throttling import AnonRateThrottle


def _count(key: str, *, ttl: int) -> int:
    """Add one to a counter that expires ``ttl`` seconds after it is created."""
    if isinstance(cache._cache if hasattr(cache, "_cache") else None, RedisCacheClient):
        # One round trip on Redis: INCR and EXPIRE NX in a pipeline. Django's
        # add() + incr() would be three.
        full_key = cache.make_and_validate_key(key)
        pipe = cache._cache.get_client(full_key, write=True).pipeline()
        pipe.incr(full_key)
        pipe.expire(full_key, ttl, nx=True)
        return int(pipe.execute()[0])
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=ttl)
        return 1


class AnonWindowThrottle(AnonRateThrottle):
    scope = "anon"

    def allow_request(self, request, view) -> bool:
        if self.rate is None or request.user.is_authenticated:
            return True
        if getattr(request, "anonymous_throttle_counted", False):
            return True  # counted once already (see catalog.api.caching)
        now = time.time()
        window = int(now // self.duration)
        key = f"throttle:{self.scope}:{self.get_ident(request)}:{window}"
        count = _count(key, ttl=int(self.duration) + 1)
        if count > self.num_requests:
            self._wait = (window + 1) * self.duration - now
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
