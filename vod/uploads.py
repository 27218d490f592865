"""Who may send a big request body, checked before anyone reads it.

Django reads a body as soon as something touches ``request.POST`` (the CSRF
check does, for every form POST, before the view runs), streaming its files to
temporary disk. So a view that takes video sources is marked with
``accepts_large_body`` and ``RequestBodyLimitMiddleware`` refuses, from the
headers alone, what it must not read: a body over ``REQUEST_BODY_MAX_BYTES`` to
any other view, and one to a marked view from a caller lacking the permission.
The load balancer applies the same split (deploy/nginx/lb.conf); this holds
where Django runs behind one that does not.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse

from .api.errors import json_error

# Room for the multipart framing around a source of VIDEO_UPLOAD_MAX_BYTES.
MULTIPART_SLACK_BYTES = 1024 * 1024


def accepts_large_body(*, permission: str | None) -> Callable:
    """Mark a view as taking bodies up to ``VIDEO_UPLOAD_MAX_BYTES``.

    With ``permission``, only a signed-in staff user holding it may send one;
    ``None`` means the view authenticates the caller itself before it reads
    the body (DRF views: authentication and permissions run before parsing).
    """

    def mark(view: Callable) -> Callable:
        view.large_body_permission = permission
        return view

    return mark


def _refusal(request, *, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = json_error(status=status, code=code, message=message)
    else:
        response = HttpResponse(message, status=status, content_type="text/plain")
    # The body stays unread: the connection cannot carry another request.
    response["Connection"] = "close"
    return response


def _declared_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


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
        if not hasattr(view_func, "large_body_permission"):
            limit = settings.REQUEST_BODY_MAX_BYTES
            if length > limit:
                return _refusal(
                    request,
                    status=413,
                    code="too_large",
                    message=f"The request body is over {limit} bytes.",
                )
            return None
        if length > settings.VIDEO_UPLOAD_MAX_BYTES + MULTIPART_SLACK_BYTES:
            return _refusal(
                request,
                status=413,
                code="too_large",
                message="The file is over the upload limit.",
            )
        permission = view_func.large_body_permission
        if permission is None or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff and user.has_perm(permission)):
            return _refusal(
                request,
                status=403,
                code="permission_denied",
                message="Only editors may upload sources.",
            )
        return None
