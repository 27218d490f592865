"""Shapes of the accounts API: input checks here, decisions in the services."""

from django.contrib.auth.signals import user_logged_in
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import TokenObtainSerializer

from accounts.models import Plan, Profile, User
from accounts.preferences import LANGUAGE_MAX_LENGTH
from accounts.tokens import AccountRefreshToken, token_pair_issue

from .errors import LoginLockedOut


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = [
            "name",
            "slug",
            "access_level",
            "max_streams",
            "max_height",
            "max_audio_channels",
        ]


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = [
            "id",
            "name",
            "is_kids",
            "max_maturity",
            "audio_language",
            "audio_description",
            "captions_language",
            "created_at",
        ]


class AccountSerializer(serializers.ModelSerializer):
    plan = PlanSerializer(source="effective_plan")
    profiles = ProfileSerializer(many=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "email_verified",
            "name",
            "date_joined",
            "plan",
            "profiles",
        ]


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer ...`.")
    refresh = serializers.CharField(help_text="Exchange at `auth/token/refresh/`.")

    @staticmethod
    def for_user(user: User) -> dict:
        return token_pair_issue(user=user)


class SignupSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    name = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional; the first profile is named after it (else the email).",
    )


class EmailSentSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What to tell the person.")
    email = serializers.EmailField(help_text="The address the link goes to.")


class EmailTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The last part of the emailed link.")


class TokenObtainPairByEmailSerializer(TokenObtainSerializer):
    """Email and password for a token pair; a locked-out client gets 429."""

    token_class = AccountRefreshToken

    def validate(self, attrs):
        request = self.context["request"]
        try:
            super().validate(attrs)  # authenticate(request=...): axes counts it
        except exceptions.AuthenticationFailed as exc:
            if getattr(request, "axes_locked_out", False):
                raise LoginLockedOut() from exc
            raise exceptions.AuthenticationFailed(
                "No active account has this email address and password.",
                code="no_active_account",
            ) from exc
        # A sign-in like the login page's: axes resets the failures, Django
        # records last_login.
        user_logged_in.send(sender=type(self.user), request=request, user=self.user)
        return TokenPairSerializer.for_user(self.user)


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()
    everywhere = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also sign out every other app of the account.",
    )


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False)
    new_password = serializers.CharField(trim_whitespace=False)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(help_text="The `uid` part of the emailed link.")
    token = serializers.CharField(help_text="The `token` part of the emailed link.")
    new_password = serializers.CharField(trim_whitespace=False)


class EmailChangeSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False)
    new_email = serializers.EmailField(max_length=254)


AUDIO_LANGUAGE_HELP = (
    "The audio a new playback starts in: a language tag such as en, pt-BR or "
    "zh-Hant; blank for each title's default audio."
)
AUDIO_DESCRIPTION_HELP = (
    "Start on a title's audio description (narration of what is on screen) "
    "where it has one."
)
CAPTIONS_LANGUAGE_HELP = (
    "The subtitles a new playback shows, as a language tag; blank for none."
)


def _language_field(help_text: str) -> serializers.CharField:
    # The format is the service's to check, so pages and API say the same.
    return serializers.CharField(
        max_length=LANGUAGE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=help_text,
    )


class ProfileCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    is_kids = serializers.BooleanField(required=False, default=False)
    max_maturity = serializers.ChoiceField(
        choices=Profile._meta.get_field("max_maturity").choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Kids profiles only; 7 when left out. Other profiles see all (18).",
    )
    audio_language = _language_field(
        AUDIO_LANGUAGE_HELP + " Left out, a kids profile gets the site's language."
    )
    audio_description = serializers.BooleanField(
        required=False, default=False, help_text=AUDIO_DESCRIPTION_HELP
    )
    captions_language = _language_field(CAPTIONS_LANGUAGE_HELP)


class ProfileUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    is_kids = serializers.BooleanField(required=False)
    max_maturity = serializers.ChoiceField(
        choices=Profile._meta.get_field("max_maturity").choices,
        required=False,
        help_text="Kids profiles only.",
    )
    audio_language = _language_field(
        AUDIO_LANGUAGE_HELP + " Left out, it stays (a profile made a kids one "
        "without any gets the site's language)."
    )
    audio_description = serializers.BooleanField(
        required=False, help_text=AUDIO_DESCRIPTION_HELP
    )
    captions_language = _language_field(CAPTIONS_LANGUAGE_HELP)
