"""The cluster test's checks: what the edges must refuse, and what the figures
of the run under load must show. Each returns the problems it found.
"""

import datetime
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from cluster import log
from load import Figures
from release import token
from scenario import KILL_CDN_AT, LOAD_SECONDS, LOAD_THREADS, MAX_FAILURE_RATE


def edge_refusals(lb: str, cdn: dict[str, str]) -> list[str]:
    """What the edges must refuse a session of a plan up to 240 lines (rung 0
    is 360p, rung 1 240p): rung 0 and the stored manifests, with any of its
    signatures; and its own files, once it has ended and its grant expired."""
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {token(lb, 'low@cluster.test')}"
    title = client.get(f"{lb}/api/v1/titles/", timeout=10).json()["results"][0]
    started = client.post(
        f"{lb}/api/v1/playback/sessions/", json={"title_id": title["id"]}, timeout=10
    )
    assert started.status_code == 201, started.text
    session = started.json()
    problems = []

    def status(url: str) -> int:
        return requests.get(url, timeout=10).status_code

    queries = session["grant"]["queries"]
    path = urlsplit(next(q["resource"] for q in queries if "/seg-1-" in q["resource"]))
    folder = path.path.rsplit("/", 1)[0]

    def signed(base: str, name: str) -> list[str]:
        """``name`` on the edge at ``base`` with each of the session's queries."""
        return [
            f"{base}{folder}/{name}?{entry['query']}"
            for entry in queries
            if entry["resource"].startswith(base + "/")
        ]

    allowed = {}
    for name, base in cdn.items():
        own = [
            f"{base}{folder}/seg-1-00001.m4s?{entry['query']}"
            for entry in queries
            if entry["resource"] == f"{base}{folder}/seg-1-?????.m4s"
        ]
        if len(own) != 1 or status(own[0]) != 200:
            problems.append(f"{name} did not serve the session's own 240p segment")
            continue
        allowed[name] = own[0]
        if status(f"{base}{folder}/seg-1-00001.m4s") != 403:
            problems.append(f"{name} served a segment without a signature")
        for denied in ("seg-0-00001.m4s", "init-0.m4s", "master.m3u8", "manifest.mpd"):
            let_through = [u for u in signed(base, denied) if status(u) != 403]
            if let_through:
                problems.append(f"{name} did not refuse {denied}: {let_through[0]}")
    ended = client.post(session["end_url"], json={}, timeout=10)
    beat = client.post(session["heartbeat_url"], json={"position": 1}, timeout=10)
    if ended.status_code != 204 or beat.status_code != 410:
        problems.append(f"end {ended.status_code}, then heartbeat {beat.status_code}")
    expires = datetime.datetime.fromisoformat(session["grant"]["expires_at"])
    wait = expires.timestamp() - time.time() + 1
    log(f"edges refuse the low plan's rung 0 and manifests; waiting {wait:.0f}s")
    time.sleep(max(0.0, wait))
    for name, url in allowed.items():
        if status(url) != 403:
            problems.append(f"{name} served an ended session's expired URL")
    log(f"edge checks: {len(problems)} problems")
    return problems


def replica_marked_down_after(logfile: Path, address: str, killed_at: float) -> str:
    """From the kill to the last try of the dead replica before nginx took it out
    (max_fails failures in a row; it is tried again after fail_timeout)."""
    tries = []
    for line in logfile.read_text().splitlines():
        match = re.search(r"msec=([\d.]+)", line)
        if match and address in line and float(match.group(1)) >= killed_at:
            tries.append(float(match.group(1)))
    if not tries:
        return "at once (no request tried it)"
    within = [t for t in tries if t - tries[0] < 5]
    return f"{within[-1] - killed_at:.2f}s ({len(tries)} tries of it in all)"


def progress_mismatches(primary_url: str, title_id: int, acked: dict) -> list[str]:
    """Each profile's stored position is its last acknowledged one (read on the
    primary, where writes land)."""
    mismatches = []
    with psycopg.connect(primary_url) as connection:
        for profile_id, expected in acked.items():
            row = connection.execute(
                "SELECT position_seconds FROM playback_watchprogress "
                "WHERE profile_id = %s AND title_id = %s",
                [profile_id, title_id],
            ).fetchone()
            stored = row[0] if row else None
            if stored is None or abs(stored - expected) > 1e-6:
                mismatches.append(
                    f"profile {profile_id}: stored {stored}, last acked {expected}"
                )
    return mismatches


def request_problems(figures: Figures) -> list[str]:
    """Whether the load ran and under 0.5% of its requests failed."""
    problems = []
    total = len(figures.latencies)
    failed = len(figures.failures)
    latencies = sorted(figures.latencies)
    p99 = latencies[int(0.99 * (total - 1))] if total else float("nan")
    rate = failed / total if total else 1.0
    log(f"requests {total}, failed {failed} ({rate:.3%}), p99 {p99 * 1000:.0f} ms")
    for failure in figures.failures[:10]:
        log(f"  failed: {failure}")
    if total < 200:
        problems.append(f"only {total} requests: the load did not run")
    if rate >= MAX_FAILURE_RATE:
        problems.append(f"{rate:.3%} of requests failed (limit {MAX_FAILURE_RATE:.1%})")
    return problems


def report_replica_takedown(
    name: str, logfile: Path, address: str, killed_at: float
) -> None:
    """Log how soon the load balancer stopped trying the killed replica."""
    down_after = replica_marked_down_after(logfile, address, killed_at)
    log(f"{name} taken out by the load balancer {down_after} after the kill")


def failover_problems(
    segments: list, cdn: dict[str, str], victim: str, survivor: str, killed_at: float
) -> list[str]:
    """Whether every segment after the cache's kill came from the other one."""
    problems = []
    other = urlsplit(cdn[survivor]).netloc
    after = [
        (when, host, status) for when, host, status in segments if when > killed_at
    ]
    served = [(when, host) for when, host, status in after if status == 200]
    first_other = next((when for when, host in served if host == other), None)
    if first_other is None:
        problems.append(f"no segment came from {survivor} after {victim} was killed")
    else:
        log(
            f"CDN failover: first segment from {survivor} "
            f"{first_other - killed_at:.1f}s after {victim} was killed"
        )
    wrong = [host for _, host in served if host != other]
    if wrong:
        problems.append(f"segments still served from {set(wrong)} after its kill")
    return problems


def playback_problems(play_at_kill: float, play_at_end: list) -> list[str]:
    """Whether the viewer kept playing through the kills."""
    log(
        f"viewer: currentTime {play_at_kill:.1f}s at the kill, {play_at_end[0]:.1f}s "
        f"at the end (paused: {play_at_end[1]})"
    )
    if play_at_end[0] < play_at_kill + LOAD_SECONDS - KILL_CDN_AT - 8:
        return ["the viewer's playback did not keep advancing"]
    return []


def progress_problems(primary_url: str, title_id: int, acked: dict) -> list[str]:
    """Whether every load thread's last acknowledged heartbeat is stored."""
    lost = progress_mismatches(primary_url, title_id, acked)
    log(f"progress: {len(acked)} profiles, {len(lost)} mismatches")
    problems = []
    if len(acked) != LOAD_THREADS:
        problems.append(f"only {len(acked)} of {LOAD_THREADS} load threads acked")
    return problems + lost
