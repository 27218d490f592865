"""Errors of the accounts API, in the project's JSON error shape."""

from rest_framework import exceptions, status

from accounts.limits import EmailsLimited
from accounts.lockout import cooloff_minutes, lockout_message


class LoginLockedOut(exceptions.APIException):
    """Too many failed sign-ins for this email from this address (django-axes)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        super().__init__(detail=lockout_message())
        self.wait = cooloff_minutes() * 60  # DRF sends it as Retry-After


class TooManyEmails(exceptions.APIException):
    """Past the hourly account-email limit for this address or client."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_emails"

    def __init__(self, exc: EmailsLimited):
        super().__init__(detail=str(exc))
        self.wait = exc.wait  # DRF sends it as Retry-After
