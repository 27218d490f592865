"""Error pages: JSON under /api/, friendly HTML pages elsewhere."""

from django.views import defaults

from .api.errors import json_error


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return json_error(
            status=400, code="bad_request", message="The request is malformed."
        )
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return json_error(
            status=403, code="permission_denied", message="You may not do this."
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return json_error(status=404, code="not_found", message="Nothing is here.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return json_error(
            status=500, code="server_error", message="Something went wrong on our side."
        )
    return defaults.server_error(request)
