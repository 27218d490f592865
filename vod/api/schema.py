"""OpenAPI generation: drf-spectacular's, plus the errors a view answers by its kind.

An operation's own ``extend_schema(responses=...)`` documents what it decides
(a 409 ``not_ready``...). The failures that come from how a view is built are
added here, from the view itself, unless the operation already documents that
status: a bad bearer token is a 401 wherever tokens are read, a browser
session's write without its CSRF token a 403, a throttled request a 429 with
``Retry-After``, a path naming nothing a 404, a bad parameter or body a 400.
A view may add statuses of its own in ``schema_extra_responses`` ({status:
description}), e.g. a 304 for revalidated reads.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated

from .errors import ErrorSerializer

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request is allowed.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def error_response(description: str) -> OpenApiResponse:
    """A response in the project's error shape (``vod.api.errors``)."""
    return OpenApiResponse(ErrorSerializer, description=description)


class AutoSchema(openapi.AutoSchema):
    """Adds the statuses implied by the view's authentication, permissions,
    throttles, pagination, parameters and body to each operation."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status, description in self._implied_errors(operation).items():
            if str(status) in responses:
                continue
            if status >= 400:
                response = self._get_response_for_code(
                    error_response(description), str(status)
                )
            else:
                response = {"description": description}
            if status == 429:
                response["headers"] = RETRY_AFTER_HEADER
            responses[str(status)] = response
        if "429" in responses:
            responses["429"].setdefault("headers", RETRY_AFTER_HEADER)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _implied_errors(self, operation: dict) -> dict[int, str]:
        view = self.view
        errors: dict[int, str] = dict(getattr(view, "schema_extra_responses", {}))
        parameters = operation.get("parameters", [])
        if parameters or "requestBody" in operation:
            errors[400] = (
                "`invalid`: a parameter or the body is out of range or malformed "
                "(`fields` names each and says why)."
            )
        authenticators = view.get_authenticators()
        if authenticators:
            errors[401] = (
                "`not_authenticated` (sign in), or `token_not_valid` / "
                "`token_revoked` for a bearer token that is bad, expired or revoked "
                "(refresh it, or sign in again)."
            )
        checks_csrf = self.method in UNSAFE_METHODS and any(
            isinstance(auth, SessionAuthentication) for auth in authenticators
        )
        restricted = any(
            not isinstance(permission, (AllowAny, IsAuthenticated))
            for permission in view.get_permissions()
        )
        if checks_csrf or restricted:
            errors[403] = (
                "`permission_denied`: this account may not do this (e.g. it is not "
                "an editor), or a browser session's write came without its CSRF "
                "token."
            )
        if any(parameter["in"] == "path" for parameter in parameters) or (
            self._is_paginated()
        ):
            errors[404] = (
                "`not_found`: nothing by that id here (or not visible to this "
                "viewer), or a page past the last."
            )
        if view.get_throttles():
            errors[429] = (
                "`throttled`: too many requests; `Retry-After` says how many "
                "seconds to wait."
            )
        return errors

    def _is_paginated(self) -> bool:
        paginator = self._get_paginator()
        return (
            self.method == "GET"
            and self._is_list_view()
            and isinstance(paginator, PageNumberPagination)
        )
