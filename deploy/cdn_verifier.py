"""Checks a CloudFront-signed URL as CloudFront does, for an nginx edge.

A self-run CDN edge (deploy/nginx/cdn-cache.conf) asks it, with nginx's
``auth_request``, about every media request before serving a byte, cached or
not: nginx passes the URL the viewer asked for in ``X-Original-URL``, and this
answers 204 when the signature is good (the project's public key and key pair
ID), the policy has not expired and its resource covers the URL (CloudFront's
wildcards), else 403. It is what makes the stand-in refuse what CloudFront
refuses: a rung over the plan, a stored manifest, another video, an expired
grant.

    python deploy/cdn_verifier.py --port 9180 \\
        --public-key cloudfront-public.pem --key-pair-id K2JCJMDEHXQW5F

It needs no database nor Django settings: only the verifying function.
"""

import argparse
import socketserver
import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playback.delivery.cloudfront import cloudfront_url_verify  # noqa: E402
from playback.delivery.signing import InvalidGrant  # noqa: E402


def verifier_app(public_key, key_pair_id: str):
    """A WSGI app: 204 for a URL the key pair's policies cover now, else 403."""

    def app(environ, start_response):
        url = environ.get("HTTP_X_ORIGINAL_URL", "")
        try:
            cloudfront_url_verify(url, public_key=public_key, key_pair_id=key_pair_id)
        except InvalidGrant as refused:
            start_response("403 Forbidden", [("X-Refused", refused.code)])
            return [b""]
        start_response("204 No Content", [])
        return [b""]

    return app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base's name)
        pass


class _Threaded(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9180)
    parser.add_argument("--public-key", required=True, help="PEM file")
    parser.add_argument("--key-pair-id", required=True)
    args = parser.parse_args()
    key = serialization.load_pem_public_key(Path(args.public_key).read_bytes())
    app = verifier_app(key, args.key_pair_id)
    with make_server(
        args.host, args.port, app, server_class=_Threaded, handler_class=_Quiet
    ) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
