"""Direct uploads: a 1 GB file to S3 through our API against plain boto3.

    .venv/bin/python bench/upload.py [--size-mib 1024] [--part-mib 64]
        [--concurrency 4] [--workers 2] [--threads 4]

1. A temporary directory for everything (SQLite database, ``VOD_VAR_DIR``,
   static files, the file): nothing is written inside the project. moto's
   standalone S3 server on a free 127.0.0.1 port with a media and a sources
   bucket; the file is ``--size-mib`` of random bytes.
2. gunicorn in production mode (``DJANGO_DEBUG=0``, as bench/catalog.py runs
   it) on S3, ``--workers`` x ``--threads``; an editor and their API token.
3. Our API, as a tool sends it: create the upload; parts hashed (SHA-256, which
   each URL is bound to) by two threads running ahead, signed a batch of
   ``--concurrency`` at a time as their hashes come in, and PUT to their
   presigned URLs from as many threads; complete. Timed from create to
   complete's answer.
4. The same file with boto3's ``upload_file`` (multipart, the same part size
   and concurrency) to the same server: with SHA-256 part checksums, as our
   part URLs require (the ratio's reference), and with boto3's default ones.
   Both go once with a small file first, so every gunicorn process has
   served each call and boto3 has its connections before anything is timed.
5. Throughput of both and the ratio (target: ours at least 0.9x boto3's), and
   the web tier's CPU (every gunicorn process) per GB uploaded as a share of
   the upload's wall time (target: at most 1 %: Django signs and records,
   the bytes never pass through it).
6. Servers stopped and files removed, also on failure, Ctrl-C or SIGTERM.

Figures are noisy on a shared machine; run it on a quiet one to compare.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import requests
from boto3.s3.transfer import TransferConfig
from processes import cpu_seconds, stop

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
MEDIA, SOURCES = "bench-media", "bench-sources"
EMAIL, PASSWORD = "editor@bench.test", "a-bench-editors-password"
RATIO_TARGET, CPU_SHARE_TARGET = 0.9, 0.01

EDITOR = f"""
from django.contrib.auth.models import Group
from accounts.models import User
user = User.objects.create_user({EMAIL!r}, {PASSWORD!r}, is_staff=True)
user.groups.add(Group.objects.get(name="Editors"))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cmd: list[str], env: dict, log: Path, port: int) -> subprocess.Popen:
    """A server in a process group of its own, once it answers on ``port``."""
    with log.open("w") as out:
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    sys.exit(f"{cmd[0]} did not start:\n{log.read_text()[-3000:]}")


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def make_file(path: Path, size: int) -> None:
    with path.open("wb") as out:
        for offset in range(0, size, 64 * MIB):
            out.write(os.urandom(min(64 * MIB, size - offset)))


def read_part(path: Path, number: int, part_size: int) -> bytes:
    with path.open("rb") as source:
        source.seek((number - 1) * part_size)
        return source.read(part_size)


def through_api(base: str, token: str, path: Path, concurrency: int) -> float:
    """Seconds to upload ``path`` through our API, create to complete."""
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    created = api.post(
        f"{base}/api/v1/uploads/",
        json={
            "file_name": path.name,
            "size": path.stat().st_size,
            "content_type": "video/mp4",
        },
        timeout=30,
    )
    created.raise_for_status()
    upload = created.json()
    url = f"{base}/api/v1/uploads/{upload['upload_id']}"
    numbers = list(range(1, upload["part_count"] + 1))

    def checksum(number: int) -> dict:
        data = read_part(path, number, upload["part_size"])
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        return {"part_number": number, "checksum_sha256": digest}

    def signed_batches(hashing):
        # Parts are signed a batch at a time (one call for as many parts as
        # are sent at once) as their hashes come in: hashing runs ahead of
        # sending, and Django sees few calls.
        for start in range(0, len(hashing), concurrency):
            batch = [done.result() for done in hashing[start : start + concurrency]]
            signed = api.post(f"{url}/part-urls/", json={"parts": batch}, timeout=30)
            signed.raise_for_status()
            parts.extend(batch)
            yield from signed.json()["parts"]

    def put(target: dict) -> None:
        data = read_part(path, target["part_number"], upload["part_size"])
        with requests.put(
            target["url"], data=data, headers=target["headers"], timeout=600
        ) as sent:
            sent.raise_for_status()

    parts: list[dict] = []
    with ThreadPoolExecutor(2) as hasher, ThreadPoolExecutor(concurrency) as pool:
        hashing = [hasher.submit(checksum, number) for number in numbers]
        for sent in [pool.submit(put, part) for part in signed_batches(hashing)]:
            sent.result()
    done = api.post(f"{url}/complete/", json={"parts": parts}, timeout=600)
    if not done.ok:
        sys.exit(f"complete: {done.status_code} {done.text}")
    elapsed = time.monotonic() - started
    assert done.json()["state"] in ("completed", "verifying"), done.text
    return elapsed


