"""The address of the client behind the proxies, for everything keyed on it.

Behind a load balancer (or a CDN and a load balancer) ``REMOTE_ADDR`` is the
nearest proxy, the same for every visitor. Each proxy appends the address it
received the request from to ``X-Forwarded-For``, so with ``NUM_PROXIES``
proxies (``DJANGO_NUM_PROXIES``) the client is the entry that many hops from
the right. Everything left of it was written by the client and is never
trusted: a client cannot pick its address (and so escape a lockout or a
throttle, or pass for an internal caller) by sending its own header.

The metrics guard and ``/readyz`` use :func:`client_address`. What counts
attempts (django-axes' ``AXES_CLIENT_IP_CALLABLE``, the API throttles) uses
:func:`client_network`: the same address, but for IPv6 its /64, which a
subscriber holds whole and can draw a fresh address from for every request.
"""

import functools
import ipaddress

from django.conf import settings


def _canonical(text: str) -> str | None:
    """``text`` as one canonical IP address, or None when it is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_address(request) -> str:
    """The client's IP address: ``REMOTE_ADDR`` with no proxies, else the
    ``X-Forwarded-For`` entry ``NUM_PROXIES`` hops from the right."""
    return _address_of(*_sources(request))


def _sources(request) -> tuple[str, str, int]:
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or ""
    return remote, meta.get("HTTP_X_FORWARDED_FOR", ""), settings.NUM_PROXIES


def _address_of(remote: str, forwarded: str, proxies: int) -> str:
    if not proxies or not forwarded:
        # Not through the proxies (a probe from inside the network), or none.
        return _canonical(remote) or remote
    hops = forwarded.split(",")
    nearest = _canonical(hops[-1])  # written by the proxy next to us
    if len(hops) < proxies:
        # Shorter than the proxies we have: it skipped some, so the entries
        # further left may be the client's own. Only the nearest is known.
        return nearest or _canonical(remote) or remote
    chosen = _canonical(hops[-proxies])
    return chosen or nearest or _canonical(remote) or remote


# What one IPv6 subscriber (a home, a phone, a server) is given at least.
IPV6_CLIENT_PREFIX = 64


def client_network(request) -> str:
    """What to count a client's requests and failed sign-ins by: its address,
    or for IPv6 the first address of its /64."""
    return _network_of(*_sources(request))


# Every anonymous API request is counted by it: parsing the addresses again
# for each one cost about 7 µs, of the 200 of a cached catalog read.
@functools.lru_cache(maxsize=4096)
def _network_of(remote: str, forwarded: str, proxies: int) -> str:
    address = _address_of(remote, forwarded, proxies)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return address
    network = ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False)
    return str(network.network_address)


def is_private_address(address: str) -> bool:
    """Whether ``address`` is not routable from the internet (private, loopback,
    link-local, carrier-grade NAT); an unparsable address is not private."""
    canonical = _canonical(address)
    return canonical is not None and not ipaddress.ip_address(canonical).is_global


def client_is_private(request) -> bool:
    """Whether the request comes from inside the network, by its client address."""
    return is_private_address(client_address(request))
