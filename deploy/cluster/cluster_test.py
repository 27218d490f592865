"""The local cluster test (`make cluster-test`): the production shape on one host.

It starts, all on 127.0.0.1: PostgreSQL with a streaming standby
(tests/replica.py), a private Redis, moto's S3 server, two gunicorn web
replicas in production mode behind nginx (deploy/nginx/lb.conf), a transcode
worker, a default worker with beat, and two nginx caches
(deploy/nginx/cdn-cache.conf) standing in for two CDN pathways in front of the
S3 server, with the CloudFront signer and a key pair made for the run; the
caches check every signature as CloudFront does (deploy/cdn_verifier.py).

An editor ingests a source through the REST API; once it is ready and
published, load threads drive the catalog and playback (start, master
playlist, heartbeats) through the load balancer while a viewer plays in
Chromium (hls.js). Mid-run one web replica and the CDN cache the viewer is on
are killed with SIGKILL. It asserts: under 0.5% of requests fail, every
acknowledged heartbeat is the stored position, and the viewer keeps playing,
now from the other pathway, on grants that last 12 s and that heartbeats
renew. The edges refuse (403) what a low plan's session may not fetch (the
rung over its plan, the stored manifests) with any of its signatures, and that
session's URLs once it has ended and its last grant has expired. It prints its figures and exits non-zero on any
failed assertion; every process and folder it made goes, whatever happens.
"""

# A test harness like tests/: throwaway credentials, its own commands.
# ruff: noqa: S105, S106, S311, S603, S607

import contextlib
import datetime
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import imageio_ffmpeg
import psycopg
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.replica import start_pair  # noqa: E402

PORTS = range(8100, 8200)
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
# As tests/e2e/test_watch.py launches it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SOURCE_SECONDS = 90
LOAD_SECONDS = float(os.environ.get("CLUSTER_LOAD_SECONDS", 25))
LOAD_THREADS = 6
KILL_WEB_AT, KILL_CDN_AT = 8.0, 10.0
MAX_FAILURE_RATE = 0.005
GRANT_SECONDS = 12
PASSWORD = "Cluster-Harbor-Lantern-58"
BUCKET, SOURCES_BUCKET = "vod-media", "vod-sources"


def log(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Cluster:
    """Every process and folder of the run; ``close()`` ends and removes them."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="vod-cluster-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.pair = None
        self._ports = iter(PORTS)

    def port(self) -> int:
        for port in self._ports:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) != 0:
                    return port
        raise RuntimeError("no free port left in 8100-8199")

    def start(self, name: str, command: list[str], env=None, cwd=ROOT):
        logfile = (self.folder / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own group: a kill takes its children (workers, ffmpeg) too.
            start_new_session=True,
        )
        logfile.close()
        return self.processes[name]

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)

    def logs(self, name: str, tail: int = 3000) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def close(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if self.pair is not None:
            self.pair.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_until(check, what: str, timeout: float = 60, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = check()
            if result:
                return result
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# --- nginx ---------------------------------------------------------------------------

NGINX_MAIN = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def render(template: str, replacements: dict[str, str]) -> str:
    """The committed config with this run's addresses: each original must occur
    exactly once, so a change of the committed file's shape fails loudly."""
    for old, new in replacements.items():
        count = template.count(old)
        if count != 1:
            raise AssertionError(f"{old!r} occurs {count} times in the config")
        template = template.replace(old, new)
    return template


def start_nginx(cluster: Cluster, name: str, site: str):
    folder = cluster.folder / name
    folder.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(user=user, dir=folder))
    command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        raise AssertionError(f"nginx -t for {name}: {checked.stderr}")
    return cluster.start(name, [*command, "-g", "daemon off;"])


def lb_site(folder: Path, port: int, replicas: list[int]) -> str:
    template = (ROOT / "deploy/nginx/lb.conf").read_text()
    return render(
        template,
        {
            "    server 10.0.1.11:8000 max_fails=2 fail_timeout=10s;\n": (
                f"    server 127.0.0.1:{replicas[0]} max_fails=2 fail_timeout=10s;\n"
            ),
            "    server 10.0.1.12:8000 max_fails=2 fail_timeout=10s;\n": (
                f"    server 127.0.0.1:{replicas[1]} max_fails=2 fail_timeout=10s;\n"
            ),
            "    listen 80;": f"    listen 127.0.0.1:{port};",
            "/var/log/nginx/vod-lb.access.log": str(folder / "lb-requests.log"),
        },
    )


