"""The local cluster test (`make cluster-test`): the production shape on one host.

It starts, all on 127.0.0.1: PostgreSQL with a streaming standby
(tests/replica.py), a private Redis, moto's S3 server, two gunicorn web
replicas in production mode behind nginx (deploy/nginx/lb.conf), two transcode
workers, a default worker with beat, and two nginx caches
(deploy/nginx/cdn-cache.conf) standing in for two CDN pathways in front of the
S3 server, with the CloudFront signer and a key pair made for the run; the
caches check every signature as CloudFront does (deploy/cdn_verifier.py).

An editor ingests a source through the REST API; it is transcoded in chunks
shared by the two transcode workers, and the one encoding a chunk for the
other is killed with SIGKILL (chunk_kill.py): the title must still end ready
with one published revision. Once it is ready and
published, load threads drive the catalog and playback (start, master
playlist, heartbeats) through the load balancer while a viewer plays in
Chromium (hls.js). Mid-run one web replica and the CDN cache the viewer is on
are killed with SIGKILL. It asserts: under 0.5% of requests fail, every
acknowledged heartbeat is the stored position, and the viewer keeps playing,
now from the other pathway, on grants that last 12 s and that heartbeats
renew. The edges refuse (403) what a low plan's session may not fetch (the
rung over its plan, the stored manifests) with any of its signatures, and that
session's URLs once it has ended and its last grant has expired. It prints its
figures and exits non-zero on any failed assertion; every process and folder
it made goes, whatever happens.

`run()` is the steps in order; the parts live next to this file: cluster.py
(processes, ports), edges.py (nginx, key pair), release.py (migrations,
accounts, ingest), load.py (the load threads), viewer.py (Chromium),
checks.py (edge refusals and the figures' assertions), scenario.py (durations
and limits).
"""

# A test harness like tests/: throwaway credentials.
# ruff: noqa: S106

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import requests
from checks import (
    edge_refusals,
    failover_problems,
    playback_problems,
    progress_problems,
    report_replica_takedown,
    request_problems,
)
from chunk_kill import TRANSCODE_WORKERS, ChunkKill, chunk_kill_problems
from cluster import BIN, ROOT, Addresses, Cluster, answers, log, wait_until
from edges import cdn_site, key_pair, lb_site, start_nginx
from load import load_start
from release import ingest_and_publish, release
from scenario import (
    BUCKET,
    GRANT_SECONDS,
    KILL_CDN_AT,
    KILL_WEB_AT,
    LOAD_SECONDS,
    LOAD_THREADS,
    SOURCES_BUCKET,
)
from viewer import Viewer, chromium_viewer

sys.path.insert(0, str(ROOT))

from tests.replica import start_pair  # noqa: E402


def run(cluster: Cluster) -> list[str]:
    """The cluster test, step by step; the problems it found."""
    at = reserve_ports(cluster)
    start_postgres(cluster)
    start_redis_and_s3(cluster, at)
    create_buckets(at)
    private_key = start_verifier(cluster, at)
    env = environment(cluster, at, private_key)
    made = release(env)
    start_web_replicas(cluster, at, env)
    start_workers(cluster, env)
    start_edges(cluster, at)
    wait_until_ready(at)
    kill = ChunkKill(cluster, cluster.pair.primary_url).start()
    ingest_and_publish(cluster.folder, env, at.lb, made["title"])
    kill.join()
    chunk_problems = chunk_kill_problems(cluster.pair.primary_url, kill)
    with chromium_viewer() as viewer:
        hosts = viewer.play(at.lb, f"viewer{LOAD_THREADS}@cluster.test")
        victim, survivor = pathways(hosts, at.cdn)
        problems = chunk_problems + edge_refusals(at.lb, at.cdn)
        load = load_start(at.lb, made)
        outage = kill_under_load(cluster, viewer, victim, since=load.started)
        load.end()
        play_at_end = viewer.current_time_and_paused()
    problems += request_problems(load.figures)
    report_replica_takedown(
        "web1",
        cluster.folder / "lb-requests.log",
        f"127.0.0.1:{at.ports['web1']}",
        outage.killed["web1"],
    )
    problems += failover_problems(
        viewer.segments, at.cdn, victim, survivor, outage.killed[victim]
    )
    problems += playback_problems(outage.play_at_kill, play_at_end)
    problems += progress_problems(cluster.pair.primary_url, made["title"], load.acked)
    return problems


