"""The window counter behind the API's throttles: never more requests than the
rate, and on diskcache a write for a block of requests rather than each."""

import pytest
from django.core.cache import cache

from vod.api import throttling


def passed(requests: int, limit: int, key: str = "throttle:test:1") -> int:
    """How many of ``requests`` counted against ``limit`` are within it."""
    counts = [
        throttling.count_and_get(key, ttl=61, limit=limit)[0] for _ in range(requests)
    ]
    return sum(count <= limit for count in counts)


@pytest.mark.parametrize("limit", [1, 3, 7, 100, 600])
def test_exactly_the_rate_passes_in_a_window(limit):
    assert passed(limit + 40, limit) == limit
    # Another client has its own count.
    assert passed(5, limit, key="throttle:test:2") == min(5, limit)


def test_processes_sharing_a_counter_never_pass_more_than_the_rate(monkeypatch):
    # Three processes, each with its own blocks, taking requests in turns.
    processes = [{}, {}, {}]
    counts = []
    for n in range(300):
        monkeypatch.setattr(throttling, "_leases", processes[n % 3])
        counts.append(throttling.count_and_get("throttle:test:1", ttl=61, limit=200)[0])

    within = sum(count <= 200 for count in counts)
    # At most a block each of the other two holds unused is refused early.
    assert 200 - 2 * throttling.LEASE_MOST < within <= 200


def test_a_block_of_requests_costs_one_write(monkeypatch):
    writes = []

    def counting(original):
        def counted(key, *args, **kwargs):
            writes.append(key)
            return original(key, *args, **kwargs)

        return counted

    for name in ("incr", "add"):
        monkeypatch.setattr(cache, name, counting(getattr(cache, name)))

    assert passed(600, 600) == 600

    if throttling._redis_client() is not None:
        assert writes == []  # Redis: one pipelined round trip a request instead
    else:
        # Blocks of up to 16 slots, an eighth of what is left of the rate.
        assert 40 <= len(writes) <= 80, len(writes)


def test_blocks_of_ended_windows_are_dropped(monkeypatch):
    clock = {"now": 1000.0}
    monkeypatch.setattr("vod.api.throttling.time.time", lambda: clock["now"])
    monkeypatch.setattr(throttling, "_leases", {})
    monkeypatch.setattr(throttling, "_prune_at", [3])
    for n in range(3):
        throttling.count_and_get(f"throttle:test:{n}", ttl=61, limit=600)

    clock["now"] += 62
    throttling.count_and_get("throttle:test:next", ttl=61, limit=600)

    if throttling._redis_client() is None:
        assert list(throttling._leases) == [("throttle:test:next", 600)]
    else:
        assert throttling._leases == {}  # Redis takes no blocks
