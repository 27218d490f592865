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

On diskcache (the embedded default) a counter's write is a SQLite write
transaction, and every process's writes queue for the one lock of the file,
waiting in SQLite's busy handler (sleeps of 1, 2, 5, 10... ms): with a write per
request, anonymous catalog reads (one client address in ``bench/catalog.py``)
had a p99 of 85-143 ms. There a process takes the window's slots in blocks
(``_leased_slot``): a request is allowed when its slot is within the rate, so
no more requests than the rate ever pass; a block a process took and did not
use, when the client's next requests go to other processes, refuses at most
that many requests early. Blocks shrink to one slot as the count nears the
rate. A cached catalog read's throttle went from a write per request to one in
16, and its CPU from about 105-145 to 35-45 µs (in one process, on a busy
machine; a whole cached list or search read through the test client about
0.5 -> 0.4 ms). Redis needs none of it: one pipelined round trip per request.
"""

import threading
import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from vod.client_address import client_network


def _redis_client():
    """The raw Redis client behind Django's cache, when it is one Redis server
    (which the key does not choose)."""
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, RedisCacheClient) and len(backend._servers) == 1:
        return backend.get_client(write=True)
    return None


def count_and_get(
    key: str, *, ttl: int, also_get: str | None = None, limit: int | None = None
):
    """Add one to a counter that expires ``ttl`` seconds after it is created, and
    read the cache entry ``also_get``; returns (count, value or None).

    On Redis this is one round trip (INCR, EXPIRE NX and GET in a pipeline),
    where Django's add(), incr() and get() would be four. Elsewhere, given the
    ``limit`` the count is checked against, the count is a slot this process
    took in a block (see above): above ``limit`` exactly when the counter is.
    """
    client = _redis_client()
    if client is not None:
        full_key = cache.make_and_validate_key(key)
        pipe = client.pipeline(transaction=False)  # one round trip; no MULTI needed
        pipe.incr(full_key)
        pipe.expire(full_key, ttl, nx=True)
        if also_get is not None:
            pipe.get(cache.make_and_validate_key(also_get))
        results = pipe.execute()
        raw = results[2] if also_get is not None else None
        value = cache._cache._serializer.loads(raw) if raw is not None else None
        return int(results[0]), value
    if limit is None:
        count = _counter_add(key, 1, ttl)
    else:
        count = _leased_slot(key, ttl=ttl, limit=limit)
    return count, (cache.get(also_get) if also_get is not None else None)


def _counter_add(key: str, amount: int, ttl: int) -> int:
    # The counter exists for all but a window's first request: incr() alone is
    # one write (on diskcache a write transaction every process queues for);
    # add() before every incr() made it two.
    try:
        return cache.incr(key, amount)
    except ValueError:  # the window's first request, or the counter expired
        # add() fails when another request created it in between.
        return (
            amount if cache.add(key, amount, timeout=ttl) else cache.incr(key, amount)
        )


# The most slots a block takes; a block is an eighth of what is left of the
# rate, so near the rate every request takes its own.
LEASE_MOST = 16
# (counter key, limit) -> [next slot, last slot, when the window ends]
_leases: dict[tuple[str, int], list] = {}
_leases_lock = threading.Lock()
_prune_at = [4096]  # how many blocks are kept before ended ones are dropped


def _leased_slot(key: str, *, ttl: int, limit: int) -> int:
    """This request's slot in the window's counter ``key``: the next of the
    block this process holds, or the first of a new block added to it."""
    with _leases_lock:  # the block's write too: one per process at a time
        lease = _leases.get((key, limit))
        if lease is not None and lease[0] <= lease[1]:
            lease[0] += 1
            return lease[0] - 1
        now = time.time()
        if len(_leases) >= _prune_at[0]:  # blocks of ended windows go
            for stale in [k for k, held in _leases.items() if held[2] <= now]:
                del _leases[stale]
            _prune_at[0] = max(4096, 2 * len(_leases))  # amortised
        known = lease[1] if lease is not None else 0
        block = max(1, min(LEASE_MOST, (limit - known) // 8))
        last = _counter_add(key, block, ttl)
        _leases[(key, limit)] = [last - block + 2, last, now + ttl]
        return last - block + 1


def throttle_leases_forget() -> None:
    """Drop this process's blocks of slots (tests, after clearing the cache)."""
    with _leases_lock:
        _leases.clear()


class _WindowCounter:
    """A fixed-window count per ident, for a throttle that has its rate."""

    def count_in_window(self, ident: str, also_get: str | None = None):
        """Count one request of ``ident``; (whether it is allowed, the
        ``also_get`` entry)."""
        now = time.time()
        window = int(now // self.duration)
        key = f"throttle:{self.scope}:{ident}:{window}"
        count, value = count_and_get(
            key,
            ttl=int(self.duration) + 1,
            also_get=also_get,
            limit=self.num_requests,
        )
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
