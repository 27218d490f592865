"""deploy/nginx/cdn-cache.conf in a real nginx: the URL it asks the signature
verifier to check is the one the player asked for, scheme included.

A CloudFront policy's resource starts with the scheme (``https://cdn/...``).
Where TLS ends in a load balancer in front of the edge, nginx itself sees
http; it must take the scheme from that proxy's ``X-Forwarded-Proto``, or
every https policy would be refused. Here a stub verifier records the URL it
is asked about and a stub bucket serves every object.
"""

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .nginx import free_port, nginx_serving


class Stub(ThreadingHTTPServer):
    """Answers 200 to every GET; remembers each request's X-Original-URL."""

    daemon_threads = True

    def __init__(self):
        self.asked: list[str | None] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(handler):
                self.asked.append(handler.headers.get("X-Original-URL"))
                handler.send_response(200)
                handler.send_header("Content-Length", "2")
                handler.end_headers()
                handler.wfile.write(b"ok")

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    verifier, bucket = Stub(), Stub()
    for stub in (verifier, bucket):
        threading.Thread(target=stub.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("cdn")
    port = free_port()
    replacements = {
        "/var/cache/nginx/vod-cdn": str(folder / "cache"),
        "server 127.0.0.1:9180;": f"server 127.0.0.1:{verifier.server_port};",
        "server s3.us-east-1.amazonaws.com:80;": (
            f"server 127.0.0.1:{bucket.server_port};"
        ),
        "    listen 80;": f"    listen 127.0.0.1:{port};",
    }
    try:
        with nginx_serving("deploy/nginx/cdn-cache.conf", folder, replacements, port):
            yield port, verifier
    finally:
        verifier.shutdown()
        bucket.shutdown()


def _asked_about(edge, path: str, **headers) -> str | None:
    """The URL the edge asked the verifier to check for a GET of ``path``."""
    port, verifier = edge
    verifier.asked.clear()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "cdn.example", **headers})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 200
    return verifier.asked[0]


QUERY = "?Policy=p&Signature=s&Key-Pair-Id=k"


def test_behind_a_tls_proxy_the_verifier_checks_the_https_url(edge):
    asked = _asked_about(
        edge, f"/videos/v/r/seg-1-00001.m4s{QUERY}", **{"X-Forwarded-Proto": "https"}
    )

    assert asked == f"https://cdn.example/videos/v/r/seg-1-00001.m4s{QUERY}"


@pytest.mark.parametrize("claimed", [None, "gopher", "https://evil"])
def test_without_a_known_forwarded_scheme_the_edge_uses_its_own(edge, claimed):
    headers = {} if claimed is None else {"X-Forwarded-Proto": claimed}

    asked = _asked_about(edge, f"/videos/v/r/seg-1-00002.m4s{QUERY}", **headers)

    assert asked == f"http://cdn.example/videos/v/r/seg-1-00002.m4s{QUERY}"


def _get(edge, path: str) -> http.client.HTTPResponse:
    port, _ = edge
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "cdn.example"})
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def test_cmcd_in_the_query_is_checked_but_not_part_of_the_cache_key(edge):
    """Every session's CMCD differs: one cached object for all of them."""
    _, verifier = edge
    verifier.asked.clear()
    path = "/videos/v/r/seg-1-00003.m4s"
    first = _get(edge, f"{path}?CMCD=sid%3D%22s-1%22{QUERY.replace('?', '&')}")
    second = _get(edge, f"{path}?CMCD=sid%3D%22s-2%22{QUERY.replace('?', '&')}")

    assert (first.status, second.status) == (200, 200)
    assert first.getheader("X-Cache-Status") == "MISS"
    assert second.getheader("X-Cache-Status") == "HIT"
    # The signature check still sees the whole URL, CMCD included.
    assert verifier.asked[1] == (
        f"http://cdn.example{path}?CMCD=sid%3D%22s-2%22{QUERY.replace('?', '&')}"
    )


def test_a_cmcd_preflight_is_answered_without_asking_the_verifier(edge):
    """The player sends CMCD in headers on query-signed URLs: the browser's
    preflight must pass, or no segment loads (it carries no signature check's
    worth: no credential, no byte)."""
    port, verifier = edge
    verifier.asked.clear()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "OPTIONS",
            f"/videos/v/r/seg-1-00004.m4s{QUERY}",
            headers={
                "Host": "cdn.example",
                "Origin": "https://www.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "cmcd-object,cmcd-session",
            },
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()

    assert response.status == 204
    assert body == b""
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    allowed = {
        name.strip().lower()
        for name in response.getheader("Access-Control-Allow-Headers").split(",")
    }
    assert {"cmcd-request", "cmcd-object", "cmcd-session", "cmcd-status"} <= allowed
    assert verifier.asked == []
