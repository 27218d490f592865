"""Who may send a big request body, checked before anyone reads it.

Django reads a body as soon as something touches ``request.POST`` (the CSRF
check does, for every form POST, before the view runs; so does DRF's
SessionAuthentication, before the view's permissions and its 405), streaming
its files to temporary disk. So ``RequestBodyLimitMiddleware`` refuses, from
the headers alone, what it must not read: a body over
``REQUEST_BODY_NON_STAFF_MAX_BYTES`` from anyone but signed-in staff, one over
``REQUEST_BODY_MAX_BYTES`` from anyone, and, on the views marked with
``accepts_large_body`` (video sources), a bigger one on another method or from
a caller lacking the permission. A view marked ``signed`` (the embedded
default's part endpoint of direct uploads) is authorised by its signed URL,
which it checks before it reads a byte. A view marked ``whole_source`` (a
source in one request: the admin's form, the API's PUT) takes a big body only
while ``SOURCE_UPLOADS_THROUGH_WEB`` is on, which production turns off: there
sources go straight to the store. The load balancer applies the same split
(deploy/nginx/lb.conf); this holds where Django runs behind one that does not.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse

from .api.errors import is_api_request, json_error

# Room for the multipart framing around a source of VIDEO_UPLOAD_MAX_BYTES.
MULTIPART_SLACK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LargeBody:
    """What a view marked with ``accepts_large_body`` takes, and from whom."""

    methods: frozenset[str]
    permission: str
    bearer: bool
    signed: bool = False
    whole_source: bool = False


def accepts_large_body(
    *,
    methods: Iterable[str],
    permission: str = "",
    bearer: bool = False,
    signed: bool = False,
    whole_source: bool = False,
) -> Callable:
    """Mark a view as taking bodies up to ``VIDEO_UPLOAD_MAX_BYTES`` on ``methods``.

    A signed-in staff user holding ``permission`` may send one. With
    ``bearer``, so may a request with ``Authorization: Bearer``, which the view
    itself must authenticate and check before it reads the body: DRF does, as
    long as no authentication class reads it first. JWT never does; Django's
    CSRF check (run by SessionAuthentication) does for POST, so POST is refused.
    With ``signed``, anyone may send one: the view checks the URL's signature
    (which names who may send what) before it reads the body.
    """
    allowed = frozenset(method.upper() for method in methods)
    if bearer and "POST" in allowed:
        raise ValueError("A CSRF check reads a POST body before the view's checks.")

    def mark(view: Callable) -> Callable:
        view.large_body = LargeBody(
            methods=allowed,
            permission=permission,
            bearer=bearer,
            signed=signed,
            whole_source=whole_source,
        )
        return view

    return mark


def _refusal(request, *, status: int, code: str, message: str) -> HttpResponse:
    if is_api_request(request):
        response = json_error(status=status, code=code, message=message)
    else:
        response = HttpResponse(message, status=status, content_type="text/plain")
    # The body stays unread: the connection cannot carry another request.
    response["Connection"] = "close"
    return response


def _too_large(request, limit: int) -> HttpResponse:
    return _refusal(
        request,
        status=413,
        code="too_large",
        message=f"The request body is over {limit} bytes.",
    )


def _declared_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _non_staff_limit() -> int:
    return min(
        settings.REQUEST_BODY_NON_STAFF_MAX_BYTES, settings.REQUEST_BODY_MAX_BYTES
    )


def _has_bearer_token(request) -> bool:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme == "Bearer" and bool(token.strip())


def _is_staff(request) -> bool:
    # The session's user (AuthenticationMiddleware); a Bearer token is not read.
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff


class RequestBodyLimitMiddleware:
    """Refuses oversized or unauthorised bodies from their headers alone.

    Its ``process_view`` must come before CsrfViewMiddleware's, which reads
    form bodies; ``request.user`` is already set by then (process_view hooks
    run after every middleware's request phase).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        length = _declared_length(request)
        if length <= _non_staff_limit():
            return None  # anyone may send this much; the view says who may act
        large_body = getattr(view_func, "large_body", None)
        if (
            large_body is None
            or request.method not in large_body.methods
            or (large_body.whole_source and not settings.SOURCE_UPLOADS_THROUGH_WEB)
        ):
            return self._staff_body_check(request, length)
        if length > settings.VIDEO_UPLOAD_MAX_BYTES + MULTIPART_SLACK_BYTES:
            return _refusal(
                request,
                status=413,
                code="too_large",
                message="The file is over the upload limit.",
            )
        if large_body.signed:
            return None
        if large_body.bearer and _has_bearer_token(request):
            return None
        user = request.user
        if not user.is_authenticated and is_api_request(request):
            response = _refusal(
                request,
                status=401,
                code="not_authenticated",
                message="Authentication credentials were not provided.",
            )
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        if not (_is_staff(request) and user.has_perm(large_body.permission)):
            return _refusal(
                request,
                status=403,
                code="permission_denied",
                message="Only editors may upload sources.",
            )
        return None

    @staticmethod
    def _staff_body_check(request, length: int) -> HttpResponse | None:
        limit = settings.REQUEST_BODY_MAX_BYTES
        if length > limit:
            return _too_large(request, limit)
        if not _is_staff(request):
            return _too_large(request, _non_staff_limit())
        return None
