"""The client's address behind proxies, and the sign-in lockout keyed on it.

Behind the load balancer every request comes from the balancer's address: a
lockout keyed on ``REMOTE_ADDR`` lets anyone lock an account's owner out
everywhere with five wrong passwords. Axes must key on the client the proxies
forward, and a client must not choose that address by sending its own
``X-Forwarded-For``.
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory
from vod.client_address import client_address, client_network, is_private_address

TOKEN = "/api/v1/auth/token/"
BALANCER = "10.0.0.2"
ATTACKER = "198.51.100.66"
OWNER = "203.0.113.5"


def _request(remote="10.0.0.2", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- The function ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No proxies: the header is the client's own words, ignored.
        (0, "203.0.113.5", "10.0.0.9", "203.0.113.5"),
        (0, "203.0.113.5", None, "203.0.113.5"),
        # One proxy: the entry it appended, whatever the client put before it.
        (1, BALANCER, "203.0.113.5", "203.0.113.5"),
        (1, BALANCER, "10.9.9.9, 203.0.113.5", "203.0.113.5"),
        (1, BALANCER, "1.1.1.1,2.2.2.2, 203.0.113.5", "203.0.113.5"),
        (1, BALANCER, "garbage,,, 203.0.113.5", "203.0.113.5"),
        # Two proxies (CDN, then balancer): the entry the CDN appended.
        (2, BALANCER, "10.9.9.9, 203.0.113.5, 130.176.0.1", "203.0.113.5"),
        # A chain shorter than the proxies skipped one: only the nearest entry,
        # never one further left that the client may have written.
        (3, BALANCER, "10.9.9.9, 203.0.113.5", "203.0.113.5"),
        # No header through the proxies: a probe from inside, REMOTE_ADDR.
        (1, BALANCER, None, BALANCER),
        (1, BALANCER, "", BALANCER),
        # A malformed entry where the client should be: the nearest valid one.
        (2, BALANCER, "10.9.9.9, not-an-ip, 130.176.0.1", "130.176.0.1"),
        (1, BALANCER, "10.9.9.9, not-an-ip", BALANCER),
        # One spelling per address, so keys cannot be varied by notation.
        (1, BALANCER, " ::ffff:203.0.113.5 ", "203.0.113.5"),
        (1, BALANCER, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_client_address_counts_the_proxies_from_the_right(
    settings, proxies, remote, forwarded, expected
):
    settings.NUM_PROXIES = proxies
    assert client_address(_request(remote, forwarded)) == expected


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
    ],
)
def test_client_network_is_the_address_or_an_ipv6_clients_64(
    settings, remote, expected
):
    settings.NUM_PROXIES = 0
    assert client_network(_request(remote)) == expected


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("10.1.2.3", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("100.64.0.1", True),
        ("93.184.216.34", False),
        ("2606:4700::1", False),
        ("", False),
        ("not-an-ip", False),
    ],
)
def test_is_private_address(address, private):
    assert is_private_address(address) is private


@pytest.mark.django_db
def test_a_forged_inside_address_does_not_open_metrics_through_the_balancer(
    client, settings
):
    settings.NUM_PROXIES = 1
    settings.METRICS_TOKEN = ""
    forged = client.get(
        "/metrics",
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR="10.0.0.5, 93.184.216.34",
    )
    inside = client.get(
        "/metrics", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="10.0.5.5"
    )

    assert forged.status_code == 403
    assert inside.status_code == 200


# --- The sign-in lockout behind a proxy -----------------------------------------------


@pytest.fixture
def owner(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NUM_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 5
    return UserFactory(with_profile=True)


def _via_balancer(client_ip: str, forged: str = "") -> dict:
    chain = f"{forged}, {client_ip}" if forged else client_ip
    return {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": chain}


def _api_sign_in(api_client, email, password, **meta):
    return api_client.post(
        TOKEN, {"email": email, "password": password}, format="json", **meta
    )


def _page_sign_in(client, email, password, **meta):
    data = {"username": email, "password": password}
    return client.post(reverse("accounts:login"), data, **meta)


def test_api_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(
    api_client, owner
):
    failures = [
        _api_sign_in(api_client, owner.email, f"guess-{n}", **_via_balancer(ATTACKER))
        for n in range(6)
    ]
    assert [r.status_code for r in failures] == [401] * 4 + [429] * 2

    mine = _api_sign_in(api_client, owner.email, PASSWORD, **_via_balancer(OWNER))

    assert mine.status_code == 200
    assert "access" in mine.json()


def test_page_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(
    client, owner
):
    failures = [
        _page_sign_in(client, owner.email, f"guess-{n}", **_via_balancer(ATTACKER))
        for n in range(6)
    ]
    assert failures[-1].status_code == 429

    mine = _page_sign_in(client, owner.email, PASSWORD, **_via_balancer(OWNER))

    assert mine.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_forged_forwarded_for_does_not_escape_the_lockout(api_client, owner):
    for n in range(5):
        forged = f"192.0.2.{n}"  # a new "address" each try, written by the client
        _api_sign_in(
            api_client, owner.email, f"guess-{n}", **_via_balancer(ATTACKER, forged)
        )

    again = _api_sign_in(
        api_client, owner.email, PASSWORD, **_via_balancer(ATTACKER, "192.0.2.99")
    )

    assert again.status_code == 429
    assert again.json()["error"]["code"] == "locked_out"


def test_without_proxies_the_forwarded_for_is_ignored_by_the_lockout(
    api_client, owner, settings
):
    settings.NUM_PROXIES = 0
    for n in range(5):
        _api_sign_in(
            api_client,
            owner.email,
            f"guess-{n}",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    again = _api_sign_in(
        api_client,
        owner.email,
        PASSWORD,
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR=OWNER,
    )

    assert again.status_code == 429


def test_a_fresh_ipv6_address_per_try_does_not_escape_the_lockout(api_client, owner):
    # One subscriber's /64 holds 2**64 addresses: one per guess is easy.
    for n in range(5):
        _api_sign_in(
            api_client, owner.email, f"guess-{n}", **_via_balancer(f"2001:db8:7:7::{n}")
        )

    again = _api_sign_in(
        api_client, owner.email, PASSWORD, **_via_balancer("2001:db8:7:7::99")
    )
    elsewhere = _api_sign_in(
        api_client, owner.email, PASSWORD, **_via_balancer("2001:db8:7:8::1")
    )

    assert again.status_code == 429
    assert elsewhere.status_code == 200
