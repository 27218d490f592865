"""Credentials: password change and reset, email change and verification."""

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.limits import EmailsLimited

from ..errors import TooManyEmails
from ..serializers import (
    AccountSerializer,
    EmailChangeSerializer,
    EmailSentSerializer,
    EmailTokenSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    TokenPairSerializer,
)
from .base import (
    AUTH_TAG,
    AnonymousAuthApi,
    AuthScopeThrottleMixin,
    error_responses,
    mail_context,
)


class PasswordChangeApi(AuthScopeThrottleMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[AUTH_TAG],
        summary="Change the password (needs the old one)",
        description=(
            "Every refresh and access token of the account is revoked; the answer "
            "carries a fresh pair for this app. A browser session stays signed in."
        ),
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        params = PasswordChangeSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, **params.validated_data)
        if hasattr(request, "session"):
            update_session_auth_hash(request, user)
        return Response(TokenPairSerializer.for_user(user))


class PasswordResetApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Email a password reset link",
        description=(
            "Always 204, whether or not an account has this address, so the "
            "answer does not tell who has an account. The link opens the site's "
            "reset page; apps may instead send its `uid` and `token` to "
            "`auth/password/reset/confirm/`. Limited like sign-up (429 "
            "`too_many_emails`)."
        ),
        request=PasswordResetSerializer,
        responses={204: None, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = PasswordResetSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.user_password_reset_send(
                email=params.validated_data["email"], **mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetConfirmApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Set a new password with the emailed link's uid and token",
        request=PasswordResetConfirmSerializer,
        responses={204: None, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = PasswordResetConfirmSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        services.user_password_reset_confirm(
            uidb64=data["uid"],
            token=data["token"],
            new_password=data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeApi(AuthScopeThrottleMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[AUTH_TAG],
        summary="Ask to change the sign-in email address (needs the password)",
        description=(
            "Nothing changes yet: the new address gets a link (its `token` goes "
            "to `auth/email/change/confirm/`, or the link opens the site), the "
            "current one a notice. The account signs in with the current address "
            "until the link is followed. Limited like sign-up."
        ),
        request=EmailChangeSerializer,
        responses={202: EmailSentSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        params = EmailChangeSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.user_email_change(
                user=request.user, **params.validated_data, **mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        email = params.validated_data["new_email"].strip().lower()
        body = {
            "message": f"We sent a link to {email}; it becomes the sign-in address "
            "once the link is followed.",
            "email": email,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Make the new address the sign-in one, with the emailed token",
        description=(
            "Every app of the account is signed out (its tokens are revoked); "
            "the old address gets a notice."
        ),
        request=EmailTokenSerializer,
        responses={200: AccountSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = EmailTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = services.user_email_change_confirm(**params.validated_data)
        return Response(AccountSerializer(selectors.account_detail(user=user)).data)


class EmailVerifyApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Confirm the account's address with the emailed token",
        request=EmailTokenSerializer,
        responses={204: None, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = EmailTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.user_email_verify(**params.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyResendApi(AuthScopeThrottleMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[AUTH_TAG],
        summary="Mail a new verification link (nothing if already verified)",
        request=None,
        responses={204: None, **error_responses(401, 429)},
    )
    def post(self, request):
        try:
            services.user_email_verify_resend(
                user=request.user, **mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