def reserve_ports(cluster: Cluster) -> Addresses:
    """A free port for each part of the run."""
    ports = {
        name: cluster.port()
        for name in ("lb", "web1", "web2", "cdn-a", "cdn-b", "s3", "redis", "verifier")
    }
    log(f"ports {ports}; folder {cluster.folder}")
    return Addresses(ports)


def start_postgres(cluster: Cluster) -> None:
    """PostgreSQL with a streaming standby (tests/replica.py)."""
    cluster.pair = start_pair()
    log(
        f"PostgreSQL primary :{cluster.pair.primary_port}, "
        f"standby :{cluster.pair.standby_port}"
    )


def start_redis_and_s3(cluster: Cluster, at: Addresses) -> None:
    """A private Redis and moto's S3 server, once both answer."""
    cluster.start(
        "redis",
        [
            "redis-server",
            *("--bind", "127.0.0.1", "--port", str(at.ports["redis"])),
            *("--save", "", "--appendonly", "no", "--dir", str(cluster.folder)),
        ],
    )
    cluster.start(
        "s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(at.ports["s3"])]
    )
    wait_until(
        lambda: answers(at.ports["redis"]) and answers(at.ports["s3"]), "Redis, S3"
    )


def create_buckets(at: Addresses) -> None:
    """The media and sources buckets, the media one readable by the edges."""
    s3 = boto3.client(
        "s3",
        endpoint_url=at.s3,
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


def start_verifier(cluster: Cluster, at: Addresses) -> Path:
    """The run's key pair and the caches' signature verifier; the private key."""
    private_key, public_key = key_pair(cluster.folder)
    cluster.start(
        "verifier",
        [
            sys.executable,
            str(ROOT / "deploy/cdn_verifier.py"),
            *("--port", str(at.ports["verifier"])),
            *("--public-key", str(public_key), "--key-pair-id", "KCLUSTERTEST"),
        ],
    )
    return private_key


def environment(cluster: Cluster, at: Addresses, private_key: Path) -> dict:
    """The production settings every Django process of the run gets."""
    folder = cluster.folder
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "AWS_", "PLAYBACK_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="cluster-test-" + "k7Qz9xW2pL5vN8rT3yB6mC1dF4gH0jS" * 2,
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_CSRF_TRUSTED_ORIGINS=at.lb,
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
        REDIS_URL=f"{at.redis}/0",
        CELERY_BROKER_URL=f"{at.redis}/1",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_SOURCES_BUCKET_NAME=SOURCES_BUCKET,
        AWS_S3_ENDPOINT_URL=at.s3,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="cluster",
        AWS_SECRET_ACCESS_KEY="cluster-secret",
        PLAYBACK_SIGNER="playback.delivery.cloudfront.CloudFrontSigner",
        CLOUDFRONT_KEY_PAIR_ID="KCLUSTERTEST",
        CLOUDFRONT_PRIVATE_KEY_FILE=str(private_key),
        PLAYBACK_CDN_PATHWAYS=",".join(f"{n}={u}" for n, u in at.cdn.items()),
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
        # Chunks shared by the two transcode workers, one core each; a killed
        # worker's chunk (or job) is taken over once it has been quiet for
        # 20 s. With 6 s, a loaded CI machine's pauses between the job
        # holder's heartbeats (storing a chunk's fragments, a preview) were
        # long enough for the reaper to take a live job away three times.
        TRANSCODE_CHUNK_SECONDS="10",
        TRANSCODE_FFMPEG_THREADS="1",
        TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS="20",
        GUNICORN_DRAIN_SECONDS="2",
    )
    return env


