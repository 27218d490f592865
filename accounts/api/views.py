"""The accounts API: sign-up, JWT sign-in, credentials, the account, profiles.

One class per operation (profiles: one per URL); each validates its input,
calls one service or selector and shapes the answer.
"""

from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts import selectors, services, tokens
from accounts.emails import base_url_for
from accounts.limits import EmailsLimited
from accounts.models import Profile
from vod.api.errors import ErrorSerializer
from vod.api.throttling import AnonWindowThrottle, ScopedAddressThrottle
from vod.client_address import client_network

from .errors import TooManyEmails, as_api_error
from .serializers import (
    AccountSerializer,
    EmailChangeSerializer,
    EmailSentSerializer,
    EmailTokenSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileCreateSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    RefreshTokenSerializer,
    SignupSerializer,
    TokenObtainPairByEmailSerializer,
    TokenPairSerializer,
)

AUTH_TAG = "auth"
ACCOUNT_TAG = "account"


def _error_responses(*codes: int) -> dict:
    descriptions = {
        400: "Invalid input; `error.fields` says what to change.",
        401: "Not signed in, or the token is invalid or expired.",
        404: "No such profile on this account.",
        429: "Too many attempts; see the Retry-After header.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code])
        for code in codes
    }


class AuthScopeThrottleMixin:
    """Sign-in, sign-up and password endpoints share the ``auth`` throttle rate.

    It counts per client address, or per account once signed in.
    """

    throttle_classes = [AnonWindowThrottle, ScopedAddressThrottle]
    throttle_scope = "auth"


class AnonymousAuthApi(AuthScopeThrottleMixin, APIView):
    """No authentication at all: a stale token or session cannot get in the way."""

    authentication_classes: list = []
    permission_classes: list = []

    def get_authenticate_header(self, request) -> str:
        # Makes a refused credential a 401 (DRF answers 403 without this header).
        return 'Bearer realm="api"'


def _invalid_refresh(exc: TokenError) -> AuthenticationFailed:
    return AuthenticationFailed(
        f"The refresh token is not valid: {str(exc.args[0]).lower()}.",
        code="token_not_valid",
    )


# --- Signing up and in ----------------------------------------------------------


def _mail_context(request) -> dict:
    return {"client": client_network(request), "base_url": base_url_for(request)}


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
        responses={202: EmailSentSerializer, **_error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = SignupSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.user_signup_request(
                **params.validated_data, **_mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
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
        responses={200: TokenPairSerializer, **_error_responses(400, 401, 429)},
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
        responses={200: TokenPairSerializer, **_error_responses(400, 401)},
        auth=[],
    )
    def post(self, request):
        params = RefreshTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            pair = tokens.refresh_token_rotate(raw=params.validated_data["refresh"])
        except TokenError as exc:
            raise _invalid_refresh(exc) from exc
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
        responses={204: None, **_error_responses(400, 401)},
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
            raise _invalid_refresh(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Credentials ----------------------------------------------------------------


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
        responses={200: TokenPairSerializer, **_error_responses(400, 401)},
    )
    def post(self, request):
        params = PasswordChangeSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            user = services.user_password_change(
                user=request.user, **params.validated_data
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
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
        responses={204: None, **_error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = PasswordResetSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.user_password_reset_send(
                email=params.validated_data["email"], **_mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetConfirmApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Set a new password with the emailed link's uid and token",
        request=PasswordResetConfirmSerializer,
        responses={204: None, **_error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = PasswordResetConfirmSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            services.user_password_reset_confirm(
                uidb64=data["uid"],
                token=data["token"],
                new_password=data["new_password"],
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
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
        responses={202: EmailSentSerializer, **_error_responses(400, 401, 429)},
    )
    def post(self, request):
        params = EmailChangeSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.user_email_change(
                user=request.user, **params.validated_data, **_mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
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
        responses={200: AccountSerializer, **_error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = EmailTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            user = services.user_email_change_confirm(**params.validated_data)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(AccountSerializer(selectors.account_detail(user=user)).data)


class EmailVerifyApi(AnonymousAuthApi):
    @extend_schema(
        tags=[AUTH_TAG],
        summary="Confirm the account's address with the emailed token",
        request=EmailTokenSerializer,
        responses={204: None, **_error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        params = EmailTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.user_email_verify(**params.validated_data)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyResendApi(AuthScopeThrottleMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[AUTH_TAG],
        summary="Mail a new verification link (nothing if already verified)",
        request=None,
        responses={204: None, **_error_responses(401, 429)},
    )
    def post(self, request):
        try:
            services.user_email_verify_resend(
                user=request.user, **_mail_context(request)
            )
        except EmailsLimited as exc:
            raise TooManyEmails(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The account and its profiles -------------------------------------------------


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="The signed-in account, its plan and profiles",
        responses={200: AccountSerializer, **_error_responses(401)},
    )
    def get(self, request):
        return Response(
            AccountSerializer(selectors.account_detail(user=request.user)).data
        )


class ProfileListCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="The account's profiles (at most 5)",
        responses={200: ProfileSerializer(many=True), **_error_responses(401)},
    )
    def get(self, request):
        profiles = selectors.profile_list(user=request.user)
        return Response(ProfileSerializer(profiles, many=True).data)

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="Add a profile",
        description=(
            f"At most {Profile.MAX_PER_ACCOUNT} per account (400 beyond). A kids "
            "profile sees titles up to `max_maturity` (7 unless given)."
        ),
        request=ProfileCreateSerializer,
        responses={201: ProfileSerializer, **_error_responses(400, 401)},
    )
    def post(self, request):
        params = ProfileCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            profile = services.profile_create(
                user=request.user, **params.validated_data
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(ProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


class ProfileDetailApi(APIView):
    """One of the account's profiles; another account's is a 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="A profile",
        responses={200: ProfileSerializer, **_error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(
            ProfileSerializer(selectors.profile_get(user=request.user, pk=pk)).data
        )

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="Rename a profile or change its kids setting",
        request=ProfileUpdateSerializer,
        responses={200: ProfileSerializer, **_error_responses(400, 401, 404)},
    )
    def patch(self, request, pk: int):
        profile = selectors.profile_get(user=request.user, pk=pk)
        params = ProfileUpdateSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        try:
            profile = services.profile_update(profile=profile, **params.validated_data)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(ProfileSerializer(profile).data)

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="Delete a profile (not the last one) with its progress and list",
        responses={204: None, **_error_responses(400, 401, 404)},
    )
    def delete(self, request, pk: int):
        profile = selectors.profile_get(user=request.user, pk=pk)
        try:
            services.profile_delete(profile=profile)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
