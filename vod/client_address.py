"""The client's address as seen past the proxies in front (DJANGO_NUM_PROXIES)."""

from django.conf import settings


def client_address(request) -> str:
    """The X-Forwarded-For entry DJANGO_NUM_PROXIES hops from the right, else
    REMOTE_ADDR."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")
