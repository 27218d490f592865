"""Playback start: a session start plus its master playlist, against /healthz.

    .venv/bin/python bench/playback.py [--database sqlite|postgres|both]
        [--duration 10] [--repeat 3] [--users 64] [--workers 4] [--threads 2]

Per database (default both): a fresh one (a temporary SQLite file with
diskcache, the embedded default; or ``vod_bench_pb`` on PostgreSQL with the cache in
Redis db 14 under a prefix of this run), migrated; an 8 s 640x360 lavfi source
through the real pipeline (2 rungs, x264 ultrafast) as a published premium
movie; a plan with ``max_streams=10000`` so stream limits never refuse, and
``--users`` accounts on it with one profile and one access token each (minted
with ``RefreshToken.for_user``; the first from ``POST /api/v1/auth/token/``).
gunicorn runs in production mode on 127.0.0.1; a first start must answer 201
and its master 200 with both rungs. The playback loop then runs 5 s at 32
connections, unmeasured, so every process, thread and connection has loaded
what it keeps. Then wrk at 32 connections (capacity) and at 4 (latency):
``--repeat`` times /healthz then the playback loop (alternating, so both see
the same load), each a 2 s warm-up and ``--duration`` seconds. The table
shows the median of the runs (a run's ratio is to the /healthz run just
before it), then each run's ratio and p95 with the load average as it began:
one run on a shared machine can be far off.

gunicorn: 4 processes x 2 threads, not bench/catalog.py's 2 x 4. A thread
back from a database or cache call waits for its process's GIL, up to the
switch interval (5 ms) while a sibling thread computes; a start makes about
ten such calls, so with 4 threads a process those waits, not the work, set the
tail. With 2 x 4, SQLite, 5 s runs, at load 6-9 (2026-12-08): 158 ops/s at 32
connections, p95 438 ms, /healthz 2,257 req/s; with 4 x 2 at load 5-7: 244
ops/s, p95 257 ms, /healthz 2,123 req/s. 4 sync workers (``--threads 1``,
as the Procfile runs) would pay a TCP connection a request, which bench/catalog.py
found slows /healthz, the ratio's yardstick. wrk's threads (one a connection)
share the 2 cores with the server: its CPU is small next to a start's, and
the same for /healthz.

The loop, in wrk's Lua: POST /api/v1/playback/sessions/ ``{"title_id",
"device_id"}`` with ``Authorization: Bearer`` and ``X-Profile-ID``;
``response()`` takes the path of ``hls_url`` out of the JSON and the next
``request()`` GETs it; then the next account's POST. wrk's Lua state belongs to
a thread, not to a connection, so every run (/healthz too) has one thread a
connection (``-tN -cN``) and each thread cycles over its own accounts: no
account is used by two connections at once. An account keeps one device_id,
so each start replaces its previous session, as a player starting again does,
and the full entitlement path runs (JWT, profile, title, plan, the live
sessions under the account's lock, the replaced session ended, the insert, the
signed URLs).

An *operation* is one session start plus its master: ops/s counts completed
pairs, req/s HTTP requests (about twice as many). Latencies are timed in Lua
with clock_gettime (LuaJIT's ffi): an operation from its POST sent to its
master received, and each kind of request alone. A start answered other than
201, or a master other than 200, is counted (they must be 0) and the first
such body is shown. The ratio is ops/s over /healthz's req/s; "cpu ms" is the
CPU time of all gunicorn processes an op (or request), steadier than rates on
a busy machine. The server's process group, the temporary directory, the
PostgreSQL database and the run's Redis keys are removed even on failure.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from processes import cpu_seconds, postgres, stop

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/vod_bench_pb"
REDIS_URL = "redis://127.0.0.1:6379/14"
START = "/api/v1/playback/sessions/"
RATIO_TARGET, P95_TARGET_MS = 0.1, 25  # at 32 clients; at 4 clients
# Not passed on: the bench's own database, cache and a broker nothing consumes.
DROP = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
WARM_UP_SECONDS = 5
BASELINE = "bare sketch, SQLite: /healthz 5.3k req/s; 0.55k/s, p99 78 ms at 32"

SETUP = r"""
import json, os, subprocess
from pathlib import Path
from django.contrib.auth.hashers import make_password
from django.core.files import File
from rest_framework_simplejwt.tokens import RefreshToken
from accounts.models import Plan, Profile, User
from catalog import services
from catalog.models import Title
from catalog.transcoding import ffmpeg, pipeline

