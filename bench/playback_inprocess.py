"""Playback's CPU cost in one process: start, master and heartbeat through
Django's test client, in CPU milliseconds a request.

    .venv/bin/python bench/playback_inprocess.py [--database sqlite|postgres|both]
        [--ops 100] [--rounds 9] [--users 64] [--profile] [--code DIR ...]

Seeded as ``bench/playback.py`` seeds (its SETUP, with a 4 s source: a
published premium movie through the real pipeline, a plan without a stream
limit, ``--users`` accounts with one profile and one access token each), on a
fresh database: a temporary SQLite file with diskcache, or a temporary
PostgreSQL database with the cache in Redis (``--redis-url``, under a prefix of
this run). Production settings (``DJANGO_DEBUG=0``): no query is logged while
measuring.

An operation, for the next account: ``POST /api/v1/playback/sessions/`` (Bearer
token and ``X-Profile-ID``; the account's one device id, so each start replaces
its previous session, as in ``bench/playback.py``), ``GET`` its master
playlist, ``POST`` a heartbeat. Each request is timed with
``time.process_time``: the CPU this process spent, which a busy machine changes
far less than rates and latencies. The median wall time of each request is
shown below: a round trip to the database costs little CPU but a wait, on a
busy machine one for the database's process to get a core. On PostgreSQL the
server's own CPU for the operation (its backend process's, read from ``/proc``;
the clock ticks make it coarse, so per operation, not per request) is shown
beside it as ``db server``. After a warm-up, ``--rounds`` rounds of ``--ops``
operations; the best round and the median are shown, with the queries of one
more operation.

``--code DIR`` (repeatable) measures other checkouts of the project (e.g. an
older commit exported with ``git archive``) with this Python environment: one
process each on the same database (each with its own cache), their rounds
alternating, so all see the same load; the best round is compared with the
first checkout's. ``--profile`` adds cProfile over one more round (wall time;
``BENCH_PROFILE_FILTER`` restricts its cumulative list to matching functions,
``BENCH_PROFILE_CALLEES`` lists the callees of matching ones). The temporary
directory, database and cache keys are removed even on failure.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
START = "/api/v1/playback/sessions/"
DROP = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
KINDS = ("start", "master", "heartbeat")


def _postgres(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _redis_forget(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)


def _run(cmd: list[str], env: dict, cwd: Path) -> str:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, text=True, capture_output=True, timeout=900
    )
    if done.returncode:
        sys.exit(f"failed: {' '.join(cmd)[:200]}\n{done.stderr[-3000:]}")
    return done.stdout


def _environment(database: str, tmp: Path, args, names: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env |= {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-" + os.urandom(16).hex()}
    env |= {"DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_SECURE_SSL_REDIRECT": "0"}
    (tmp / "static").mkdir()
    env |= {"DJANGO_STATIC_ROOT": str(tmp / "static")}
    env |= {"DJANGO_MEDIA_ROOT": str(tmp / "media"), "VOD_VAR_DIR": str(tmp / "var")}
    env |= {"TRANSCODE_SCRATCH_DIR": str(tmp), "TRANSCODE_X264_PRESET": "ultrafast"}
    env |= {"TRANSCODE_LADDER": "360:800,240:400", "JWT_ACCESS_MINUTES": "120"}
    env |= {"BENCH_USERS": str(args.users), "BENCH_PASSWORD": os.urandom(8).hex()}
    # Counted (their cost is measured) but never refusing.
    env |= {"API_PLAYBACK_START_THROTTLE_RATE": "1000000/min"}
    env |= {"API_HEARTBEAT_THROTTLE_RATE": "1000000/s"}
    if database == "postgres":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{names['db']}"
        env |= {"REDIS_URL": args.redis_url, "CACHE_KEY_PREFIX": names["prefix"]}
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'var' / 'db.sqlite3'}"
    return env


def _seed(env: dict, code: Path) -> Path:
    """Migrate and seed as bench/playback.py does; the file of its JSON answer."""
    sys.path.insert(0, str(HERE))
    from playback import SETUP  # bench/playback.py

    setup = SETUP.replace("duration=8", "duration=4").replace("d=8", "d=4")
    manage = [sys.executable, "manage.py"]
    _run([*manage, "migrate", "--noinput"], env, code)
    made = _run([*manage, "shell", "-c", setup], env, code).splitlines()[-1]
    path = Path(env["VOD_VAR_DIR"]) / "bench-setup.json"
    path.write_text(made)
    return path


def measure_database(database: str, args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="vod-bench-inprocess-"))
    names = {"db": "vod_bench_pbi_" + os.urandom(3).hex()}
    names["prefix"] = "vod-bench-pbi-" + os.urandom(4).hex()
    children: list[subprocess.Popen] = []
    try:
        if database == "postgres":
            _postgres(f"CREATE DATABASE {names['db']}")
        env = _environment(database, tmp, args, names)
        env["BENCH_SETUP"] = str(_seed(env, args.code[0]))
        for index, code in enumerate(args.code):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child"]
            cmd += ["--ops", str(args.ops)]
            # One database; a cache each, as checkouts may pickle other classes.
            own = {"PYTHONPATH": str(code), "VOD_VAR_DIR": str(tmp / f"var-{index}")}
            own["CACHE_KEY_PREFIX"] = f"{names['prefix']}-{index}"
            children.append(
                subprocess.Popen(
                    cmd,
                    cwd=code,
                    env=env | own,
                    text=True,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
            )
        for child_ in children:
            _ask(child_, "ready")
        rounds = {code: [] for code in args.code}
        for _ in range(args.rounds):  # alternately: each under the same load
            for code, child_ in zip(args.code, children, strict=True):
                rounds[code].append(json.loads(_ask(child_, "round")))
        captured = {
            code: json.loads(_ask(child_, "capture"))
            for code, child_ in zip(args.code, children, strict=True)
        }
        _report(database, args, rounds, captured)
        if args.profile:
            for code, child_ in zip(args.code, children, strict=True):
                print(f"\ncProfile, {code}, {args.ops} operations:")
                print(_ask(child_, "profile"))
    finally:
        for child_ in children:
            if child_.poll() is None:
                child_.kill()
            child_.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        if database == "postgres":
            _postgres(f"DROP DATABASE IF EXISTS {names['db']} WITH (FORCE)")
            _redis_forget(args.redis_url, names["prefix"])


def _ask(child_: subprocess.Popen, command: str) -> str:
    """Send a command to a measuring process; its answer (lines up to END)."""
    child_.stdin.write(command + "\n")
    child_.stdin.flush()
    lines = []
    for line in child_.stdout:
        if line.rstrip("\n") == "END":
            return "".join(lines)
        lines.append(line)
    sys.exit(f"the measuring process ended ({child_.wait()}) on {command!r}")


def _report(database: str, args, rounds: dict, captured: dict) -> None:
    print(
        f"\n{database}: CPU ms a request, best (median) of {args.rounds} rounds of "
        f"{args.ops} operations, rounds alternating between checkouts"
    )
    first = args.code[0]
    for code in args.code:
        print(f"  {code}")
        server = ["db server"] if "db server" in rounds[code][0] else []
        for kind in [*KINDS, "start+master", *server]:
            parts = ("start", "master") if kind == "start+master" else (kind,)
            values = sorted(sum(r[p] for p in parts) for r in rounds[code])
            low, mid = values[0], values[len(values) // 2]
            line = f"    {kind:<13}{low:6.2f} ({mid:5.2f})"
            if code != first:
                base = min(sum(r[p] for p in parts) for r in rounds[first])
                line += f" {100 * (low - base) / base:+5.0f}%"
            if kind in KINDS:
                sqls = captured[code][kind]
                words = ", ".join(sql.split()[0] for sql in sqls)
                line += f"  {len(sqls)} queries: {words}"
            print(line)
        walls = ", ".join(
            f"{kind} {statistics.median(r[f'{kind} wall'] for r in rounds[code]):.2f}"
            for kind in KINDS
        )
        print(f"    wall ms (median; round trips wait here): {walls}")


# --- In the measuring process -------------------------------------------------


def child(args) -> None:
    import cProfile
    import io
    import pstats
    import time
    from urllib.parse import urlsplit

    import django

    # This script's folder holds bench/playback.py, not the playback app.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vod.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    made = json.loads(Path(os.environ["BENCH_SETUP"]).read_text())
    viewers = [
        {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_PROFILE_ID": str(profile)}
        for _email, token, profile in made["viewers"]
    ]
    title = made["title"]
    client = Client()
    step = {"n": 0}

    def operation(times: dict | None, capture: dict | None = None) -> None:
        n = step["n"] = step["n"] + 1
        headers = viewers[n % len(viewers)]
        body = json.dumps({"title_id": title, "device_id": f"bench-{n % len(viewers)}"})
        requests = {
            "start": lambda: client.post(
                START, body, content_type="application/json", **headers
            ),
        }
        answers = {}
        for kind in KINDS:
            if kind == "master":
                path = urlsplit(answers["start"].json()["hls_url"]).path
                requests[kind] = lambda path=path: client.get(path)
            elif kind == "heartbeat":
                path = urlsplit(answers["start"].json()["heartbeat_url"]).path
                requests[kind] = lambda path=path: client.post(
                    path, '{"position": 1.5}', "application/json", **headers
                )
            if capture is not None:
                with CaptureQueriesContext(connection) as queries:
                    answers[kind] = requests[kind]()
                capture[kind] = [q["sql"] for q in queries.captured_queries]
            else:
                began, wall = time.process_time(), time.perf_counter()
                answers[kind] = requests[kind]()
                if times is not None:
                    times[kind] += time.process_time() - began
                    times[f"{kind} wall"] += time.perf_counter() - wall
            expected = 201 if kind == "start" else 200
            if answers[kind].status_code != expected:
                sys.exit(f"{kind}: {answers[kind].status_code} {answers[kind].content}")

    def backend_cpu() -> float | None:
        """CPU seconds of this connection's PostgreSQL backend (same host)."""
        if connection.vendor != "postgresql":
            return None
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def round_() -> dict:
        times = dict.fromkeys([*KINDS, *(f"{kind} wall" for kind in KINDS)], 0.0)
        server = backend_cpu()
        for _ in range(args.ops):
            operation(times)
        got = {kind: seconds * 1000 / args.ops for kind, seconds in times.items()}
        if server is not None:
            got["db server"] = (backend_cpu() - server) * 1000 / args.ops
        return got

    def answer(text: str) -> None:
        sys.stdout.write(text.rstrip("\n") + "\nEND\n")
        sys.stdout.flush()

    for command in sys.stdin:
        command = command.strip()
        if command == "ready":
            for _ in range(max(len(viewers), 50)):  # each account has a session
                operation(None)
            answer("")
        elif command == "round":
            answer(json.dumps(round_()))
        elif command == "capture":
            captured: dict = {}
            operation(None, captured)
            if os.environ.get("BENCH_SHOW_SQL"):  # every query, on stderr
                for kind in KINDS:
                    print(kind, *captured[kind], sep="\n  ", file=sys.stderr)
            answer(json.dumps(captured))
        elif command == "profile":
            profiler = cProfile.Profile()
            profiler.enable()
            round_()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(
                os.environ.get("BENCH_PROFILE_FILTER", ""), 60
            )
            if callees := os.environ.get("BENCH_PROFILE_CALLEES"):
                stats.print_callees(callees)
            answer(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--database", choices=["sqlite", "postgres", "both"], default="both")
    add("--ops", type=int, default=100, help="operations a round")
    add("--rounds", type=int, default=9, help="measured rounds")
    add("--users", type=int, default=64, help="accounts")
    add("--profile", action="store_true", help="cProfile one more round")
    add(
        "--code",
        type=Path,
        action="append",
        help="a checkout to measure (repeat to compare; default this one)",
    )
    add("--redis-url", default="redis://127.0.0.1:6379/14")
    add("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    args.code = [code.resolve() for code in args.code or [ROOT]]
    both = args.database == "both"
    for database in ["sqlite", "postgres"] if both else [args.database]:
        measure_database(database, args)
    load = os.getloadavg()[0]
    print(f"\nload average {load:.1f} (CPU time per operation is what to compare)")


if __name__ == "__main__":
    main()
