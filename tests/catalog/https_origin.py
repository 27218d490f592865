"""A real HTTPS server on loopback, for the worker's fetch of https:// sources.

Its certificate is made here, self-signed for ``localhost``; tests trust it
through INGEST_URL_CA_BUNDLE and allow ``localhost`` through the test-only
INGEST_URL_ALLOW_PRIVATE_HOSTS. Each path behaves as a real origin might: serve
a file with Range support, ignore Range, drop the connection mid-body, send no
length, redirect, or hang.
"""

import datetime
import ipaddress
import re
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for localhost and 127.0.0.1, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "origin.pem", folder / "origin.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Origin:
    """The server: ``files`` by path, and what it was asked (path, Range)."""

    def __init__(self, folder: Path):
        self.cert, key = self_signed_certificate(folder)
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.drop_first: dict[str, int] = {}  # path -> bytes sent before hanging up
        self.ignore_range: set[str] = set()
        self.no_length: set[str] = set()
        self.hanging: set[str] = set()
        self.etags: dict[str, str] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.released = threading.Event()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                """Quiet: tests read what was asked from ``origin.requests``."""

            def do_GET(self) -> None:
                origin.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "localhost") -> str:
        return f"https://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        wanted = request.headers.get("Range")
        self.requests.append((path, wanted))
        if path in self.hanging:
            self.released.wait(timeout=60)  # says nothing until the test ends
            return
        if path in self.redirects:
            request.send_response(302)
            request.send_header("Location", self.redirects[path])
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if path not in self.files:
            request.send_error(404)
            return
        data, start = self.files[path], 0
        match = re.fullmatch(r"bytes=(\d+)-", wanted or "")
        if match and int(match[1]) >= len(data):
            request.send_response(416)
            request.send_header("Content-Range", f"bytes */{len(data)}")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        etag = self.etags.get(path)
        if_range = request.headers.get("If-Range")
        if match and if_range and if_range != etag:
            match = None  # changed since: all of the new file, as RFC 9110 says
        if match and path not in self.ignore_range:
            start = int(match[1])
            request.send_response(206)
            request.send_header(
                "Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}"
            )
        else:
            request.send_response(200)
        if etag:
            request.send_header("ETag", etag)
        body = data[start:]
        if path not in self.no_length:
            request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if self.drop_first.get(path):
            cut = self.drop_first.pop(path)
            request.wfile.write(body[:cut])
            request.wfile.flush()
            request.close_connection = True
            return
        request.wfile.write(body)
