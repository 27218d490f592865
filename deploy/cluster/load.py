"""The cluster test's load: viewers' catalog and playback calls through the
load balancer, each request's outcome and each profile's last acknowledged position.
"""

# Jitter between calls, not cryptography.
# ruff: noqa: S311

import random
import threading
import time
from dataclasses import dataclass, field

import requests
from release import token
from scenario import LOAD_THREADS


@dataclass
class Figures:
    """Every request's latency, and the ones that failed."""

    latencies: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, started: float, ok: bool, detail: str = ""):
        """One request's outcome, ``started`` by the monotonic clock."""
        with self.lock:
            self.latencies.append(time.monotonic() - started)
            if not ok:
                self.failures.append((round(time.monotonic(), 2), what, detail))


def position(step: int) -> float:
    """The playback position a load thread reports at its ``step``-th heartbeat."""
    # Positions that never repeat within a run (731 and 4400 are coprime), so a
    # stale stored value cannot pass for the last acknowledged one; all of them
    # well before the end, where a title would count as watched.
    return round(0.5 + (step * 7.31) % 44, 3)


def viewer_load(base, access, title_id, stop, figures, acked, profile_id):
    """One viewer: start, master, catalog and heartbeats until ``stop``, then
    heartbeats until one is acknowledged."""
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {access}"

    def call(what, method, url, expect, **kwargs):
        started = time.monotonic()
        try:
            response = client.request(method, url, timeout=10, **kwargs)
        except requests.RequestException as error:
            figures.record(what, started, False, repr(error)[:200])
            return None
        ok = response.status_code == expect
        figures.record(what, started, ok, f"{response.status_code}")
        return response if ok else None

    session = None
    step = 0
    while not stop.is_set():
        if session is None:
            started = call(
                "start",
                "POST",
                f"{base}/api/v1/playback/sessions/",
                201,
                json={"title_id": title_id, "device_id": f"load-{profile_id}"},
            )
            if started is None:
                time.sleep(0.2)
                continue
            session = started.json()
            call("master", "GET", session["hls_url"], 200)
        call("catalog list", "GET", f"{base}/api/v1/titles/", 200)
        call("catalog detail", "GET", f"{base}/api/v1/titles/{title_id}/", 200)
        step += 1
        beat = call(
            "heartbeat",
            "POST",
            session["heartbeat_url"],
            200,
            json={"position": position(step)},
        )
        if beat is not None:
            acked[profile_id] = position(step)
        time.sleep(random.uniform(0.05, 0.15))
    # The last word must be acknowledged: an unanswered heartbeat may or may not
    # have been stored, so only an answered one can be compared.
    for _attempt in range(20):
        step += 1
        if call(
            "heartbeat",
            "POST",
            session["heartbeat_url"],
            200,
            json={"position": position(step)},
        ):
            acked[profile_id] = position(step)
            return
        time.sleep(0.5)


@dataclass
class Load:
    """The load threads and what they share: their figures, a stop signal, and
    each profile's last acknowledged position."""

    figures: Figures = field(default_factory=Figures)
    acked: dict[int, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    started: float = 0.0

    def end(self) -> None:
        """Signal the threads to stop and wait for their last heartbeats."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def load_start(lb: str, made: dict) -> Load:
    """One load thread per viewer account, signed in, all started at once."""
    load = Load()
    load.threads = [
        threading.Thread(
            target=viewer_load,
            args=(
                lb,
                token(lb, f"viewer{n}@cluster.test"),
                made["title"],
                load.stop,
                load.figures,
                load.acked,
                made["profiles"][n],
            ),
        )
        for n in range(LOAD_THREADS)
    ]
    load.started = time.monotonic()
    for thread in load.threads:
        thread.start()
    return load
