"""JWT bearer authentication whose failures fit the API's error shape.

simplejwt reports failures as nested dicts, which the project's error handler
would flatten into an unreadable message. This subclass raises plain DRF
``AuthenticationFailed`` errors with a stable ``code`` instead: apps refresh on
``token_expired`` and sign in again on anything else.
"""

from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt import exceptions as jwt_exceptions
from rest_framework_simplejwt.settings import api_settings


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "The access token has expired; refresh it."
    default_code = "token_expired"


class TokenInvalid(exceptions.AuthenticationFailed):
    default_detail = "The access token is not valid."
    default_code = "token_not_valid"


def plain_authentication_failed(
    exc: jwt_exceptions.AuthenticationFailed,
) -> exceptions.AuthenticationFailed:
    """simplejwt's dict-shaped error as a one-message DRF error."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    message = str(detail.get("detail") or exc.default_detail)
    code = str(detail.get("code") or exc.default_code)
    return exceptions.AuthenticationFailed(message, code=code)


class JWTAuthentication(authentication.JWTAuthentication):
    """``Authorization: Bearer <access token>``, as issued by ``auth/token/``."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except jwt_exceptions.AuthenticationFailed as exc:
            raise plain_authentication_failed(exc) from exc

    def get_validated_token(self, raw_token):
        expired = False
        for token_class in api_settings.AUTH_TOKEN_CLASSES:
            try:
                return token_class(raw_token)
            except jwt_exceptions.ExpiredTokenError:
                expired = True
            except jwt_exceptions.TokenError:
                continue
        raise TokenExpired() if expired else TokenInvalid()
