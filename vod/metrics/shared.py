"""Histograms whose counts live in the Django cache (Redis in production).

A Celery worker is a separate process, often on another machine, with no
endpoint of its own: what it observes is added here, in a few atomic INCRs,
and any web replica exports it (``cluster.py``). The counts only grow, so
Prometheus' ``rate()`` and ``histogram_quantile()`` work on them; should the
cache lose them, Prometheus sees an ordinary counter reset.
"""

from bisect import bisect_left

from django.core.cache import cache
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.utils import floatToGoString

KEY_PREFIX = "metrics:shared"


def _add(key: str, delta: int) -> None:
    # INCR is atomic on Redis and on the embedded default's diskcache.
    try:
        cache.incr(key, delta)
    except ValueError:  # not there yet
        if not cache.add(key, delta, timeout=None):
            cache.incr(key, delta)


class SharedHistogram:
    """A histogram any process can observe and any process can export.

    Each bucket is one integer in the cache (not cumulative, so an observation
    is one increment); the sum is kept in 1/``scale`` units, as INCR takes
    integers only.
    """

    def __init__(
        self, name: str, documentation: str, buckets: tuple, *, scale: int = 1000
    ):
        self.name = name
        self.documentation = documentation
        self.bounds = tuple(sorted(float(b) for b in buckets))
        self.scale = scale

    def _key(self, part: str) -> str:
        return f"{KEY_PREFIX}:{self.name}:{part}"

    def _bucket_keys(self) -> list[str]:
        # One more than the bounds: the +Inf bucket.
        return [self._key(f"b{index}") for index in range(len(self.bounds) + 1)]

    def observe(self, value: float) -> None:
        """Count ``value`` in its bucket and add it to the sum."""
        value = max(0.0, float(value))
        _add(self._bucket_keys()[bisect_left(self.bounds, value)], 1)
        _add(self._key("sum"), round(value * self.scale))

    def read(self) -> dict:
        """Cumulative bucket counts and the sum, in one cache round trip."""
        keys = [*self._bucket_keys(), self._key("sum")]
        stored = cache.get_many(keys)
        running, cumulative = 0, []
        for key in keys[:-1]:
            running += int(stored.get(key) or 0)
            cumulative.append(running)
        return {
            "buckets": cumulative,
            "sum": int(stored.get(keys[-1]) or 0) / self.scale,
        }

    def family(self, snapshot: dict) -> HistogramMetricFamily:
        """The Prometheus histogram of what ``read()`` returned."""
        bounds = [floatToGoString(b) for b in self.bounds] + ["+Inf"]
        return HistogramMetricFamily(
            self.name,
            self.documentation,
            buckets=list(zip(bounds, snapshot["buckets"], strict=True)),
            sum_value=snapshot["sum"],
        )
