"""The cluster test's edges: nginx as the load balancer and as the CDN caches,
from the committed configs, and the key pair whose signatures the caches check.
"""

# A test harness like tests/: its own commands.
# ruff: noqa: S603

import os
import subprocess
from pathlib import Path

from cluster import ROOT, Cluster
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

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
    """An nginx serving ``site`` as ``name``, after ``nginx -t`` accepts it."""
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
    """deploy/nginx/lb.conf in front of the two local replicas."""
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
    """deploy/nginx/cdn-cache.conf in front of the local S3 server and verifier."""
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
