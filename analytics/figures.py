"""Arithmetic over a period's summed counters: no queries here.

``Counts`` are the ``TitleDay`` columns and ``counters`` of several rows added
together. From them: the audience (retention, seeks, drops) and the quality of
experience, in total and broken down by plan, device type and CDN pathway.
"""

from collections import Counter

from .services import STARTUP_EDGES

DIMENSIONS = ("plan", "device", "pathway")
COLUMNS = (
    "plays", "viewers", "watch_ms", "startups", "startup_ms", "stalls",
    "stall_ms", "errors", "exits_before_start", "seeks",
)  # fmt: skip


def counts_add(total: Counter, row: dict) -> None:
    """Add one row's columns and counters (``row["counters"]``) to ``total``."""
    for name in COLUMNS:
        total[name] += row.get(name) or 0
    for name, value in (row.get("counters") or {}).items():
        total[name] += value


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def startup_percentile(counts: Counter, q: float, suffix: str = "") -> float | None:
    """Seconds below which ``q`` of startups fell, from the histogram.

    As Prometheus' ``histogram_quantile``: linear within the bucket holding the
    rank (the first bucket starts at 0); the open bucket above the highest
    edge answers that edge. None without startups.
    """
    buckets = [(edge, counts[f"startup:{edge}{suffix}"]) for edge in STARTUP_EDGES]
    over = counts[f"startup:inf{suffix}"]
    total = sum(n for _, n in buckets) + over
    if not total:
        return None
    rank, seen, lower = q * total, 0, 0.0
    for edge, count in buckets:
        if count and seen + count >= rank:
            return round(lower + (edge - lower) * (rank - seen) / count, 3)
        seen += count
        lower = float(edge)
    return float(STARTUP_EDGES[-1])


def startup_histogram(counts: Counter, suffix: str = "") -> list[dict]:
    """Startups by time bucket, from the fastest to the open one above all."""
    rows, lower = [], 0
    for edge in STARTUP_EDGES:
        rows.append(
            {
                "bucket": f"{lower}–{edge} s",
                "startups": counts[f"startup:{edge}{suffix}"],
            }
        )
        lower = edge
    rows.append(
        {"bucket": f"over {lower} s", "startups": counts[f"startup:inf{suffix}"]}
    )
    return rows


def _rungs(counts: Counter, suffix: str) -> dict[int, int]:
    """Playing time by rendition height under ``suffix`` (``rung_ms:720`` for
    the total, ``rung_ms:720|plan:free`` for a breakdown)."""
    rungs = {}
    for name, value in counts.items():
        if not name.startswith("rung_ms:"):
            continue
        height, _, dims = name[len("rung_ms:") :].partition("|")
        if ("|" + dims if dims else "") == suffix:
            rungs[int(height)] = value
    return rungs


def qoe(counts: Counter, suffix: str = "", plays: int | None = None) -> dict:
    """Quality of experience from the counters under ``suffix`` (``""`` for the
    total, ``"|pathway:b"`` for one breakdown)."""
    playing_ms = counts["rendition_ms" + suffix] or (
        counts["watch_ms"] if not suffix else 0
    )
    stall_ms = counts["stall_ms" + suffix]
    errors = counts["errors" + suffix]
    exits = counts["exits_before_start" + suffix]
    rungs = sorted(_rungs(counts, suffix).items(), reverse=True)
    return {
        "plays": plays,
        "startups": counts["startups" + suffix],
        "startup_p50_s": startup_percentile(counts, 0.5, suffix),
        "startup_p95_s": startup_percentile(counts, 0.95, suffix),
        "rebuffering_ratio": ratio(stall_ms, playing_ms + stall_ms),
        "stalls": counts["stalls" + suffix],
        "errors": errors,
        "error_rate": ratio(errors, plays) if plays is not None else None,
        "exits_before_start": exits,
        "exit_rate": ratio(exits, plays) if plays is not None else None,
        "average_kbps": ratio(counts["kbit" + suffix] * 1000, playing_ms),
        "rung_mix": [
            {"height": height, "share": ratio(ms, counts["rendition_ms" + suffix])}
            for height, ms in rungs
        ],
        "switches_up": counts["switch:up" + suffix],
        "switches_down": counts["switch:down" + suffix],
    }


def breakdowns(counts: Counter) -> dict[str, list[dict]]:
    """QoE by plan, device type and CDN pathway (plays where counted: by plan
    and device type, not by pathway, which only the player reports)."""
    values: dict[str, set[str]] = {dim: set() for dim in DIMENSIONS}
    for name in counts:
        if "|" in name:
            dim, _, value = name.split("|", 1)[1].partition(":")
            if dim in values:
                values[dim].add(value)
    result = {}
    for dim in DIMENSIONS:
        rows = []
        for value in sorted(values[dim]):
            suffix = f"|{dim}:{value}"
            plays = counts[f"plays{suffix}"] if dim != "pathway" else None
            rows.append({"value": value, **qoe(counts, suffix, plays)})
        result[dim] = rows
    return result


def audience(counts: Counter, buckets: int, completed: int) -> dict:
    """Retention (share of plays that reached each point), where plays stopped
    and where seeks landed, each over ``buckets`` equal parts of the video;
    completion is the share that reached bucket ``completed``."""
    plays = counts["plays"]
    reach = [counts[f"reach:{b}"] for b in range(buckets)]
    stopped = [max(0, reach[b] - (reach[b + 1] if b + 1 < buckets else 0))
               for b in range(buckets)]  # fmt: skip
    return {
        "completion_rate": ratio(reach[completed], plays) if buckets else None,
        "retention": [ratio(n, plays) or 0.0 for n in reach],
        "stopped": [ratio(n, plays) or 0.0 for n in stopped],
        "seek_to": [counts[f"seek_to:{b}"] for b in range(buckets)],
        "seek_from": [counts[f"seek_from:{b}"] for b in range(buckets)],
    }
