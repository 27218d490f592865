"""The player's telemetry beacon: startup time, stalls, rung switches, errors.

Browsers send it with ``navigator.sendBeacon``, which outlives the page but
cannot set headers: no ``X-CSRFToken``, no ``X-Profile-ID``, and the body goes
as ``text/plain`` (a type that needs no CORS preflight). So this endpoint:

- authenticates apps by JWT, and the browser by its session cookie with an
  Origin check in place of the CSRF token: the request must say it comes from
  this site (``Origin`` equal to the site or one of CSRF_TRUSTED_ORIGINS, or,
  without ``Origin``, ``Sec-Fetch-Site: same-origin``), which a cross-site form
  or beacon cannot forge. Besides, the URL names a session id (a random UUID)
  that only the player of that session knows;
- acts for the account, not a profile: the session must be one of the
  caller's (another account's is a 404, like an unknown one);
- only feeds counters, so a replayed beacon can do no more than a real one.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import JWTAuthentication
from analytics.devices import device_type_from_user_agent
from vod.api.throttling import AccountWindowThrottle, AnonWindowThrottle

from .. import telemetry
from .common import error_response

MAX_BODY_BYTES = 16 * 1024
MAX_EVENTS = 100


class SameOriginSessionAuthentication(SessionAuthentication):
    """The browser's session, with an Origin check instead of the CSRF token."""

    def enforce_csrf(self, request):
        if not _from_this_site(request):
            raise exceptions.PermissionDenied(
                "Telemetry with the session cookie must come from this site."
            )


def _from_this_site(request) -> bool:
    origin = request.headers.get("Origin")
    if origin:
        here = f"{request.scheme}://{request.get_host()}"
        return origin == here or origin in settings.CSRF_TRUSTED_ORIGINS
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


class SameOriginSessionScheme(OpenApiAuthenticationExtension):
    target_class = SameOriginSessionAuthentication
    name = "beaconCookieAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session cookie; no CSRF header, but the "
            "Origin (or Sec-Fetch-Site) must be this site.",
        }


class BeaconJSONParser(JSONParser):
    """JSON sent as text/plain, as ``sendBeacon`` does with a string body."""

    media_type = "text/plain"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = f"Send at most {MAX_BODY_BYTES} bytes of telemetry at a time."


class SessionTooOld(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_code = "session_ended"
    default_detail = "This playback session ended too long ago to report on."


class TelemetryEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=telemetry.EVENT_KINDS)
    seconds = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=telemetry.MAX_STALL_SECONDS,
        help_text=(
            "`startup`: from asking to play to the first frame (at most "
            f"{telemetry.MAX_STARTUP_SECONDS}); `stall`: how long playback "
            "waited for data."
        ),
    )
    direction = serializers.ChoiceField(
        choices=telemetry.DIRECTIONS,
        required=False,
        help_text="`rung_switch`: to a taller (`up`) or shorter (`down`) rung.",
    )
    height = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=telemetry.MAX_HEIGHT,
        help_text="`rendition`: the height of the rung played.",
    )
    kbps = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=telemetry.MAX_KBPS,
        help_text="`rendition`: its bitrate, in kbit/s.",
    )
    error_type = serializers.ChoiceField(
        choices=telemetry.ERROR_TYPES,
        required=False,
        help_text="`error`: the type of a fatal player error.",
    )

    REQUIRED = {
        "startup": "seconds",
        "stall": "seconds",
        "rung_switch": "direction",
        "error": "error_type",
        "exit": None,
        "rendition": ("seconds", "height", "kbps"),
    }

    def validate(self, data):
        needed = self.REQUIRED[data["kind"]] or ()
        for name in (needed,) if isinstance(needed, str) else needed:
            if name not in data:
                raise serializers.ValidationError(
                    {name: [f"Required for a {data['kind']} event."]}
                )
        limit = telemetry.MAX_STARTUP_SECONDS
        if data["kind"] == "startup" and data["seconds"] > limit:
            raise serializers.ValidationError(
                {"seconds": [f"A startup time is at most {limit} seconds."]}
            )
        return data


class TelemetrySerializer(serializers.Serializer):
    events = TelemetryEventSerializer(
        many=True, allow_empty=False, max_length=MAX_EVENTS
    )
    pathway = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The CDN pathway playing (its name in the steering manifest).",
    )


BEACON_EXAMPLE = OpenApiExample(
    "A batch",
    value={
        "events": [
            {"kind": "startup", "seconds": 1.4},
            {"kind": "stall", "seconds": 2.1},
            {"kind": "rung_switch", "direction": "down"},
            {"kind": "error", "error_type": "network"},
            {"kind": "rendition", "seconds": 9.5, "height": 720, "kbps": 3000},
        ],
        "pathway": "default",
    },
    request_only=True,
)


class PlaybackTelemetryApi(APIView):
    """Player telemetry for one of the caller's sessions, in batches."""

    authentication_classes = [JWTAuthentication, SameOriginSessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, BeaconJSONParser]
    # Per account: a batch counts once, whatever its size.
    throttle_classes = [AnonWindowThrottle, AccountWindowThrottle]
    throttle_scope = "telemetry"

    @extend_schema(
        operation_id="playback_session_telemetry",
        summary="Report player telemetry (sendBeacon-friendly)",
        description=(
            "Batches of events, up to "
            f"{MAX_EVENTS} and {MAX_BODY_BYTES} bytes: `startup` (seconds to the "
            "first frame, counted once per session), `stall` (seconds waiting "
            "for data), `rung_switch` (`direction`), `error` (`error_type`, "
            "fatal errors), `exit` (left before the video started), `rendition` "
            "(`seconds` played at a rung: `height`, `kbps`); `pathway` names the "
            "CDN pathway playing. The body may be sent as `text/plain` JSON, as "
            "`navigator.sendBeacon` does. Browsers authenticate with the session "
            "cookie and need no CSRF header: the request's `Origin` (or "
            "`Sec-Fetch-Site: same-origin`) must be this site. Apps send their "
            "JWT. Feeds the Prometheus metrics at `/metrics` and the titles' "
            "analytics."
        ),
        request={
            "application/json": TelemetrySerializer,
            "text/plain": TelemetrySerializer,
        },
        examples=[BEACON_EXAMPLE],
        responses={
            204: None,
            400: error_response("`invalid` (see `fields`), or `parse_error`."),
            401: error_response("`not_authenticated`: sign in or send a JWT."),
            403: error_response(
                "`permission_denied`: a session-cookie request from another site."
            ),
            404: error_response("`not_found`: no such session of this account."),
            410: error_response(
                "`session_ended`: the session ended or went quiet more than a "
                "grant lifetime (PLAYBACK_GRANT_LIFETIME_SECONDS) ago."
            ),
            413: error_response("`too_large`: the body is over the limit."),
            429: error_response(
                "`throttled`: too many batches for this account (see `Retry-After`)."
            ),
        },
    )
    def post(self, request, session_id):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        params = TelemetrySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        session = telemetry.telemetry_session_for_user(
            user=request.user, session_id=session_id
        )
        if session is None:
            raise exceptions.NotFound("There is no such playback session.")
        if not telemetry.telemetry_window_open(session):
            raise SessionTooOld()
        telemetry.playback_telemetry_record(
            session=session,
            events=params.validated_data["events"],
            user=request.user,
            device_type=device_type_from_user_agent(
                request.headers.get("User-Agent", "")
            ),
            pathway=params.validated_data.get("pathway", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
