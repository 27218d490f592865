"""``GET /metrics``: Prometheus' scrape target, not for the public internet.

With ``METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer
<token>``. Without it, only clients at addresses not routable on the internet
(private, loopback, link-local) may scrape. Behind proxies
(``DJANGO_NUM_PROXIES``) the address they forward is the one checked, so a
request through the public load balancer is not taken for an internal one.
"""

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from vod.api.errors import json_error

from .cluster import ClusterCollector

# Multiprocess mode has no _created series; without them the single-process
# (development) exposition has the same shape, at half the lines.
disable_created_metrics()


def client_address(request) -> str:
    """The client's address, past as many proxies as DJANGO_NUM_PROXIES says."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def scrape_allowed(request) -> bool:
    """A bearer token when one is configured, else a private client address."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            sent.strip().encode(), token.encode()
        )
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    # Private, loopback, link-local and carrier-grade NAT ranges: not routable
    # from the internet.
    return not address.is_global


class _Combined:
    """Several collectors as one registry, for one exposition."""

    def __init__(self, *collectors):
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every gunicorn worker's files: the whole replica, whichever worker
        # answers.
        process_metrics = CollectorRegistry()
        MultiProcessCollector(process_metrics)
    else:
        process_metrics = REGISTRY
    return _Combined(process_metrics, ClusterCollector())


@never_cache
@require_GET
def metrics(request):
    """Process and cluster-wide metrics in Prometheus' text format."""
    if not scrape_allowed(request):
        return json_error(
            status=403,
            code="forbidden",
            message="Metrics are for the monitoring system only.",
        )
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(_registry()), content_type=content_type)
