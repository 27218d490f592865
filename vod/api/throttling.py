"""Anonymous rate limiting that costs two cache operations per request.

DRF's ``AnonRateThrottle`` keeps every request's timestamp in one cached list
per client and rewrites it on each request, which grows with the rate (about
100 KB per request at a few thousand a minute) and loses counts when requests
overlap. A fixed-window counter (``add`` then ``incr``) is constant-cost and
atomic; it lets a client burst up to twice the rate across a window boundary,
which is fine for this purpose.
"""

import time

from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle


class AnonWindowThrottle(AnonRateThrottle):
    scope = "anon"

    def allow_request(self, request, view) -> bool:
        if self.rate is None or request.user.is_authenticated:
            return True
        now = time.time()
        window = int(now // self.duration)
        key = f"throttle:{self.scope}:{self.get_ident(request)}:{window}"
        cache.add(key, 0, timeout=int(self.duration) + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=int(self.duration) + 1)
            count = 1
        if count > self.num_requests:
            self._wait = (window + 1) * self.duration - now
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
