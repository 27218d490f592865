"""Analytics' cost: CPU per heartbeat with it on and off, and a rollup's time.

    .venv/bin/python bench/analytics.py [--heartbeats 2000] [--warmup 200]
        [--titles 1000] [--events 1000000] [--redis-url redis://...]

One process on a fresh temporary SQLite database and diskcache (or, with
``--redis-url``, the cache in Redis under a prefix of this run). Sessions of
a 10-minute movie are seeded through the tests' factories.

Heartbeat: ``POST`` to the heartbeat API through Django's test client (as
``bench/playback_inprocess.py`` does; signed in with the session cookie, the
profile in ``X-Profile-ID``), each position a second further on, each timed
with ``time.process_time`` (this process's CPU, which a busy machine changes
far less than wall time). The session's revision has no files, so the answer
carries no grant: with one, signing adds to the base and the share analytics
adds is smaller. Heartbeats take turns with ``ANALYTICS_ENABLED`` off and on,
so load from other work weighs on both alike (rounds of each, compared by
their best, moved by several percent on a busy machine); the medians are
compared, after ``--warmup`` heartbeats of each.

Rollup: ``--events`` events (plays, heartbeats, player events) over
``--titles`` titles, counted into today's counters in one tally per title (the
counters, not the events, are what the rollup reads), then
``analytics_days_rollup`` for the day, timed by the wall clock.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(args, tmp: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ |= {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": os.urandom(16).hex()}
    os.environ |= {"VOD_VAR_DIR": str(tmp), "DJANGO_ALLOWED_HOSTS": "testserver"}
    os.environ |= {"DJANGO_SECURE_SSL_REDIRECT": "0"}
    # Counted (their cost is measured) but never refusing.
    os.environ |= {"API_HEARTBEAT_THROTTLE_RATE": "1000000/s"}
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'db.sqlite3'}"
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
        os.environ["CACHE_KEY_PREFIX"] = "vod-bench-an-" + os.urandom(4).hex()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vod.settings")
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def heartbeats(args) -> None:
    from django.conf import settings
    from django.test import Client

    from tests.catalog.factories import TitleFactory, VideoFactory
    from tests.playback.factories import (
        PlaybackSessionFactory,
        ProfileFactory,
        UserFactory,
        plan,
    )

    title = TitleFactory(video=VideoFactory(duration_seconds=600))
    players = []  # (client, headers, heartbeat path)
    for _ in range(20):
        profile = ProfileFactory(user=UserFactory(plan=plan("free")))
        session = PlaybackSessionFactory(
            profile=profile, title=title, video=title.video
        )
        client = Client()
        client.force_login(profile.user)
        path = f"/api/v1/playback/sessions/{session.pk}/heartbeat/"
        players.append((client, {"HTTP_X_PROFILE_ID": str(profile.pk)}, path))
    positions = [0.0] * len(players)
    times = {False: [], True: []}

    def heartbeat(n: int, enabled: bool) -> None:
        settings.ANALYTICS_ENABLED = enabled
        i = (2 * n + enabled) % len(players)
        client, headers, path = players[i]
        positions[i] = (positions[i] + 1.0) % 590
        body = json.dumps({"position": positions[i]})
        began = time.process_time()
        answer = client.post(path, body, "application/json", **headers)
        times[enabled].append(time.process_time() - began)
        if answer.status_code != 200:
            sys.exit(f"heartbeat: {answer.status_code} {answer.content[:300]}")

    for n in range(args.warmup + args.heartbeats):
        # Off and on in turns, each first half the time: what else runs on
        # the machine weighs on both alike.
        for enabled in (True, False) if n % 2 else (False, True):
            heartbeat(n, enabled)
    off, on = (
        statistics.median(times[enabled][args.warmup :]) * 1000
        for enabled in (False, True)
    )
    print(f"heartbeat CPU, median of {args.heartbeats} each, off and on in turns:")
    print(f"  analytics off {off:.3f} ms, on {on:.3f} ms: {100 * (on / off - 1):+.1f}%")
    print(f"  within the 10% budget: {'yes' if on <= off * 1.1 else 'NO'}")


def rollup(args) -> None:
    from django.utils import timezone

    from analytics.rollup import analytics_days_rollup
    from analytics.services import STARTUP_EDGES
    from analytics.store import Tally, store_clear, tally_apply, unit_name
    from tests.catalog.factories import TitleFactory

    store_clear()
    day = timezone.now().astimezone(datetime.UTC).date()
    per_title = args.events // args.titles
    began = time.monotonic()
    for n in range(args.titles):
        title = TitleFactory()
        unit, tally = unit_name(title.pk, None), Tally()
        # A tenth plays, a tenth player events, the rest heartbeats.
        tally.add(unit, "plays", per_title // 10)
        for dim in ("plan:free", "plan:premium", "device:browser", "device:tv"):
            tally.add(unit, f"plays|{dim}", per_title // 40)
        tally.add(unit, "watch_ms", per_title * 8000)
        for bucket in range(100):
            tally.add(unit, f"reach:{bucket}", per_title // 10 - bucket)
        for edge in (*STARTUP_EDGES, "inf"):
            for dim in ("", "|plan:free", "|device:tv", "|pathway:default"):
                tally.add(unit, f"startup:{edge}{dim}", 3)
        for viewer in range(20):
            tally.viewer(unit, str(n * 1000 + viewer))
        tally_apply(tally, day=day)
    counted = time.monotonic() - began
    began = time.monotonic()
    written = analytics_days_rollup(days=[day])
    took = time.monotonic() - began
    print(f"rollup of {per_title * args.titles:,} events over {args.titles} titles:")
    print(f"  {written} rows in {took:.1f} s (counters seeded in {counted:.1f} s)")
    print(f"  under a minute: {'yes' if took < 60 else 'NO'}")
    store_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--heartbeats", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--titles", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vod-bench-analytics-"))
    try:
        setup(args, tmp)
        heartbeats(args)
        rollup(args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
