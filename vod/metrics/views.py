"""``GET /metrics``: Prometheus' scrape target, not for the public internet.

With ``METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer
<token>``. Without it, only clients at addresses not routable on the internet
(private, loopback, link-local) may scrape. Behind proxies
(``DJANGO_NUM_PROXIES``) the address they forward is the one checked
(``vod.client_address``), so a request through the public load balancer is not
taken for an internal one.
"""

import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from vod.api.errors import json_error
from vod.client_address import client_is_private

from .cluster import ClusterCollector

# Multiprocess mode has no _created series; without them the single-process
# (development) exposition has the same shape, at half the lines.
disable_created_metrics()


def metrics_token_sent(request) -> bool:
    """Whether ``METRICS_TOKEN`` is set and the request carries it as a bearer."""
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        sent.strip().encode(), token.encode()
    )


def scrape_allowed(request) -> bool:
    """A bearer token when one is configured, else a private client address."""
    if settings.METRICS_TOKEN:
        return metrics_token_sent(request)
    return client_is_private(request)


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
