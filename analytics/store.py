"""Where the request path counts: per-day hashes in Redis or in diskcache.

A *unit* is a title (``"<title id>.0"``) or an episode of it
(``"<title id>.<episode id>"``); each has, per UTC day, one hash of integer
counters (durations in milliseconds, so sums are exact) and a set of viewers.
On Redis a day's units are listed in an index for the rollup. Everything
expires after ``ANALYTICS_RAW_DAYS``.

One round trip a request: on Redis a pipeline (HINCRBY, PFADD for the viewers'
HyperLogLog, SADD to the day's index, EXPIRE); on the embedded default one
SQLite transaction on the cache's own ``analytics`` sub-cache, with a key
per counter and one per viewer, so viewers are counted exactly (see below).

Measured on Redis for a heartbeat's tally (watch time and a retention
bucket): the pipeline costs 0.22 ms of CPU in one round trip; the same
increments through Django's cache API (``cache.incr`` per counter, which
reads before it writes: two round trips each, and no HyperLogLog) 0.24 ms.
"""

import contextlib
import contextvars
import datetime
import time
from collections import defaultdict

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

VIEWERS = "viewers"


class Tally:
    """What one request adds: counter increments and viewers, per unit."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.viewers: list[tuple[str, str]] = []

    def add(self, unit: str, field: str, amount: int = 1) -> None:
        self.counts[unit][field] += int(amount)

    def viewer(self, unit: str, member: str) -> None:
        self.viewers.append((unit, member))

    def __bool__(self) -> bool:
        return bool(self.counts or self.viewers)

    def merge(self, other: "Tally") -> None:
        """Add ``other``'s increments and viewers to this one."""
        for unit, fields in other.counts.items():
            for field, amount in fields.items():
                self.counts[unit][field] += amount
        self.viewers.extend(other.viewers)


# The tallies of the batch open in this context, by day (see tally_batch).
_batch: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "analytics_batch", default=None
)


@contextlib.contextmanager
def tally_batch():
    """Hold every tally applied inside, merged by day, and apply each day's in
    one round trip at the end (nothing if it ends in an exception): for
    recording many sessions at once, as the demo's simulated audience does."""
    batch: dict[datetime.date, Tally] = {}
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    for day, tally in sorted(batch.items()):
        _apply(tally, day, many=True)