source = Path(os.environ["VOD_VAR_DIR"]) / "source.mp4"
lavfi = ["testsrc2=size=640x360:rate=25:duration=8", "sine=sample_rate=48000:d=8"]
subprocess.run([ffmpeg.ffmpeg_binary(), "-loglevel", "error", "-nostdin", "-y",
                "-f", "lavfi", "-i", lavfi[0], "-f", "lavfi", "-i", lavfi[1],
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", str(source)], check=True, timeout=120)
title = Title.objects.create(name="Bench", slug="bench", access_level="premium",
                             maturity_rating=13)
video = services.video_create(title=title)
with source.open("rb") as handle:
    video = services.video_source_attach(video=video, file=File(handle), name="s.mp4")
outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
assert outcome == "ready", outcome
services.title_publish(titles=Title.objects.filter(pk=title.pk))
plan = Plan.objects.create(name="Bench", slug="bench", access_level="premium",
                           max_streams=10000, max_height=1080, position=99)
hashed = make_password(os.environ["BENCH_PASSWORD"])  # once: hashing is slow
users = User.objects.bulk_create(
    User(email=f"viewer{i}@bench.test", password=hashed, plan=plan)
    for i in range(int(os.environ["BENCH_USERS"])))
profiles = Profile.objects.bulk_create(Profile(user=u, name="Main") for u in users)
print(json.dumps({"title": title.pk, "viewers": [
    [u.email, str(RefreshToken.for_user(u).access_token), p.pk]
    for u, p in zip(users, profiles)]}))
"""

# Every run loads this; a playback run appends PLAYBACK_LUA (its own ``done``).
LUA = """
local ffi = require("ffi")
ffi.cdef("typedef struct { long s; long ns; } bench_ts;"
  .. "int clock_gettime(int clock, bench_ts *tp);")
local ts, threads = ffi.new("bench_ts"), {}
local function now()  -- CLOCK_MONOTONIC, ms
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.s) * 1e3 + tonumber(ts.ns) / 1e6
end
setup = function(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end
local function summary(s, bad_post, bad_get)
  local e = s.errors
  io.write(string.format("SUMMARY %d %d %d %d %d %d %d\\n", s.requests, s.duration,
    e.connect + e.read + e.write, e.timeout, e.status, bad_post, bad_get))
end
local function result(name, count, at)  -- at(p): the p-th percentile in ms
  io.write(string.format("RESULT %s %d %.3f %.3f %.3f\\n", name, count, at(50),
    at(95), at(99)))
end
done = function(s, latency, _)
  summary(s, 0, 0)
  result("healthz", s.requests, function(p) return latency:percentile(p) / 1e3 end)
end
"""

PLAYBACK_LUA = """
local viewers = {VIEWERS}  -- {token, profile id, device id}
init = function(args)  -- args[1]: this run's tag, part of every device id
  mine, k, bad_post, bad_get, first, ops, post, get = {}, 0, 0, 0, "", {}, {}, {}
  for i = id, #viewers, NTHREADS do  -- this thread's (this connection's) share
    mine[#mine + 1] = {{["Authorization"] = "Bearer " .. viewers[i][1],
      ["X-Profile-ID"] = viewers[i][2], ["Content-Type"] = "application/json"},
      string.format('{"title_id": TITLE, "device_id": "%s-%s"}', viewers[i][3],
        args[1])}
  end
end
request = function()
  sent = now()
  if master then
    local path = master
    master, kind = nil, "get"
    return wrk.format("GET", path)
  end
  k, kind, began = k % #mine + 1, "post", sent
  return wrk.format("POST", "START", mine[k][1], mine[k][2])
end
response = function(status, _, body)
  local t = now()
  if kind == "post" then
    post[#post + 1] = t - sent
    if status == 201 then
      master = body:match('"hls_url"%s*:%s*"https?://[^/"]+(/[^"]*)"')
    end
    if not master then bad_post = bad_post + 1 end
  else
    get[#get + 1] = t - sent
    if status == 200 then ops[#ops + 1] = t - began else bad_get = bad_get + 1 end
  end
  if status ~= 200 and status ~= 201 and first == "" then
    first = kind .. " " .. status .. " " .. body:sub(1, 300):gsub("%s+", " ")
  end
end
done = function(s, _, _)
  local all, bad_post, bad_get, sample = {ops = {}, post = {}, get = {}}, 0, 0, ""
  for _, t in ipairs(threads) do
    for name, v in pairs(all) do
      for _, x in ipairs(t:get(name)) do v[#v + 1] = x end
    end
    bad_post, bad_get = bad_post + t:get("bad_post"), bad_get + t:get("bad_get")
    if sample == "" then sample = t:get("first") end
  end
  summary(s, bad_post, bad_get)
  for _, name in ipairs({"ops", "post", "get"}) do
    local v = all[name]
    table.sort(v)
    local function at(p) return v[math.max(1, math.ceil(#v * p / 100))] or 0 end
    result(name, #v, at)
  end
  io.write("SAMPLE " .. sample .. "\\n")
end
"""


def run(cmd: list[str], env: dict, timeout: float) -> str:
    """``cmd``'s output; its process group is killed on timeout or failure."""
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, text=True, start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)[:200]}\n{err[-3000:]}")
    return out


def serve(cmd: list[str], env: dict, log: Path, port: int, servers: list) -> int:
    """Start a server in its own process group; its pid once it answers."""
    with log.open("w") as out:
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    servers.append(process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process.pid
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not start:\n{log.read_text()[-3000:]}")


def call(port: int, method: str, path: str, body=None, headers=None, ok=200) -> str:
    """One request's body; stop unless it answers ``ok``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body and json.dumps(body), headers)
        response = conn.getresponse()
        text = response.read().decode()
    finally:
        conn.close()
    if response.status != ok:
        sys.exit(f"{method} {path}: {response.status}\n{text[:2000]}")
    return text


def redis_forget(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


def environment(database: str, tmp: Path, args, prefix: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env |= {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-" + os.urandom(16).hex()}
    env |= {"DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0"}
    env |= {"DJANGO_STATIC_ROOT": str(tmp), "DJANGO_MEDIA_ROOT": str(tmp / "media")}
    env |= {"VOD_VAR_DIR": str(tmp / "var"), "TRANSCODE_SCRATCH_DIR": str(tmp)}
    env |= {"TRANSCODE_LADDER": "360:800,240:400", "TRANSCODE_X264_PRESET": "ultrafast"}
    env |= {"JWT_ACCESS_MINUTES": "120", "BENCH_USERS": str(args.users)}
    # Each account starts many times a second here: keep the per-account
    # throttle counting (its cost is measured) but never refusing.
    env |= {"API_PLAYBACK_START_THROTTLE_RATE": "1000000/min"}
    env |= {"BENCH_PASSWORD": "bench-" + os.urandom(8).hex()}
    if database == "postgres":
        postgres("DROP DATABASE IF EXISTS vod_bench_pb WITH (FORCE)")
        postgres("CREATE DATABASE vod_bench_pb")
        env |= {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}
        env["CACHE_KEY_PREFIX"] = prefix  # Django's keys: "<prefix>:<version>:<key>"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'var' / 'db.sqlite3'}"
    return env


def settle(pgid: int) -> None:
    """Wait (30 s at most) for the server to go idle.

    Requests queued in the server when wrk stops are abandoned, not cancelled:
    they must neither load the next run nor end its sessions (their device ids,
    being their run's, cannot replace the next run's sessions anyway)."""
    for _ in range(60):
        cpu = cpu_seconds(pgid)
        time.sleep(0.5)
        if cpu_seconds(pgid) - cpu < 0.02:  # under 4% of a core
            return


def wrk(env, url: str, lua: Path, clients: int, seconds: int) -> dict:
    """One wrk run: {"rps", "errors", "sample", name: [per s, p50, p95, p99]}."""
    cmd = ["wrk", f"-t{clients}", f"-c{clients}", f"-d{seconds}s", "--timeout=10s"]
    tag = os.urandom(4).hex()
    out = run([*cmd, "-s", str(lua), url, "--", tag], env, seconds + 60).splitlines()
    line = next(x for x in out if x.startswith("SUMMARY ")).split()[1:]
    requests, micros, *errors = map(int, line)
    names = ["socket", "timeout", "status>=400", "start not 201", "master not 200"]
    got = {"rps": requests / micros * 1e6, "sample": ""}
    got["errors"] = dict(zip(names, errors, strict=True))
    for line in out:
        if line.startswith("RESULT "):
            name, count, *percentiles = line.split()[1:]
            got[name] = [int(count) / micros * 1e6, *map(float, percentiles)]
        elif line.startswith("SAMPLE "):
            got["sample"] = line[7:]
    return got


def bench(database: str, args, tmp: Path, env: dict, servers: list) -> dict:
    began = time.monotonic()
    run([sys.executable, "manage.py", "migrate", "--noinput"], env, timeout=600)
    setup = run([sys.executable, "manage.py", "shell", "-c", SETUP], env, timeout=600)
    made = json.loads(setup.splitlines()[-1])
    viewers, title = made["viewers"], made["title"]
    print(f"{database}: set up in {time.monotonic() - began:.0f} s", flush=True)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gunicorn = [sys.executable, "-m", "gunicorn", "vod.wsgi", f"-b127.0.0.1:{port}"]
    gunicorn += [f"--workers={args.workers}", f"--threads={args.threads}"]
    pgid = serve(gunicorn, env, tmp / "gunicorn.log", port, servers)
    auth = {"email": viewers[0][0], "password": env["BENCH_PASSWORD"]}
    tokens = json.loads(call(port, "POST", "/api/v1/auth/token/", auth))
    viewers[0][1] = tokens["access"]
    auth = {"Authorization": f"Bearer {viewers[0][1]}", "X-Profile-ID": viewers[0][2]}
    body = {"title_id": title, "device_id": "bench-0"}
    started = json.loads(call(port, "POST", START, body, auth, ok=201))
    master = call(port, "GET", urlsplit(started["hls_url"]).path)
    if master.count("#EXT-X-STREAM-INF") != 2:
        sys.exit(f"the master playlist has not both rungs:\n{master}")

    table = ", ".join(
        f'{{"{token}", "{profile}", "bench-{n}"}}'
        for n, (_, token, profile) in enumerate(viewers)
    )
    loop = PLAYBACK_LUA.replace("{VIEWERS}", "{" + table + "}")
    loop = loop.replace("TITLE", str(title)).replace('"START"', f'"{START}"')
    # Every worker, thread and connection warmed once (imports, URL
    # resolvers, database connections, the title and plans remembered), so
    # the first measured run pays nothing the later ones do not.
    lua = tmp / "warm-up.lua"
    lua.write_text(LUA + loop.replace("NTHREADS", "32"))
    wrk(env, f"http://127.0.0.1:{port}{START}", lua, 32, WARM_UP_SECONDS)
    settle(pgid)
    results = {}
    for clients in (32, 4):
        runs = [("healthz", LUA, "/healthz")]
        runs += [("playback", LUA + loop.replace("NTHREADS", str(clients)), START)]
        for name, script, _ in runs:
            (tmp / f"{name}-{clients}.lua").write_text(script)
        for _ in range(args.repeat):  # /healthz and playback alternate: same load
            for name, _, path in runs:
                lua = tmp / f"{name}-{clients}.lua"
                url = f"http://127.0.0.1:{port}{path}"
                wrk(env, url, lua, clients, 2)  # warm-up: caches, connections
                settle(pgid)
                cpu, load = cpu_seconds(pgid), os.getloadavg()[0]
                got = wrk(env, url, lua, clients, args.duration)
                done = got["ops" if name == "playback" else "healthz"][0]
                got["cpu"] = (
                    (cpu_seconds(pgid) - cpu) * 1000 / max(done * args.duration, 1)
                )
                got["load"] = load
                results.setdefault((clients, name), []).append(got)
                settle(pgid)
        ops = [got["ops"][0] for got in results[clients, "playback"]]
        print(
            f"  {clients} clients: {', '.join(f'{x:.0f}' for x in ops)} ops/s",
            flush=True,
        )
    return results


def median(values: list[float]) -> float:
    return statistics.median(values)


def combined(runs: list[dict]) -> dict:
    """The median run of several: each figure the median of the runs' (a run's
    errors add up: they must all be 0)."""
    got = {"rps": median([r["rps"] for r in runs]), "sample": ""}
    got["cpu"] = median([r["cpu"] for r in runs])
    got["errors"] = {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]}
    got["sample"] = next((r["sample"] for r in runs if r["sample"]), "")
    for name in ("healthz", "ops", "post", "get"):
        if name in runs[0]:
            got[name] = [median([r[name][i] for r in runs]) for i in range(4)]
    return got


def report(database: str, results: dict, args) -> None:
    cache = "Redis" if database == "postgres" else "disk"
    print(
        f"\n{database} ({cache} cache): gunicorn {args.workers} x {args.threads} "
        f"threads, {args.users} accounts, {args.repeat} x {args.duration} s runs "
        f"each, medians of the runs, latencies in ms"
    )
    head = f"{'':<20}{'ops/s':>7}{'req/s':>7}{'p50':>7}{'p95':>7}{'p99':>7}"
    print(f"{head}{'ratio':>7}{'cpu ms':>7}  target")
    blank = " " * 7
    for clients in (32, 4):
        healthz_runs = results[clients, "healthz"]
        play_runs = results[clients, "playback"]
        # A run's ratio is to the /healthz run just before it.
        ratios = [
            p["ops"][0] / h["rps"] for h, p in zip(healthz_runs, play_runs, strict=True)
        ]
        healthz, play = combined(healthz_runs), combined(play_runs)
        ratio = median(ratios)
        if clients == 32:
            met, goal = ratio >= RATIO_TARGET, f"ops/healthz >= {RATIO_TARGET}"
        else:
            met, goal = play["ops"][2] < P95_TARGET_MS, f"p95 < {P95_TARGET_MS} ms"
        rows = [  # label, [per s, p50, p95, p99], ops/s, the run, ratio
            (f"{clients} clients /healthz", healthz["healthz"], None, healthz, None),
            ("  start + master", play["ops"], play["ops"][0], play, ratio),
            ("    POST start", play["post"], None, None, None),
            ("    GET master", play["get"], None, None, None),
        ]
        for label, figures, ops, rates, share in rows:
            cells = [ops and f"{ops:7.0f}", rates and f"{rates['rps']:7.0f}"]
            cells += [f"{ms:7.1f}" for ms in figures[1:]]
            cells += [share and f"{share:7.3f}", rates and f"{rates['cpu']:7.2f}"]
            line = f"{label:<20}" + "".join(cell or blank for cell in cells)
            verdict = f"  {goal}: {'met' if met else 'MISSED'}" if share else ""
            print(line + verdict)
        each = [
            f"ratio {r:.3f} p95 {p['ops'][2]:.1f} ms (load {p['load']:.1f})"
            for r, p in zip(ratios, play_runs, strict=True)
        ]
        print(f"    runs: {'; '.join(each)}")
    print("errors (all must be 0):")
    for (clients, name), runs in results.items():
        got = combined(runs)
        errors = ", ".join(f"{k} {v}" for k, v in got["errors"].items())
        print(f"  {clients:>2} clients {name:<9} {errors}")
        if any(got["errors"].values()) and got["sample"]:
            print(f"    first: {got['sample']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--database", choices=["sqlite", "postgres", "both"], default="both")
    add("--duration", type=int, default=10, help="seconds a measured run")
    add("--repeat", type=int, default=3, help="measured runs of each configuration")
    add("--users", type=int, default=64, help="accounts, at least 32")
    add("--workers", type=int, default=4, help="gunicorn processes")
    add("--threads", type=int, default=2, help="threads a gunicorn process")
    args = parser.parse_args()
    if args.users < 32:
        parser.error("--users: at least 32, one for each connection")
    load = os.getloadavg()[0]  # before this benchmark adds its own
    # SIGTERM unwinds like Ctrl-C, through the clean-up below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    both = args.database == "both"
    results = {}
    for database in ["sqlite", "postgres"] if both else [args.database]:
        tmp = Path(tempfile.mkdtemp(prefix="vod-bench-playback-"))
        prefix = "vod-bench-pb-" + os.urandom(4).hex()
        servers: list[subprocess.Popen] = []
        try:
            env = environment(database, tmp, args, prefix)
            results[database] = bench(database, args, tmp, env, servers)
        except (Exception, SystemExit):
            if (log := tmp / "gunicorn.log").exists():
                print(f"gunicorn's log:\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            for process in servers:
                stop(process)
            shutil.rmtree(tmp, ignore_errors=True)
            if database == "postgres":
                postgres("DROP DATABASE IF EXISTS vod_bench_pb WITH (FORCE)")
                redis_forget(prefix)
    for database, figures in results.items():
        report(database, figures, args)
    print(f"\nbaseline: {BASELINE}")
    if load > 1:
        print(f"warning: load average {load:.1f} before the run: noisy figures")


if __name__ == "__main__":
    main()
