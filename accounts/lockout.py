"""django-axes hooks: who is signing in, and what a locked-out client sees.

Axes counts failed sign-ins per (email, address) pair, from the login page
(field ``username``), the admin and the API token endpoint (field ``email``).
Emails are compared lower-cased, as accounts are, so changing the case of an
address does not buy more attempts.
"""

from django.conf import settings
from django.shortcuts import render

from vod.api.errors import is_api_request, json_error

LOCKOUT_TEMPLATE = "accounts/locked_out.html"


def login_username(request, credentials: dict | None = None) -> str | None:
    """The email address a sign-in attempt is for (``AXES_USERNAME_CALLABLE``)."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if not value and request is not None:
        data = getattr(request, "data", None)
        if not hasattr(data, "get"):
            data = request.POST
        value = data.get("username") or data.get("email")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def cooloff_minutes() -> int:
    """How long a lock lasts, in whole minutes (at least one)."""
    hours = settings.AXES_COOLOFF_TIME or 0
    return max(1, round(float(hours) * 60))


def lockout_message() -> str:
    minutes = cooloff_minutes()
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed sign-in attempts for this account from your network. "
        f"Please wait {minutes} {unit} before trying again. "
        "If you have forgotten your password, you can reset it."
    )


def lockout_response(request, original_response=None, credentials=None):
    """A 429 page (or the API's JSON error) instead of axes' bare text."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if is_api_request(request):
        response = json_error(
            status=status, code="locked_out", message=lockout_message()
        )
    else:
        response = render(
            request,
            LOCKOUT_TEMPLATE,
            {"message": lockout_message(), "minutes": cooloff_minutes()},
            status=status,
        )
    response["Retry-After"] = str(cooloff_minutes() * 60)
    return response
