"""OpenAPI pieces about who a request is and which profile it acts for.

Endpoints that act for a profile (playback, progress, history, My List) add
``PROFILE_HEADER_PARAMETER`` to their ``extend_schema(parameters=[...])``::

    from accounts.api.schema import PROFILE_HEADER_PARAMETER

    @extend_schema(parameters=[PROFILE_HEADER_PARAMETER], ...)
    def post(self, request): ...

and read the profile from ``request.profile`` (``accounts.middleware``).
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from accounts.selectors import PROFILE_HEADER

PROFILE_HEADER_PARAMETER = OpenApiParameter(
    name=PROFILE_HEADER,
    type=OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "The id of the profile this request acts for (one of `GET /api/v1/profiles/`). "
        "Apps send it on every profile-scoped call. Without it, the browser's "
        "session uses the profile picked on the profiles page, and an account "
        "with a single profile uses that one; an account with several profiles "
        "must name one. Another account's profile is a 404, a non-number a 400."
    ),
)


class JWTScheme(SimpleJWTScheme):
    """Document ``accounts.api.authentication.JWTAuthentication`` as bearer JWT."""

    target_class = "accounts.api.authentication.JWTAuthentication"
    name = "jwtAuth"
