"""Signing up and in: sign-up, JWT pair, refresh, logout."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError

from accounts import services, tokens
from accounts.limits import EmailsLimited

from ..errors import TooManyEmails
from ..serializers import (
    EmailSentSerializer,
    LogoutSerializer,
    RefreshTokenSerializer,
    SignupSerializer,
    TokenObtainPairByEmailSerializer,
    TokenPairSerializer,
)
from .base import (
    AUTH_TAG,
    AnonymousAuthApi,
    error_responses,
    invalid_refresh,
    mail_context,
)


class SignupApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Create an account (with its first profile); its address gets a link",
        description=(
            "Always 202 for a valid request, whether or not the address already "
            "has an account, so the answer does not tell who has one: a new "
            "address gets an account and a verification link, the owner of a "
            "taken address a notice. The app then signs in at `auth/token/` "
            "(an unverified account can sign in; `me/` says `email_verified`). "
            "At most `ACCOUNT_EMAILS_PER_EMAIL_HOUR` (5) requests an hour per "
            "address and `ACCOUNT_EMAILS_PER_CLIENT_HOUR` (20) per client, "
            "counted with password resets (429 `too_many_emails`)."
        ),
        request=SignupSerializer,
        responses={202: EmailSentSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = SignupSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.user_signup_request(
                **params.validated_data, **mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        email = params.validated_data["email"].strip().lower()
        body = {
            "message": f"We sent a message to {email}: open its link to confirm "
            "the address, then sign in.",
            "email": email,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class TokenObtainApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Sign in: email and password for a JWT access and refresh token",
        description=(
            "Failed attempts are counted per email and client address: after "
            "`AXES_FAILURE_LIMIT` (5) the pair is locked out for a while (429 "
            "`locked_out`, with Retry-After), even with the right password."
        ),
        request=TokenObtainPairByEmailSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request):
        params = TokenObtainPairByEmailSerializer(
            data=request.data, context={"request": request}
        )
        params.is_valid(raise_exception=True)
        return Response(params.validated_data)


class TokenRefreshApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="A new access token, and a new refresh token (rotation)",
        description=(
            "The refresh token sent is spent: keep the new one. A refresh token "
            "works once: of two requests sending the same one, even at the same "
            "moment, one gets the new pair and the other a 401. Sending a spent, "
            "revoked or expired refresh token is a 401."
        ),
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401)},
        auth=[],
    )
    def post(self, request):
        params = RefreshTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            pair = tokens.refresh_token_rotate(raw=params.validated_data["refresh"])
        except TokenError as exc:
            raise invalid_refresh(exc) from exc
        return Response(pair)


class LogoutApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Sign out an app: revoke its refresh and access tokens",
        description=(
            "The refresh token, and every access token issued with it since "
            "sign-in, stop working at once (401 `token_revoked`); the account's "
            "other apps stay signed in. With `everywhere: true`, every app of the "
            "account is signed out."
        ),
        request=LogoutSerializer,
        responses={204: None, **error_responses(400, 401)},
        auth=[],
    )
    def post(self, request):
        params = LogoutSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            tokens.refresh_token_revoke(
                raw=params.validated_data["refresh"],
                everywhere=params.validated_data["everywhere"],
            )
        except TokenError as exc:
            raise invalid_refresh(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
