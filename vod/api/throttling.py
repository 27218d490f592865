"""Rate limiting that costs one cache round trip per request.

Anonymous requests are counted per client address (``vod.client_address``,
past the proxies; an IPv6 client's /64), signed-in ones per account and scope
(``AccountWindowThrottle``).

DRF's ``AnonRateThrottle`` keeps every request's timestamp in one cached list
per client and rewrites it on each request, which grows with the rate (about
100 KB per request at a few thousand a minute) and loses counts when requests
overlap. A fixed-window counter is constant-cost and atomic; it lets a client
burst up to twice the rate across a window boundary, which is fine for this
purpose.
"""

import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from vod.client_address import client_network


def _redis_client(key: str):
    """The raw Redis client behind Django's cache, when it is one Redis server."""
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, RedisCacheClient) and len(backend._servers) == 1:
        return backend.get_client(key, write=True)
    return None


def count_and_get(key: str, *, ttl: int, also_get: str | None = None):
    """Add one to a counter that expires ``ttl`` seconds after it is created, and
    read the cache entry ``also_get``; returns (count, value or None).

    On Redis this is one round trip (INCR, EXPIRE NX and GET in a pipeline),
    where Django's add(), incr() and get() would be four.
    """
    full_key = cache.make_and_validate_key(key)
    client = _redis_client(full_key)
    if client is not None:
        pipe = client.pipeline(transaction=False)  # one round trip; no MULTI needed
        pipe.incr(full_key)
        pipe.expire(full_key, ttl, nx=True)
        if also_get is not None:
            pipe.get(cache.make_and_validate_key(also_get))
        results = pipe.execute()
        raw = results[2] if also_get is not None else None
        value = cache._cache._serializer.loads(raw) if raw is not None else None
        return int(results[0]), value
    # The counter exists for all but a window's first request: incr() alone is
    # one write (on diskcache a write transaction every process queues for);
    # add() before every incr() made it two.
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first request, or the counter expired
        # add() fails when another request created it in between.
        count = 1 if cache.add(key, 1, timeout=ttl) else cache.incr(key)
    return count, (cache.get(also_get) if also_get is not None else None)


class _WindowCounter:
    """A fixed-window count per ident, for a throttle that has its rate."""

    def count_in_window(self, ident: str, also_get: str | None = None):
        """Count one request of ``ident``; (whether it is allowed, the
        ``also_get`` entry)."""
        now = time.time()
        window = int(now // self.duration)
        key = f"throttle:{self.scope}:{ident}:{window}"
        count, value = count_and_get(key, ttl=int(self.duration) + 1, also_get=also_get)
        if count > self.num_requests:
            self._wait = (window + 1) * self.duration - now
            return False, None
        return True, value

    def get_ident(self, request) -> str:
        """The client address past the proxies (an IPv6 client's /64), never
        one the client sent."""
        return client_network(request)

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class AnonWindowThrottle(_WindowCounter, AnonRateThrottle):
    """Anonymous requests, per client address (scope ``anon``)."""

    scope = "anon"

    def allow_request(self, request, view) -> bool:
        if self.rate is None or request.user.is_authenticated:
            return True
        if getattr(request, "anonymous_throttle_counted", False):
            return True  # counted once already (see catalog.api.caching)
        allowed, _ = self.allow_request_and_get(request)
        return allowed

    def allow_request_and_get(self, request, also_get: str | None = None):
        """Count the request; (whether it is allowed, the ``also_get`` entry)."""
        return self.count_in_window(self.get_ident(request), also_get)


class ScopedAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (``throttle_scope``), keyed on the client address
    past the proxies for anonymous callers."""

    def get_ident(self, request) -> str:
        return client_network(request)


class AccountWindowThrottle(_WindowCounter, ScopedRateThrottle):
    """Signed-in requests, per account and the view's ``throttle_scope``: a
    client cannot spread them over addresses, and an account's devices share
    one budget. Anonymous requests are left to the other throttles."""

    def allow_request(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return True
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        allowed, _ = self.count_in_window(f"user-{request.user.pk}")
        return allowed