def with_boto3(
    s3, path: Path, part_size: int, concurrency: int, checksum: str = ""
) -> float:
    """Seconds for boto3's own multipart upload of ``path``."""
    config = TransferConfig(
        multipart_threshold=part_size,
        multipart_chunksize=part_size,
        max_concurrency=concurrency,
    )
    started = time.monotonic()
    extra = {"ChecksumAlgorithm": checksum} if checksum else {}
    s3.upload_file(
        str(path), SOURCES, "boto3/bench.bin", Config=config, ExtraArgs=extra
    )
    return time.monotonic() - started


def environment(tmp: Path, endpoint: str, part_size: int) -> dict:
    env = {**os.environ}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-secret-key-" + os.urandom(16).hex(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        VOD_VAR_DIR=str(tmp / "var"),
        DATABASE_URL=f"sqlite:///{tmp / 'var' / 'db.sqlite3'}",
        AWS_STORAGE_BUCKET_NAME=MEDIA,
        AWS_SOURCES_BUCKET_NAME=SOURCES,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
        UPLOAD_PART_SIZE=str(part_size),
        API_UPLOAD_THROTTLE_RATE="100000/min",
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return env


def run(args, tmp: Path, servers: list) -> None:
    part_size = args.part_mib * MIB
    size = args.size_mib * MIB
    moto_port = free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    moto = [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1"]
    servers.append(
        start(
            [*moto, "-p", str(moto_port)], {**os.environ}, tmp / "moto.log", moto_port
        )
    )
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    for bucket in (MEDIA, SOURCES):
        s3.create_bucket(Bucket=bucket)

    env = environment(tmp, endpoint, part_size)
    (tmp / "var").mkdir()
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", EDITOR)
    port = free_port()
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "vod.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={args.workers}",
        f"--threads={args.threads}",
    ]
    web = start(gunicorn, env, tmp / "gunicorn.log", port)
    servers.append(web)
    base = f"http://127.0.0.1:{port}"
    token = requests.post(
        f"{base}/api/v1/auth/token/",
        json={"email": EMAIL, "password": PASSWORD},
        timeout=30,
    )
    token.raise_for_status()
    token = token.json()["access"]

    path = tmp / "master.bin"
    make_file(path, size)
    print(
        f"{args.size_mib} MiB in parts of {args.part_mib} MiB, "
        f"{args.concurrency} at a time; gunicorn {args.workers} x {args.threads}"
    )

    # Warm-up: every gunicorn thread has likely served the upload calls, and
    # boto3 has its connections, before anything is timed.
    warm = tmp / "warm.bin"
    make_file(warm, 5 * MIB)
    for _ in range(2 * args.workers * args.threads):
        through_api(base, token, warm, args.concurrency)
    with_boto3(s3, warm, part_size, args.concurrency)

    web_cpu = cpu_seconds(web.pid)
    ours = through_api(base, token, path, args.concurrency)
    web_cpu = cpu_seconds(web.pid) - web_cpu
    theirs = with_boto3(s3, path, part_size, args.concurrency, "SHA256")
    default = with_boto3(s3, path, part_size, args.concurrency)

    gigabytes = size / 1e9
    ratio = theirs / ours
    share = (web_cpu / gigabytes) / ours
    for name, seconds in [
        ("through our API (SHA-256 parts)", ours),
        ("boto3, SHA-256 parts", theirs),
        ("boto3, its default checksums", default),
    ]:
        print(f"{name:32} {gigabytes / seconds * 1000:7.1f} MB/s ({seconds:.1f} s)")
    print(
        f"ratio: {ratio:.2f}x boto3's with the same checksums "
        f"(target >= {RATIO_TARGET}x: {'met' if ratio >= RATIO_TARGET else 'MISSED'}); "
        f"{default / ours:.2f}x its default"
    )
    print(
        f"web CPU: {web_cpu:.2f} s for {gigabytes:.2f} GB, {share:.2%} of the "
        f"upload's wall time per GB (target <= {CPU_SHARE_TARGET:.0%}: "
        f"{'met' if share <= CPU_SHARE_TARGET else 'MISSED'})"
    )
    print(
        json.dumps(
            {
                "ratio": round(ratio, 3),
                "ratio_to_default": round(default / ours, 3),
                "web_cpu_share": round(share, 5),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--size-mib", type=int, default=1024, help="the file's size")
    add("--part-mib", type=int, default=64, help="the part size (both clients)")
    add("--concurrency", type=int, default=4, help="parts in flight (both clients)")
    add("--workers", type=int, default=2, help="gunicorn processes")
    add("--threads", type=int, default=4, help="threads per gunicorn process")
    args = parser.parse_args()

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="vod-bench-upload-"))
    servers: list[subprocess.Popen] = []
    try:
        run(args, tmp, servers)
    finally:
        for process in reversed(servers):
            stop(process)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
