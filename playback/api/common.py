"""What every playback API shares: the profile it acts for, and its errors.

Every endpoint acts for the request's profile (``X-Profile-ID``, or the one
picked in the browser session, or the account's only one) and sees nothing of
any other profile's. Services' refusals become the project's error body, with
their extra keys (``active_devices``, ``required_plan``...) next to ``message``.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Profile
from accounts.selectors import ProfileRequired
from vod.api.errors import ErrorSerializer, error_body
from vod.api.throttling import AccountWindowThrottle, AnonWindowThrottle

from .. import refusals


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


COMMON_ERRORS = {
    400: error_response(
        "`invalid` (see `fields`), or `profile_required` when the account has "
        "several profiles and the request names none."
    ),
    401: error_response("`not_authenticated`: sign in (session) or send a JWT."),
    404: error_response(
        "`not_found`, or `profile_not_found` for a foreign X-Profile-ID."
    ),
    429: error_response(
        "`throttled`: too many requests for this account; `Retry-After` says "
        "how many seconds to wait."
    ),
}


class ProfileRequiredError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "profile_required"
    default_detail = "Choose a profile first (send X-Profile-ID)."


def request_profile(request) -> Profile:
    """The profile the request acts for, or an API error saying what is missing."""
    try:
        return request.profile.require()
    except ProfileRequired as exc:
        raise ProfileRequiredError(str(exc)) from exc
    except exceptions.NotFound as exc:
        raise exceptions.NotFound(str(exc.detail), code="profile_not_found") from exc


def refusal_response(refusal: refusals.PlaybackRefused) -> Response:
    """The error body, with the refusal's extra keys next to ``message``."""
    body = error_body(status=refusal.status, code=refusal.code, message=refusal.message)
    # The extras never replace the keys every error has.
    body["error"].update(
        (key, value) for key, value in refusal.extra.items() if key not in body["error"]
    )
    return Response(body, status=refusal.status)


class ProfileApi(APIView):
    """Signed in and acting for a profile (``self.profile``); a service's
    refusal becomes the error body with its extra keys."""

    permission_classes = [IsAuthenticated]
    # Per account; each operation names its rate (settings' throttle rates).
    throttle_classes = [AnonWindowThrottle, AccountWindowThrottle]
    throttle_scope = "account"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.profile = request_profile(request)

    def handle_exception(self, exc):
        if isinstance(exc, refusals.PlaybackRefused):
            return refusal_response(exc)
        return super().handle_exception(exc)
