"""What every accounts API operation shares: tags, error answers, throttles."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts.emails import base_url_for
from vod.api.errors import ErrorSerializer
from vod.api.throttling import AnonWindowThrottle, ScopedAddressThrottle
from vod.client_address import client_network

AUTH_TAG = "auth"
ACCOUNT_TAG = "account"


def error_responses(*codes: int) -> dict:
    """The documented error answers for ``codes``, for an operation's schema."""
    descriptions = {
        400: "Invalid input; `error.fields` says what to change.",
        401: "Not signed in, or the token is invalid or expired.",
        404: "No such profile on this account.",
        429: "Too many attempts; see the Retry-After header.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code])
        for code in codes
    }


class AuthScopeThrottleMixin:
    """Sign-in, sign-up and password endpoints share the ``auth`` throttle rate.

    It counts per client address, or per account once signed in.
    """

    throttle_classes = [AnonWindowThrottle, ScopedAddressThrottle]
    throttle_scope = "auth"


class AnonymousAuthApi(AuthScopeThrottleMixin, APIView):
    """No authentication at all: a stale token or session cannot get in the way."""

    authentication_classes: list = []
    permission_classes: list = []

    def get_authenticate_header(self, request) -> str:
        # Makes a refused credential a 401 (DRF answers 403 without this header).
        return 'Bearer realm="api"'


def invalid_refresh(exc: TokenError) -> AuthenticationFailed:
    """The 401 for a refresh token simplejwt refused, with its reason."""
    return AuthenticationFailed(
        f"The refresh token is not valid: {str(exc.args[0]).lower()}.",
        code="token_not_valid",
    )


def mail_context(request) -> dict:
    """Who asked and the site's address, for the emails a service sends."""
    return {"client": client_network(request), "base_url": base_url_for(request)}
