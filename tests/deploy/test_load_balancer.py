"""The load balancer's body limits, checked by running the committed config.

nginx used to take 20 GB bodies on every path, unbuffered, straight to the
sync gunicorn workers, unauthenticated admin pages included; later only on the
two routes that took a source in one request. Now sources go straight to the
bucket (direct uploads, the admin's Uppy) and bodies are small everywhere but
the artwork forms.
deploy/nginx/lb.conf runs here in a real nginx in front of a stub replica that
counts what reaches it; deploy/compose/lb.conf (which needs Docker's resolver)
is read with a small parser and must keep the same locations.
"""

import http.client
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .commands import ROOT
from .nginx import free_port, nginx_serving

MiB = 1024 * 1024
SOURCE_UUID = str(uuid.uuid4())
SMALL_LIMIT = 2 * MiB
ARTWORK_LIMIT = 24 * MiB
# The routes that took a whole source in one request, before direct uploads.
FORMER_UPLOAD_PATHS = [
    f"/api/v1/videos/{SOURCE_UUID}/source/",
    "/admin/catalog/video/add/",
    "/admin/catalog/video/12/change/",
]
SMALL_PATHS = [
    f"/api/v1/videos/{SOURCE_UUID}/source/",
    "/api/v1/uploads/",
    f"/api/v1/uploads/{SOURCE_UUID}/part-urls/",
    "/admin/login/",
    "/accounts/login/",
    "/api/v1/auth/token/",
    "/api/v1/playback/sessions/",
    f"/api/v1/videos/{SOURCE_UUID}/text-tracks/",
    "/api/v1/videos/not-a-uuid/source/",
    f"/api/v1/videos/{SOURCE_UUID}/source/extra",
    # Dot segments and encodings are resolved before locations are matched.
    f"/api/v1/videos/{SOURCE_UUID}/source/../../../../../admin/login/",
    "/admin/catalog/video/add/%2e%2e/%2e%2e/%2e%2e/login/",
]
ARTWORK_PATHS = ["/admin/catalog/title/add/", "/admin/catalog/person/3/change/"]


# --- A minimal reader of nginx configs: directives and blocks -------------------------


def _tokens(text: str) -> list[str]:
    text = re.sub(r"#[^\n]*", "", text)
    return re.findall(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};]+', text)


def parse(text: str) -> list:
    """[(name, args, children or None)], as nginx reads the file."""

    def block(tokens, position):
        items, words = [], []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                items.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                children, position = block(tokens, position)
                items.append((words[0], words[1:], children))
                words = []
            elif token == "}":
                return items, position
            else:
                words.append(token)
        return items, position

    return block(_tokens(text), 0)[0]


def _server(config: list) -> list:
    (server,) = [children for name, _, children in config if name == "server"]
    return server


def _directive(block: list, name: str) -> list[str] | None:
    found = [args for item, args, _ in block if item == name]
    return found[-1] if found else None


def _locations(server: list) -> dict[str, list]:
    return {
        " ".join(args): children
        for name, args, children in server
        if name == "location"
    }


@pytest.mark.parametrize("path", ["deploy/nginx/lb.conf", "deploy/compose/lb.conf"])
def test_bodies_are_small_except_on_artwork_forms(path):
    server = _server(parse((ROOT / path).read_text()))

    assert _directive(server, "client_max_body_size") == ["2m"]
    assert _directive(server, "proxy_request_buffering") is None
    for other, children in _locations(server).items():
        assert not other.startswith("~"), f"no route of its own for big bodies: {other}"
        assert _directive(children, "client_max_body_size") in (None, ["24m"])
        assert _directive(children, "proxy_request_buffering") is None, other
    assert _directive(
        _locations(server)["/admin/catalog/"], "client_max_body_size"
    ) == ["24m"]


@pytest.mark.parametrize("path", ["deploy/nginx/lb.conf", "deploy/compose/lb.conf"])
def test_the_balancers_413_under_the_api_is_the_apis_json_error(path):
    server = _server(parse((ROOT / path).read_text()))
    locations = _locations(server)

    assert _directive(locations["/api/"], "error_page") == ["413", "@api_too_large"]
    answer = locations["@api_too_large"]
    assert _directive(answer, "default_type") == ["application/json"]
    status, body = _directive(answer, "return")
    assert status == "413"
    assert json.loads(body.strip("'")) == {
        "error": {
            "status": 413,
            "code": "too_large",
            "message": "The request body is too large.",
        }
    }


def test_the_artwork_limit_fits_two_images_and_matches_django():
    from django.conf import settings

    assert 2 * settings.ARTWORK_MAX_UPLOAD_BYTES < ARTWORK_LIMIT
    assert settings.REQUEST_BODY_MAX_BYTES == ARTWORK_LIMIT