def cdn_site(
    folder: Path, name: str, port: int, s3_port: int, verifier_port: int
) -> str:
    template = (ROOT / "deploy/nginx/cdn-cache.conf").read_text()
    site = render(
        template,
        {
            "/var/cache/nginx/vod-cdn": str(folder / f"{name}-cache"),
            "server 127.0.0.1:9180;": f"server 127.0.0.1:{verifier_port};",
            "server s3.us-east-1.amazonaws.com:80;": f"server 127.0.0.1:{s3_port};",
            "    listen 80;": f"    listen 127.0.0.1:{port};",
        },
    )
    return site.replace(
        "proxy_set_header Host s3.us-east-1.amazonaws.com;",
        f"proxy_set_header Host 127.0.0.1:{s3_port};",
    )


# --- Setup ---------------------------------------------------------------------------


def make_source(path: Path) -> None:
    """A test pattern with a tone, as tests/helpers.make_test_clip makes them."""
    graph = f"testsrc2=size=640x360:rate=25:duration={SOURCE_SECONDS}"
    tone = f"sine=frequency=440:sample_rate=48000:duration={SOURCE_SECONDS}"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", graph, "-f", "lavfi", "-i", tone),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest", str(path)),
        ],
        check=True,
        timeout=120,
    )


def key_pair(folder: Path) -> tuple[Path, Path]:
    """(private, public) PEM files: Django signs, the edges' verifier checks."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "cloudfront.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public = folder / "cloudfront-public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    )
    return path, public


def manage(env: dict, *args: str, timeout: int = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


ACCOUNTS_SCRIPT = """
import json
from django.contrib.auth.models import Group
from accounts.models import Plan, Profile, User
from catalog.models import Title

plan = Plan.objects.create(name="Cluster", slug="cluster", access_level="premium",
                           max_streams=4, max_height=1080)
low = Plan.objects.create(name="Cluster Low", slug="cluster-low",
                          access_level="premium", max_streams=1, max_height=240)
