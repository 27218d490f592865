"""Hourly limits on the requests that make the site send an email.

Sign-up, password reset, a new verification link and an address change each
email someone. Without a limit anyone could mail-bomb any address through them,
so each request is counted against the address it would email and the client
address asking (past the proxies, an IPv6 client by its /64:
``vod.client_address.client_network``), in fixed one-hour windows. The limits are the same whether or not an account has the address,
so they tell nothing about who has one.
"""

import hashlib
import time

from django.conf import settings

from vod.api.throttling import count_and_get

WINDOW_SECONDS = 3600


class EmailsLimited(Exception):
    """Too many account emails for this address, or from this client."""

    def __init__(self, *, wait: int):
        self.wait = wait
        minutes = max(1, round(wait / 60))
        super().__init__(
            "Too many emails were asked for this address or from your network. "
            f"Please try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


def _digest(value: str) -> str:
    # Keys stay short and safe for any cache, and the cache holds no addresses.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def account_emails_count(*, email: str, client: str) -> None:
    """Count one email-sending request; raise ``EmailsLimited`` past the hourly
    limit for ``email`` or for ``client``."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    checks = [
        (f"emails:to:{_digest(email.lower())}", settings.ACCOUNT_EMAILS_PER_EMAIL_HOUR),
        (f"emails:from:{_digest(client)}", settings.ACCOUNT_EMAILS_PER_CLIENT_HOUR),
    ]
    over = False
    for key, limit in checks:
        count, _ = count_and_get(f"{key}:{window}", ttl=WINDOW_SECONDS + 1)
        over = over or count > limit
    if over:
        raise EmailsLimited(wait=int((window + 1) * WINDOW_SECONDS - now) + 1)