# --- The real thing: nginx with the committed lb.conf ------------------------------------


class Replica(ThreadingHTTPServer):
    """A stub web replica: reads each body and remembers (path, bytes)."""

    daemon_threads = True

    def __init__(self):
        self.seen: list[tuple[str, int]] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(handler):
                length = int(handler.headers.get("Content-Length") or 0)
                received = 0
                while received < length:
                    chunk = handler.rfile.read(min(MiB, length - received))
                    if not chunk:
                        break
                    received += len(chunk)
                self.seen.append((handler.path, received))
                handler.send_response(200)
                handler.send_header("Content-Length", "0")
                handler.end_headers()

            do_PUT = do_POST

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture(scope="module")
def balancer(tmp_path_factory):
    replica = Replica()
    threading.Thread(target=replica.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("lb")
    port = free_port()
    replacements = {
        "    server 10.0.1.11:8000 max_fails=2 fail_timeout=10s;\n": (
            f"    server 127.0.0.1:{replica.server_port};\n"
        ),
        "    server 10.0.1.12:8000 max_fails=2 fail_timeout=10s;\n": "",
        "    listen 80;": f"    listen 127.0.0.1:{port};",
        "/var/log/nginx/vod-lb.access.log": str(folder / "access.log"),
    }
    try:
        with nginx_serving("deploy/nginx/lb.conf", folder, replacements, port):
            yield port, replica
    finally:
        replica.shutdown()


def _send(port: int, method: str, path: str, size: int) -> int:
    """The status nginx answers for a body of ``size`` bytes."""
    return _answer(port, method, path, size)[0]


def _answer(
    port: int, method: str, path: str, size: int, *, declared: int | None = None
) -> tuple[int, str, bytes]:
    """Status, Content-Type and body of nginx's answer to ``size`` bytes sent
    after a Content-Length of ``declared`` (default: ``size``)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.putheader(
            "Content-Length", str(size if declared is None else declared)
        )
        connection.putheader("Content-Type", "application/octet-stream")
        connection.endheaders()
        block, sent = b"\0" * MiB, 0
        try:
            while sent < size:
                connection.send(block[: min(MiB, size - sent)])
                sent += min(MiB, size - sent)
        except (BrokenPipeError, ConnectionResetError):
            pass  # nginx answered 413 and closed without reading the rest
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", SMALL_PATHS)
def test_a_body_over_two_megabytes_is_refused_at_the_balancer(balancer, path):
    port, replica = balancer

    assert _send(port, "POST", path, SMALL_LIMIT + 1) == 413
    assert path not in [seen for seen, _ in replica.seen]


@pytest.mark.parametrize("path", ARTWORK_PATHS)
def test_artwork_forms_take_their_images_and_no_more(balancer, path):
    port, replica = balancer

    assert _send(port, "POST", path, 20 * MiB) == 200
    assert (path, 20 * MiB) in replica.seen
    assert _send(port, "POST", path, ARTWORK_LIMIT + 1) == 413


@pytest.mark.parametrize("path", FORMER_UPLOAD_PATHS)
def test_no_route_takes_a_source_in_one_request_any_more(balancer, path):
    port, replica = balancer
    limit = ARTWORK_LIMIT if path.startswith("/admin/") else SMALL_LIMIT

    assert _send(port, "PUT", path, limit + 1) == 413
    assert path not in [seen for seen, _ in replica.seen]


@pytest.mark.parametrize(
    ("path", "declared"),
    # (Dot segments are resolved first: those paths leave /api/.)
    [
        (p, SMALL_LIMIT + 1)
        for p in SMALL_PATHS
        if p.startswith("/api/") and ".." not in p
    ]
    + [(FORMER_UPLOAD_PATHS[0], 21 * 1024**3)],
)
def test_the_api_gets_its_json_error_for_a_body_over_the_balancers_cap(
    balancer, path, declared
):
    # As every API error: the client's code reads error.code, not an HTML page.
    port, replica = balancer
    before = len(replica.seen)

    status, content_type, body = _answer(port, "POST", path, 0, declared=declared)

    assert status == 413
    assert content_type == "application/json"
    assert json.loads(body)["error"] == {
        "status": 413,
        "code": "too_large",
        "message": "The request body is too large.",
    }
    assert len(replica.seen) == before


def test_elsewhere_the_balancers_413_stays_a_page(balancer):
    port, _ = balancer

    status, content_type, _ = _answer(
        port, "POST", "/accounts/login/", 0, declared=SMALL_LIMIT + 1
    )

    assert (status, content_type) == (413, "text/html")