def _batched(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def unit_name(title_id: int, episode_id: int | None) -> str:
    return f"{title_id}.{episode_id or 0}"


def unit_ids(unit: str) -> tuple[int, int | None]:
    title, episode = unit.split(".")
    return int(title), int(episode) or None


def _cache():
    # The backend itself: ``django.core.cache.cache`` is a proxy to it.
    return caches["default"]


def _on_redis() -> bool:
    return isinstance(_cache(), RedisCache)


def _ttl() -> int:
    return settings.ANALYTICS_RAW_DAYS * 86400


def _redis():
    return _cache()._cache.get_client(write=True)


def tally_apply(tally: Tally, *, day: datetime.date) -> None:
    """Add a request's tally to the day's counters, in one round trip (or to
    the open batch's, see ``tally_batch``)."""
    if not tally:
        return
    batch = _batch.get()
    if batch is not None:
        batch.setdefault(day, Tally()).merge(tally)
        return
    _apply(tally, day)


def _apply(tally: Tally, day: datetime.date, *, many: bool = False) -> None:
    if _on_redis():
        _redis_apply(tally, day)
    else:
        _disk_apply(tally, day, many=many)


def day_read(day: datetime.date) -> dict[str, dict[str, int]]:
    """Every unit's counters for the day, the viewers under ``"viewers"``."""
    if _on_redis():
        return _redis_read(day)
    return _disk_read(day)


def day_units(day: datetime.date) -> list[str]:
    """The units counting on the day, without reading their counters."""
    if _on_redis():
        return sorted(u.decode() for u in _redis().smembers(_redis_key(day)))
    names = _disk_keys(_disk(), f"c/{day.isoformat()}/")
    return sorted({name.split("/", 1)[0] for name in names})


def store_clear() -> None:
    """Forget every counter (tests and benchmarks)."""
    if _on_redis():
        client = _redis()
        pattern = _cache().make_key("analytics:*")
        for keys in _batched(client.scan_iter(match=pattern, count=1000), 1000):
            client.delete(*keys)
    else:
        _disk().clear()


# --- Redis ------------------------------------------------------------------


def _redis_key(day: datetime.date, unit: str = "") -> str:
    return _cache().make_key(
        f"analytics:{day.isoformat()}" + (f":{unit}" if unit else "")
    )


def _redis_apply(tally: Tally, day: datetime.date) -> None:
    ttl = _ttl()
    pipe = _redis().pipeline(transaction=False)
    index = _redis_key(day)
    units = set(tally.counts) | {unit for unit, _ in tally.viewers}
    for unit, fields in tally.counts.items():
        key = _redis_key(day, unit)
        for field, amount in fields.items():
            pipe.hincrby(key, field, amount)
        pipe.expire(key, ttl)
    for unit, member in tally.viewers:
        key = _redis_key(day, unit) + ":v"
        pipe.pfadd(key, member)
        pipe.expire(key, ttl)
    pipe.sadd(index, *units)
    pipe.expire(index, ttl)
    pipe.execute()


def _redis_read(day: datetime.date) -> dict[str, dict[str, int]]:
    client = _redis()
    units = day_units(day)
    pipe = client.pipeline(transaction=False)
    for unit in units:
        pipe.hgetall(_redis_key(day, unit))
        pipe.pfcount(_redis_key(day, unit) + ":v")
    answers = pipe.execute()
    found = {}
    for unit, fields, viewers in zip(units, answers[::2], answers[1::2], strict=True):
        counts = {k.decode(): int(v) for k, v in fields.items()}
        counts[VIEWERS] = viewers
        found[unit] = counts
    return found


# --- diskcache (the embedded default) ---------------------------------------
#
# A key per counter, ``c/<day>/<unit>/<field>``, holding an integer (diskcache
# stores it in its SQLite row as is, no pickle), and a key per viewer,
# ``v/<day>/<unit>/<member>``. A heartbeat is then one or two ``incr`` (a
# SELECT and an UPDATE each) in one transaction. A hash per unit pickled
# into one row (a get and a set of a few hundred fields, and an index key)
# cost 2.5 times the CPU: 165-190 against 65 µs for a heartbeat's tally on a
# title with 200 counters (``bench/analytics.py`` on a busy machine: a
# heartbeat's CPU +9% with analytics on, +4-5% now; +16% on a quiet one). The
# rollup lists a day's counters by their keys, so no index key is written; it
# reads a key at a time, slower than a hash a unit (a million events: 7 s
# against 1.6 s).


def _disk():
    # Never evicted for space (only expired): counts lost to a full cache
    # would be figures silently wrong.
    return _cache().sub_cache("analytics", eviction_policy="none")


def _disk_apply(tally: Tally, day: datetime.date, *, many: bool = False) -> None:
    """Add the tally in one transaction. With ``many`` (a batch, mostly new
    counters) the day's counters are listed first and a new one is written
    with its expiry at once, not incremented then touched: the demo's four
    weeks take about a third less CPU (11-14 s against 18-20 s on a busy
    machine). A request's few counters mostly exist: for them the listing
    would cost more than it saves."""
    store, ttl, stamp = _disk(), _ttl(), day.isoformat()
    counts = {unit: dict(fields) for unit, fields in tally.counts.items()}
    # One SQLite transaction: atomic against every other process's.
    with store.transact(retry=True):
        known = set(_disk_keys(store, f"c/{stamp}/")) if many else None
        for unit, member in tally.viewers:
            if store.add(f"v/{stamp}/{unit}/{member}", 1, expire=ttl, retry=True):
                fields = counts.setdefault(unit, {})
                fields[VIEWERS] = fields.get(VIEWERS, 0) + 1
        for unit, fields in counts.items():
            for field, amount in fields.items():
                key = f"c/{stamp}/{unit}/{field}"
                if known is not None and f"{unit}/{field}" not in known:
                    store.set(key, amount, expire=ttl, retry=True)
                # incr() creates a missing counter without an expiry.
                elif store.incr(key, amount, retry=True) == amount:
                    store.touch(key, expire=ttl, retry=True)


def _disk_keys(store, prefix: str) -> list[str]:
    """The live keys starting with ``prefix``, without the prefix, in order.

    A range query on diskcache's own table, whose (key, raw) index answers it
    without reading any other key. diskcache 5.6.3 (pinned in
    requirements.txt) has no public way to list keys from a prefix: iterating
    the cache reads every key, the viewers' included, and ``iterkeys`` starts
    from the first key and re-sorts the rest for every hundred (a rollup of a
    million events took 27 s that way, 7 s with this query). So this reads
    its private ``_sql`` (the connection's ``execute``) and relies on its
    ``Cache`` table's ``key``, ``raw`` and ``expire_time``; the embedded
    rollup tests fail if an upgrade changes either. A text key is stored as
    it is, ``raw`` 1.
    """
    rows = store._sql(
        "SELECT key FROM Cache WHERE key >= ? AND key < ? AND raw = 1"
        " AND (expire_time IS NULL OR expire_time > ?) ORDER BY key",
        (prefix, prefix + "\U0010ffff", time.time()),
    ).fetchall()
    return [key[len(prefix) :] for (key,) in rows if key.startswith(prefix)]


def _disk_read(day: datetime.date) -> dict[str, dict[str, int]]:
    store, prefix = _disk(), f"c/{day.isoformat()}/"
    found: dict[str, dict[str, int]] = {}
    for name in _disk_keys(store, prefix):
        value = store.get(prefix + name)
        if value is not None:  # expired since it was listed
            unit, field = name.split("/", 1)
            found.setdefault(unit, {})[field] = value
    for counts in found.values():
        counts.setdefault(VIEWERS, 0)
    return dict(sorted(found.items()))
