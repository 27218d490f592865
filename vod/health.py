"""Liveness and readiness probes for the load balancer and the cluster."""

import logging
import os
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.urls import resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vod.client_address import client_is_private
from vod.metrics.views import metrics_token_sent

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def healthz(request):
    """Alive: the process answers. Checks nothing else, so it stays cheap."""
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("a value written to the cache could not be read back")
    cache.delete(key)


def check_broker() -> None:
    from vod.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)


MEDIA_STORAGES = ("default", "videos")


def check_storage() -> None:
    """Each media store answers: an S3 bucket to one HEAD (cheap, and no write
    per probe), a local folder to a file written and found again."""
    checked = set()
    for alias in MEDIA_STORAGES:
        storage = storages[alias]
        ping = getattr(storage, "ping", None)
        where = (
            (storage.endpoint_url, storage.bucket_name)
            if ping is not None
            else getattr(storage, "location", alias)
        )
        if where in checked:
            continue
        checked.add(where)
        if ping is not None:
            ping()
        else:
            _check_writable(storage)


def _check_writable(storage) -> None:
    name = storage.save(f"healthchecks/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        if not storage.exists(name):
            raise RuntimeError("a file written to storage could not be found")
    finally:
        storage.delete(name)


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def draining() -> bool:
    """The server was told to stop (gunicorn.conf.py marks it on SIGTERM)."""
    flag = os.environ.get("VOD_DRAINING_FLAG")
    return bool(flag) and os.path.exists(flag)


def may_see_details(request) -> bool:
    """Exception texts name hosts, users and buckets: only a caller inside the
    network (by its address past the proxies) or with the metrics token sees
    them; the internet gets the status and the names of what failed."""
    return client_is_private(request) or metrics_token_sent(request)


@never_cache
@require_GET
def readyz(request):
    """Ready: database, cache, broker and storage answer; 503 names what failed."""
    if draining():
        body = {"status": "draining", "message": "Shutting down: send no new work."}
        return JsonResponse(body, status=503)
    results, failed = {}, []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a dependency makes us unready
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
            failed.append(name)
        else:
            results[name] = "ok"
    if failed and not may_see_details(request):
        results = {name: "failed" if name in failed else "ok" for name in results}
    if failed:
        body = {
            "status": "unavailable",
            "failed": failed,
            "message": f"Not ready: {', '.join(failed)} unreachable.",
            "checks": results,
        }
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": results})


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers ``/healthz`` and ``/readyz`` before the host check and the HTTPS
    redirect: load balancers and kubelets probe a replica by its address, a
    Host that ``ALLOWED_HOSTS`` rightly refuses for everything else, and over
    plain HTTP behind TLS termination."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is None:
            return self.get_response(request)
        request.resolver_match = resolve(request.path_info)  # for the metrics
        return view(request)
