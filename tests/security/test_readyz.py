"""``/readyz`` tells the internet whether the replica is ready, not why.

A failed check's exception text names hosts, ports, database users and
buckets. The load balancer and the cluster probe from inside the network, and
operators may send the metrics token: they get the details. Anyone else gets
the status and the names of what failed (DESIGN: 503 naming what failed).
"""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

READYZ = "/readyz"
BALANCER = "10.0.0.2"
# A real dependency down: a Redis cache nobody listens for.
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://vod_admin:hunter2@127.0.0.1:1/0",
    }
}


def _readyz(client, **meta):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        return client.get(READYZ, **meta)


def _assert_no_details(response):
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["cache"]
    assert "cache" in body["message"]
    assert body["checks"] == {
        "database": "ok",
        "cache": "failed",
        "broker": "ok",
        "storage": "ok",
    }
    text = response.content.decode()
    for secret in ("127.0.0.1", ":1", "Error", "refused", "vod_admin", "hunter2"):
        assert secret not in text


def test_a_public_caller_learns_what_failed_but_not_the_exception(client):
    _assert_no_details(_readyz(client, REMOTE_ADDR="93.184.216.34"))


def test_a_public_caller_through_the_balancer_gets_no_details(client, settings):
    settings.NUM_PROXIES = 1
    response = _readyz(
        client,
        REMOTE_ADDR=BALANCER,
        # A forged "inside" entry left of the one the balancer appended.
        HTTP_X_FORWARDED_FOR="10.0.0.7, 93.184.216.34",
    )
    _assert_no_details(response)


def test_a_wrong_metrics_token_gets_no_details(client, settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    response = _readyz(
        client, REMOTE_ADDR="93.184.216.34", HTTP_AUTHORIZATION="Bearer guess"
    )
    _assert_no_details(response)


def _assert_details(response):
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"].startswith("failed: ")
    assert "127.0.0.1:1" in body["checks"]["cache"]
    assert body["checks"]["database"] == "ok"


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.3.7", "::1"])
def test_a_caller_inside_the_network_sees_the_exception(client, address):
    _assert_details(_readyz(client, REMOTE_ADDR=address))


def test_the_balancer_probing_directly_sees_the_exception(client, settings):
    settings.NUM_PROXIES = 1
    _assert_details(_readyz(client, REMOTE_ADDR=BALANCER))


def test_the_metrics_token_shows_the_exception_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    response = _readyz(
        client,
        REMOTE_ADDR="93.184.216.34",
        HTTP_AUTHORIZATION="Bearer scrape-token-0123456789",
    )
    _assert_details(response)


def test_a_ready_replica_answers_the_public_200(client):
    response = client.get(READYZ, REMOTE_ADDR="93.184.216.34")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
    }