def start_web_replicas(cluster: Cluster, at: Addresses, env: dict) -> None:
    """Two gunicorn replicas in production mode, each with its own metrics."""
    for name in ("web1", "web2"):
        cluster.start(
            name,
            [
                str(BIN / "gunicorn"),
                *("vod.wsgi", "--config", "gunicorn.conf.py"),
                *("--bind", f"127.0.0.1:{at.ports[name]}"),
                *("--workers", "2", "--threads", "4", "--graceful-timeout", "10"),
            ],
            env={
                **env,
                "PROMETHEUS_MULTIPROC_DIR": str(cluster.folder / f"{name}-metrics"),
            },
        )


def start_workers(cluster: Cluster, env: dict) -> None:
    """Two transcode workers, and the default worker with beat."""
    celery = [str(BIN / "celery"), "-A", "vod", "worker", "--without-gossip"]
    for name in TRANSCODE_WORKERS:
        cluster.start(
            name,
            [
                *celery,
                "--queues",
                "transcode",
                "--concurrency",
                "1",
                "-n",
                f"{name}@%h",
            ],
            env=env,
        )
    cluster.start(
        "default",
        [
            *celery,
            *("--queues", "default", "--concurrency", "2", "-n", "default@%h"),
            *("--beat", "--schedule", str(cluster.folder / "beat-schedule")),
        ],
        env=env,
    )


def start_edges(cluster: Cluster, at: Addresses) -> None:
    """nginx as the load balancer, and as two CDN caches in front of S3."""
    ports, folder = at.ports, cluster.folder
    start_nginx(
        cluster, "lb", lb_site(folder, ports["lb"], [ports["web1"], ports["web2"]])
    )
    for name in at.cdn:
        start_nginx(
            cluster,
            name,
            cdn_site(folder, name, ports[name], ports["s3"], ports["verifier"]),
        )


def wait_until_ready(at: Addresses) -> None:
    """Ready through the load balancer, then each replica on its own."""

    def ready():
        return requests.get(f"{at.lb}/readyz", timeout=5).status_code == 200

    wait_until(ready, "readiness through the load balancer", timeout=90)
    for name in ("web1", "web2"):
        url = f"http://127.0.0.1:{at.ports[name]}/readyz"
        status = requests.get(url, timeout=5, headers={"Host": "localhost"}).status_code
        assert status == 200, f"{name} /readyz: {status}"
    log("cluster up: 2 web replicas ready behind nginx")


def pathways(hosts: set[str], cdn: dict[str, str]) -> tuple[str, str]:
    """The cache the viewer plays from (the one to kill), and the other one."""
    if len(hosts) != 1:
        raise AssertionError(f"the viewer started on {hosts}, not one pathway")
    if hosts == {urlsplit(cdn["cdn-a"]).netloc}:
        return "cdn-a", "cdn-b"
    return "cdn-b", "cdn-a"


@dataclass
class Outage:
    """When each part was killed and where the viewer was at the cache's kill."""

    # web1 by the wall clock (as nginx logs), the cache by the monotonic clock
    # (as the viewer's segments are stamped).
    killed: dict[str, float] = field(default_factory=dict)
    play_at_kill: float | None = None


def kill_under_load(
    cluster: Cluster, viewer: Viewer, victim: str, since: float
) -> Outage:
    """Kill web1, then the viewer's cache, while the load runs its course."""
    outage = Outage()
    killed = outage.killed
    while time.monotonic() - since < LOAD_SECONDS:
        elapsed = time.monotonic() - since
        if "web1" not in killed and elapsed >= KILL_WEB_AT:
            cluster.kill("web1")
            killed["web1"] = time.time()
            log("killed web1 (SIGKILL to its master and workers)")
        if victim not in killed and elapsed >= KILL_CDN_AT:
            outage.play_at_kill = viewer.current_time()
            cluster.kill(victim)
            killed[victim] = time.monotonic()
            log(f"killed {victim} at currentTime {outage.play_at_kill:.1f}s")
        viewer.wait(250)
    return outage


def main() -> int:
    """Run the cluster test and clean up; 0 when it passes."""
    started = time.monotonic()
    cluster = Cluster()
    try:
        problems = run(cluster)
    except BaseException as error:
        for name in cluster.processes:
            if name in {"web1", "web2", *TRANSCODE_WORKERS, "default", "lb", "cdn-a"}:
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
