"""Run one of the project's nginx site files in a real nginx, for a test.

The site file is read from the repository, each ``replacements`` key (which
must appear exactly once) swapped for its value, and served on a free
loopback port from a folder of the test's own.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .commands import ROOT

NGINX_MAIN = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_binary(site: str) -> str:
    """nginx's path; without it the test fails in CI and the service-backed
    run (which install it), and is skipped elsewhere."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        message = f"nginx is needed to run {site}"
        if (
            os.environ.get("CI") == "true"
            or os.environ.get("VOD_EXPECT_SERVICES") == "1"
        ):
            pytest.fail(message)
        pytest.skip(message)
    return nginx


@contextlib.contextmanager
def nginx_serving(
    site: str, folder: Path, replacements: dict[str, str], port: int
) -> Iterator[None]:
    """Serve ``site`` (a path under the repository) with ``replacements``
    made, from ``folder``, until the block ends; its ``listen`` is on ``port``."""
    nginx = nginx_binary(site)
    text = (ROOT / site).read_text()
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (folder / "site.conf").write_text(text)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(user=user, dir=folder))
    command = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"])
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