low_user = User.objects.create_user("low@cluster.test", {password!r}, plan=low)
Profile.objects.create(user=low_user, name="Low")
editor = User.objects.create_user("editor@cluster.test", {password!r}, is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
viewers = []
for n in range({viewers}):
    user = User.objects.create_user(f"viewer{{n}}@cluster.test", {password!r}, plan=plan)
    viewers.append(Profile.objects.create(user=user, name=f"Viewer {{n}}").pk)
title = Title.objects.create(kind=Title.Kind.MOVIE, name="Cluster Harbor",
                             slug="cluster-harbor")
print(json.dumps({{"title": title.pk, "profiles": viewers}}))
"""

PUBLISH_SCRIPT = """
from catalog.models import Title
from catalog.services import title_publish
title_publish(titles=Title.objects.filter(slug="cluster-harbor"))
"""


def token(base: str, email: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/token/",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


def ingest(base: str, title_id: int, source: Path) -> dict:
    """Through the editors' REST API, as an editor's tool would."""
    editor = requests.Session()
    editor.headers["Authorization"] = f"Bearer {token(base, 'editor@cluster.test')}"
    created = editor.post(f"{base}/api/v1/videos/", json={"title_id": title_id})
    assert created.status_code == 201, created.text
    uuid = created.json()["uuid"]
    with source.open("rb") as handle:
        uploaded = editor.put(
            f"{base}/api/v1/videos/{uuid}/source/",
            files={"file": ("source.mp4", handle, "video/mp4")},
            timeout=120,
        )
    assert uploaded.status_code == 202, uploaded.text

    def ready():
        video = editor.get(f"{base}/api/v1/videos/{uuid}/", timeout=10).json()
        assert video["status"] != "failed", video
        return video if video["status"] == "ready" else None

    return wait_until(ready, "the transcode", timeout=240, every=1)


# --- Load ----------------------------------------------------------------------------


@dataclass
class Figures:
    latencies: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, started: float, ok: bool, detail: str = ""):
        with self.lock:
            self.latencies.append(time.monotonic() - started)
            if not ok:
                self.failures.append((round(time.monotonic(), 2), what, detail))


def position(step: int) -> float:
    # Positions that never repeat within a run (731 and 4400 are coprime), so a
    # stale stored value cannot pass for the last acknowledged one; all of them
    # well before the end, where a title would count as watched.
    return round(0.5 + (step * 7.31) % 44, 3)


def viewer_load(base, access, title_id, stop, figures, acked, profile_id):
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


# --- The run -------------------------------------------------------------------------


def run(cluster: Cluster) -> list[str]:
    folder = cluster.folder
    problems: list[str] = []
    ports = {
        name: cluster.port()
        for name in ("lb", "web1", "web2", "cdn-a", "cdn-b", "s3", "redis", "verifier")
    }
    log(f"ports {ports}; folder {folder}")

    cluster.pair = start_pair()
    log(
        f"PostgreSQL primary :{cluster.pair.primary_port}, "
        f"standby :{cluster.pair.standby_port}"
    )
    cluster.start(
        "redis",
        [
            "redis-server",
            *("--bind", "127.0.0.1", "--port", str(ports["redis"])),
            *("--save", "", "--appendonly", "no", "--dir", str(folder)),
        ],
    )
    cluster.start(
        "s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(ports["s3"])]
    )
    wait_until(lambda: answers(ports["redis"]) and answers(ports["s3"]), "Redis, S3")
    s3_url = f"http://127.0.0.1:{ports['s3']}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_url,
        region_name="us-east-1",
        aws_access_key_id="cluster",
        aws_secret_access_key="cluster-secret",
    )
    for bucket in (BUCKET, SOURCES_BUCKET):
        s3.create_bucket(Bucket=bucket)
    # The edges read media unsigned: the grant CloudFront gets from the media
    # bucket's policy (origin access control); sources stay private.
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{BUCKET}/*",
                    }
                ],
            }
        ),
    )

    private_key, public_key = key_pair(folder)
    cluster.start(
        "verifier",
        [
            sys.executable,
            str(ROOT / "deploy/cdn_verifier.py"),
            *("--port", str(ports["verifier"])),
            *("--public-key", str(public_key), "--key-pair-id", "KCLUSTERTEST"),
        ],
    )
    lb = f"http://localhost:{ports['lb']}"
    cdn = {name: f"http://127.0.0.1:{ports[name]}" for name in ("cdn-a", "cdn-b")}
    redis_url = f"redis://127.0.0.1:{ports['redis']}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "AWS_", "PLAYBACK_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="cluster-test-" + "k7Qz9xW2pL5vN8rT3yB6mC1dF4gH0jS" * 2,
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_CSRF_TRUSTED_ORIGINS=lb,
        # Plain http on loopback: no TLS to redirect to.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_NUM_PROXIES="1",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
        VOD_VAR_DIR=str(folder / "var"),
        DATABASE_URL=cluster.pair.primary_url,
        DATABASE_REPLICA_URLS=cluster.pair.standby_url,
        REDIS_URL=f"{redis_url}/0",
        CELERY_BROKER_URL=f"{redis_url}/1",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_SOURCES_BUCKET_NAME=SOURCES_BUCKET,
        AWS_S3_ENDPOINT_URL=s3_url,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="cluster",
        AWS_SECRET_ACCESS_KEY="cluster-secret",
        PLAYBACK_SIGNER="playback.delivery.cloudfront.CloudFrontSigner",
        CLOUDFRONT_KEY_PAIR_ID="KCLUSTERTEST",
        CLOUDFRONT_PRIVATE_KEY_FILE=str(private_key),
        PLAYBACK_CDN_PATHWAYS=",".join(f"{n}={u}" for n, u in cdn.items()),
        PLAYBACK_CDN_STEERING_TTL_SECONDS="2",
        PLAYBACK_CDN_HEALTH_INTERVAL_SECONDS="2",
        PLAYBACK_CDN_HEALTH_THRESHOLD="1",
        PLAYBACK_HEARTBEAT_SECONDS="5",
        # Short grants: the viewer plays for longer on renewed ones only.
        PLAYBACK_GRANT_LIFETIME_SECONDS=str(GRANT_SECONDS),
        # Every load thread comes from one address.
        API_ANON_THROTTLE_RATE="1000000/min",
        # A load thread beats about ten times a second, not every 5 s.
        API_HEARTBEAT_THROTTLE_RATE="100000/s",
        API_PLAYBACK_START_THROTTLE_RATE="1000000/min",
        TRANSCODE_LADDER="360:600,240:300",
        TRANSCODE_X264_PRESET="ultrafast",
        TRANSCODE_SEGMENT_SECONDS="2",
        GUNICORN_DRAIN_SECONDS="2",
    )

    log("release: migrate, collectstatic; accounts and a draft title")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    made = json.loads(
        manage(
            env,
            "shell",
            "-c",
            ACCOUNTS_SCRIPT.format(password=PASSWORD, viewers=LOAD_THREADS + 1),
        )
        .strip()
        .splitlines()[-1]
    )

    for name in ("web1", "web2"):
        cluster.start(
            name,
            [
                str(BIN / "gunicorn"),
                *("vod.wsgi", "--config", "gunicorn.conf.py"),
                *("--bind", f"127.0.0.1:{ports[name]}"),
                *("--workers", "2", "--threads", "4", "--graceful-timeout", "10"),
            ],
            env={**env, "PROMETHEUS_MULTIPROC_DIR": str(folder / f"{name}-metrics")},
        )
    celery = [str(BIN / "celery"), "-A", "vod", "worker", "--without-gossip"]
    cluster.start(
        "transcode",
        [*celery, "--queues", "transcode", "--concurrency", "1", "-n", "transcode@%h"],
        env=env,
    )
    cluster.start(
        "default",
        [
            *celery,
            *("--queues", "default", "--concurrency", "2", "-n", "default@%h"),
            *("--beat", "--schedule", str(folder / "beat-schedule")),
        ],
        env=env,
    )
    start_nginx(
        cluster, "lb", lb_site(folder, ports["lb"], [ports["web1"], ports["web2"]])
    )
    for name in ("cdn-a", "cdn-b"):
        start_nginx(
            cluster,
            name,
            cdn_site(folder, name, ports[name], ports["s3"], ports["verifier"]),
        )

    def ready():
        return requests.get(f"{lb}/readyz", timeout=5).status_code == 200

    wait_until(ready, "readiness through the load balancer", timeout=90)
    for name in ("web1", "web2"):
        url = f"http://127.0.0.1:{ports[name]}/readyz"
        status = requests.get(url, timeout=5, headers={"Host": "localhost"}).status_code
        assert status == 200, f"{name} /readyz: {status}"
    log("cluster up: 2 web replicas ready behind nginx")

    source = folder / "source.mp4"
    make_source(source)
    started = time.monotonic()
    video = ingest(lb, made["title"], source)
    log(
        f"ingested through the API and transcoded in "
        f"{time.monotonic() - started:.1f}s: {len(video['renditions'])} rungs"
    )
    manage(env, "shell", "-c", PUBLISH_SCRIPT)

    from playwright.sync_api import sync_playwright

    figures = Figures()
    acked: dict[int, float] = {}
    stop = threading.Event()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.set_default_timeout(60_000)
        segments: list[tuple[float, str, int]] = []  # (when, host, status)

        console: list[str] = []

        def on_response(response):
            url = urlsplit(response.url)
            if response.status >= 400:
                console.append(f"{response.status} {response.url[:150]}")
            if url.path.endswith(".m4s") or url.path.endswith(".mp4"):
                segments.append((time.monotonic(), url.netloc, response.status))

        def on_failed(request):
            url = urlsplit(request.url)
            console.append(f"failed {request.failure} {request.url[:150]}")
            if url.path.endswith((".m4s", ".mp4")):
                segments.append((time.monotonic(), url.netloc, 0))

        page.on("response", on_response)
        page.on("requestfailed", on_failed)
        page.goto(f"{lb}/accounts/login/?next=/watch/cluster-harbor/")
        page.get_by_label("Email address").fill(f"viewer{LOAD_THREADS}@cluster.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{lb}/watch/cluster-harbor/")
        big_play = page.locator(".player-big-play")
        with contextlib.suppress(Exception):
            if big_play.is_visible():
                big_play.click()
        page.on("console", lambda message: console.append(message.text))
        try:
            page.wait_for_function(
                "() => window.vodPlayer && window.vodPlayer.video.currentTime > 1"
            )
        except Exception:
            print("\n".join(console[-30:]), segments[-20:], file=sys.stderr)
            print(page.content()[-3000:], file=sys.stderr)
            raise
        hosts = {host for _, host, status in segments if status == 200}
        log(f"Chromium plays, segments from {sorted(hosts)}")
        if len(hosts) != 1:
            raise AssertionError(f"the viewer started on {hosts}, not one pathway")
        # The cache the viewer plays from is the one to kill.
        victim, survivor = (
            ("cdn-a", "cdn-b")
            if hosts == {urlsplit(cdn["cdn-a"]).netloc}
            else ("cdn-b", "cdn-a")
        )

        problems.extend(edge_refusals(lb, cdn))

        threads = [
            threading.Thread(
                target=viewer_load,
                args=(
                    lb,
                    token(lb, f"viewer{n}@cluster.test"),
                    made["title"],
                    stop,
                    figures,
                    acked,
                    made["profiles"][n],
                ),
            )
            for n in range(LOAD_THREADS)
        ]
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        killed: dict[str, float] = {}
        play_at_kill = None
        while time.monotonic() - load_started < LOAD_SECONDS:
            elapsed = time.monotonic() - load_started
            if "web1" not in killed and elapsed >= KILL_WEB_AT:
                cluster.kill("web1")
                killed["web1"] = time.time()
                log("killed web1 (SIGKILL to its master and workers)")
            if victim not in killed and elapsed >= KILL_CDN_AT:
                play_at_kill = page.evaluate("() => window.vodPlayer.video.currentTime")
                cluster.kill(victim)
                killed[victim] = time.monotonic()
                log(f"killed {victim} at currentTime {play_at_kill:.1f}s")
            page.wait_for_timeout(250)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        play_at_end = page.evaluate(
            "() => [window.vodPlayer.video.currentTime, window.vodPlayer.video.paused]"
        )
        browser.close()

    # --- Figures and assertions
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

    down_after = replica_marked_down_after(
        folder / "lb-requests.log", f"127.0.0.1:{ports['web1']}", killed["web1"]
    )
    log(f"web1 taken out by the load balancer {down_after} after the kill")

    other = urlsplit(cdn[survivor]).netloc
    after = [
        (when, host, status) for when, host, status in segments if when > killed[victim]
    ]
    served = [(when, host) for when, host, status in after if status == 200]
    first_other = next((when for when, host in served if host == other), None)
    if first_other is None:
        problems.append(f"no segment came from {survivor} after {victim} was killed")
    else:
        log(
            f"CDN failover: first segment from {survivor} "
            f"{first_other - killed[victim]:.1f}s after {victim} was killed"
        )
    wrong = [host for _, host in served if host != other]
    if wrong:
        problems.append(f"segments still served from {set(wrong)} after its kill")
    log(
        f"viewer: currentTime {play_at_kill:.1f}s at the kill, {play_at_end[0]:.1f}s "
        f"at the end (paused: {play_at_end[1]})"
    )
    if play_at_end[0] < play_at_kill + LOAD_SECONDS - KILL_CDN_AT - 8:
        problems.append("the viewer's playback did not keep advancing")

    lost = progress_mismatches(cluster.pair.primary_url, made["title"], acked)
    log(f"progress: {len(acked)} profiles, {len(lost)} mismatches")
    if len(acked) != LOAD_THREADS:
        problems.append(f"only {len(acked)} of {LOAD_THREADS} load threads acked")
    problems.extend(lost)
    return problems


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


def main() -> int:
    started = time.monotonic()
    cluster = Cluster()
    try:
        problems = run(cluster)
    except BaseException as error:
        for name in cluster.processes:
            if name in {"web1", "web2", "transcode", "default", "lb", "cdn-a"}:
                print(f"--- {name} log\n{cluster.logs(name)}", file=sys.stderr)
        if cluster.pair is not None:
            print(cluster.pair.logs()[-3000:], file=sys.stderr)
        print(f"cluster test failed: {error!r}", file=sys.stderr)
        raise
    finally:
        cluster.close()
    log(f"run took {time.monotonic() - started:.0f}s")
    if problems:
        for problem in problems:
            print(f"FAIL: {problem}", file=sys.stderr)
        return 1
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
