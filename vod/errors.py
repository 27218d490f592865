"""Error pages: JSON under /api/, friendly HTML pages elsewhere."""

from http import HTTPStatus

from django.views import defaults

from .api.errors import is_api_request, json_error


def bad_request(request, exception):
    if is_api_request(request):
        return json_error(
            status=400, code="bad_request", message="The request is malformed."
        )
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api_request(request):
        return json_error(
            status=403, code="permission_denied", message="You may not do this."
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api_request(request):
        return json_error(status=404, code="not_found", message="Nothing is here.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api_request(request):
        return json_error(
            status=500, code="server_error", message="Something went wrong on our side."
        )
    return defaults.server_error(request)


# The code of an error body made from a bare status (see ApiErrorShapeMiddleware).
_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}
_KEPT_OUT = {"content-type", "content-length", "content-encoding"}


class ApiErrorShapeMiddleware:
    """Every error under /api/ in the JSON error shape, whoever made it.

    Django answers a path that matches no route, or a method a plain view does
    not take, before any API view runs: an HTML page, in debug the technical
    404 that lists every URL pattern. This rewrites such answers, in debug and
    in production alike; JSON errors (DRF's, ``json_error``'s) pass untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or getattr(response, "streaming", False)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        shaped = json_error(
            status=status, code=_CODES.get(status, "error"), message=f"{phrase}."
        )
        # Allow (405), WWW-Authenticate, Retry-After and the like stay.
        for header, value in response.items():
            if header.lower() not in _KEPT_OUT:
                shaped[header] = value
        shaped.cookies = response.cookies
        return shaped
