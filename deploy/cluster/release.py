"""What the cluster test puts in: the release (migrations, static files, accounts
and a draft title), then a source uploaded straight to the bucket through the
editors' direct upload API, transcoded and published.
"""

# A test harness like tests/: its own commands.
# ruff: noqa: S603

import base64
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import imageio_ffmpeg
import requests
from cluster import ROOT, log, wait_until
from scenario import LOAD_THREADS, PASSWORD, SOURCE_SECONDS

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


def manage(env: dict, *args: str, timeout: int = 300) -> str:
    """The output of ``manage.py *args`` run with ``env``; AssertionError if it fails."""
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


def release(env: dict) -> dict:
    """Migrate, collect static files, make the accounts and the draft title."""
    log("release: migrate, collectstatic; accounts and a draft title")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    return json.loads(
        manage(
            env,
            "shell",
            "-c",
            ACCOUNTS_SCRIPT.format(password=PASSWORD, viewers=LOAD_THREADS + 1),
        )
        .strip()
        .splitlines()[-1]
    )


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


def token(base: str, email: str) -> str:
    """An API access token for ``email``."""
    response = requests.post(
        f"{base}/api/v1/auth/token/",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


def upload_direct(editor: requests.Session, base: str, uuid: str, source: Path):
    """The source's parts straight to the bucket: the balancer and the web
    replicas take small bodies only, and carry none of the bytes."""
    data = source.read_bytes()
    created = editor.post(
        f"{base}/api/v1/uploads/",
        json={
            "file_name": source.name,
            "size": len(data),
            "content_type": "video/mp4",
            "sha256": hashlib.sha256(data).hexdigest(),
            "video": uuid,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    upload = created.json()
    url, size = f"{base}/api/v1/uploads/{upload['upload_id']}", upload["part_size"]
    parts = [
        {
            "part_number": n + 1,
            "checksum_sha256": base64.b64encode(
                hashlib.sha256(data[n * size : (n + 1) * size]).digest()
            ).decode(),
        }
        for n in range(upload["part_count"])
    ]
    signed = editor.post(f"{url}/part-urls/", json={"parts": parts}, timeout=10)
    assert signed.status_code == 200, signed.text
    for part in signed.json()["parts"]:
        n = part["part_number"] - 1
        sent = requests.put(
            part["url"],
            data=data[n * size : (n + 1) * size],
            headers=part["headers"],
            timeout=120,
        )
        assert sent.status_code == 200, sent.text
    done = editor.post(f"{url}/complete/", json={"parts": parts}, timeout=60)
    assert done.status_code in (200, 202), done.text


def ingest(base: str, title_id: int, source: Path) -> dict:
    """Through the editors' REST API and a direct upload, as an editor's tool would."""
    editor = requests.Session()
    editor.headers["Authorization"] = f"Bearer {token(base, 'editor@cluster.test')}"
    created = editor.post(f"{base}/api/v1/videos/", json={"title_id": title_id})
    assert created.status_code == 201, created.text
    uuid = created.json()["uuid"]
    upload_direct(editor, base, uuid, source)

    def ready():
        video = editor.get(f"{base}/api/v1/videos/{uuid}/", timeout=10).json()
        assert video["status"] != "failed", video
        return video if video["status"] == "ready" else None

    return wait_until(ready, "the transcode", timeout=240, every=1)


def ingest_and_publish(folder: Path, env: dict, lb: str, title_id: int) -> None:
    """Make a source, ingest it through the load balancer, publish the title."""
    source = folder / "source.mp4"
    make_source(source)
    started = time.monotonic()
    video = ingest(lb, title_id, source)
    log(
        f"uploaded straight to the bucket and transcoded in "
        f"{time.monotonic() - started:.1f}s: {len(video['renditions'])} rungs"
    )
    manage(env, "shell", "-c", PUBLISH_SCRIPT)
