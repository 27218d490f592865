"""One JSON error shape for every API failure.

    {"error": {"status": 404, "code": "not_found", "message": "...", "fields": {...}}}

``fields`` appears only for validation errors and maps each bad field (or
query parameter) to its messages.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(*, status: int, code: str, message: str, fields: dict | None = None):
    body = {"status": status, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def as_api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ``ValidationError`` as a 400 whose ``fields`` name the inputs."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc, context):
    """DRF's handler, reshaped into the project's error body."""
    # DRF turns Django's own 404 and 403 into these too; do it first to keep the code.
    # A service's ValidationError (a rule it checks) is the caller's 400.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = as_api_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        response.data = error_body(
            status=response.status_code,
            code="invalid",
            message="The request is invalid; see fields for what to change.",
            fields=detail,
        )
    else:
        detail = getattr(exc, "detail", None)
        code = detail.code if hasattr(detail, "code") else "error"
        response.data = error_body(
            status=response.status_code, code=str(code), message=str(detail or exc)
        )
    return response


def is_api_request(request) -> bool:
    """Whether ``request`` is for the API, whose errors are JSON."""
    return request.path.startswith("/api/")


def json_error(*, status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        error_body(status=status, code=code, message=message), status=status
    )


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        required=False, help_text="Validation errors only: messages per input."
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every API error, for the OpenAPI schema."""

    error = ErrorBodySerializer()
