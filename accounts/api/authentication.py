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
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import tokens
from accounts.selectors import PROFILE_HEADER, user_with_plan


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
        # The profile it names is read with the account (see user_with_plan).
        self.profile_header = request.headers.get(PROFILE_HEADER)
        try:
            return super().authenticate(request)
        except jwt_exceptions.AuthenticationFailed as exc:
            raise plain_authentication_failed(exc) from exc

    def get_user(self, validated_token):
        # simplejwt's own checks, but the account comes with its plan (from
        # the plans each process keeps, accounts.plans) and the request's
        # profile in one query: every playback request needs all three.
        if api_settings.USER_ID_CLAIM not in validated_token:
            raise TokenInvalid()
        try:
            user = user_with_plan(
                validated_token[api_settings.USER_ID_CLAIM],
                profile_header=getattr(self, "profile_header", None),
            )
        except ValueError as exc:
            raise TokenInvalid() from exc
        if user is None:
            raise exceptions.AuthenticationFailed(
                "This account no longer exists.", code="user_not_found"
            )
        if not user.is_active:
            raise exceptions.AuthenticationFailed(
                "This account is inactive.", code="user_inactive"
            )
        revoked = validated_token.get(api_settings.REVOKE_TOKEN_CLAIM)
        if api_settings.CHECK_REVOKE_TOKEN and revoked != get_md5_hash_password(
            user.password
        ):
            raise exceptions.AuthenticationFailed(
                "The password was changed since this token was issued.",
                code="password_changed",
            )
        try:
            tokens.access_token_check(token=validated_token, user=user)
        except tokens.Revoked as exc:
            raise exceptions.AuthenticationFailed(
                "This token was revoked (signed out, or the account's credentials "
                "changed); sign in again.",
                code="token_revoked",
            ) from exc
        return user

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
