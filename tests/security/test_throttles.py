"""Address-keyed throttles cannot be escaped with a forged X-Forwarded-For.

The anonymous API rate and the sign-in (``auth``) rate count per client
address. Without proxies the header is the client's own words; with proxies
only the entries they appended count. Either way, a new made-up address per
request must not buy a new budget.
"""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db

TITLES = "/api/v1/titles/"
TOKEN = "/api/v1/auth/token/"
BALANCER = "10.0.0.2"


@pytest.fixture
def rates(monkeypatch):
    """Three a minute for anonymous and sign-in calls, inside one window."""
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min", "auth": "3/min"}
    # DRF copies the rates into the throttle classes on import.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr("vod.api.throttling.time.time", lambda: 60 * 1000 + 10.0)
    monkeypatch.setattr(
        "rest_framework.throttling.SimpleRateThrottle.timer",
        lambda self: 60 * 1000 + 10.0,
    )


def _error(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


def test_without_proxies_a_forged_forwarded_for_does_not_escape_the_anon_rate(
    api_client, rates, settings
):
    settings.NUM_PROXIES = 0
    TitleFactory()

    statuses = [
        api_client.get(
            TITLES, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        ).status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


def test_behind_a_proxy_the_anon_rate_counts_the_forwarded_client(
    api_client, rates, settings
):
    settings.NUM_PROXIES = 1
    TitleFactory()

    def get(client_ip, forged):
        return api_client.get(
            TITLES,
            REMOTE_ADDR=BALANCER,
            HTTP_X_FORWARDED_FOR=f"{forged}, {client_ip}",
        )

    statuses = [get("198.51.100.7", f"192.0.2.{n}").status_code for n in range(4)]
    someone_else = get("198.51.100.8", "192.0.2.1")

    assert statuses == [200, 200, 200, 429]
    assert _error(get("198.51.100.7", "10.0.0.1"))["code"] == "throttled"
    # The balancer's address is not one budget shared by every visitor.
    assert someone_else.status_code == 200


def test_a_forged_forwarded_for_does_not_escape_the_sign_in_rate(
    api_client, rates, settings
):
    settings.NUM_PROXIES = 0

    statuses = [
        api_client.post(
            TOKEN,
            {"email": f"nobody{n}@example.com", "password": "x"},
            format="json",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_behind_a_proxy_the_sign_in_rate_counts_the_forwarded_client(
    api_client, rates, settings
):
    settings.NUM_PROXIES = 1

    def sign_in(n, client_ip):
        return api_client.post(
            TOKEN,
            {"email": f"nobody{n}@example.com", "password": "x"},
            format="json",
            REMOTE_ADDR=BALANCER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {client_ip}",
        )

    statuses = [sign_in(n, "198.51.100.7").status_code for n in range(4)]

    assert statuses == [401, 401, 401, 429]
    assert sign_in(9, "198.51.100.8").status_code == 401


def test_a_fresh_ipv6_address_per_request_does_not_escape_the_anon_rate(
    api_client, rates, settings
):
    settings.NUM_PROXIES = 1
    TitleFactory()

    def get(client_ip):
        return api_client.get(
            TITLES, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=client_ip
        )

    statuses = [get(f"2001:db8:5:5::{n:x}").status_code for n in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert get("2001:db8:5:6::1").status_code == 200  # another subscriber
