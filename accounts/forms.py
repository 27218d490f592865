"""Forms of the account pages. They check shape; services decide and write."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError

from vod.maturity import Maturity

from . import services
from .models import Profile
from .preferences import kids_audio_language, language_choices


class ServiceErrorsMixin:
    """Show a service's ``ValidationError`` next to the fields it names."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, asking for the email address."""

    username = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email address and password do not match an account.",
    }


class SignupForm(ServiceErrorsMixin, forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    name = forms.CharField(
        label="Your name",
        required=False,
        max_length=50,
        help_text="Optional. Your first profile is called this (or after your email).",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Type the same password, to be sure.",
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_confirm")
        if password and again and password != again:
            self.add_error("password_confirm", "The two passwords differ.")
        return cleaned


class ServicePasswordMixin:
    """Save the new password through the service, which also signs out the apps."""

    def save(self, commit: bool = True):
        return services.user_password_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            field="new_password1",
        )


class PasswordSetForm(SetPasswordForm):
    """The new password of a reset link (which verifies the address too)."""

    def save(self, commit: bool = True):
        return services.user_password_reset_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            field="new_password1",
        )


class PasswordChangeServiceForm(ServicePasswordMixin, PasswordChangeForm):
    """Old password, then the new one twice."""


class EmailChangeForm(ServiceErrorsMixin, forms.Form):
    new_email = forms.EmailField(
        label="New email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is you.",
    )


class ProfileForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=Profile._meta.get_field("name").max_length
    )
    is_kids = forms.BooleanField(
        label="Kids profile",
        required=False,
        help_text="Shows only titles up to the maturity limit below.",
    )
    max_maturity = forms.TypedChoiceField(
        label="Maturity limit for a kids profile",
        coerce=int,
        choices=Maturity.choices,
        initial=Profile.KIDS_DEFAULT_MATURITY,
        required=False,
        empty_value=None,
    )
    audio_language = forms.ChoiceField(
        label="Audio language",
        required=False,
        help_text="Titles start in this language where they have it.",
    )
    audio_description = forms.BooleanField(
        label="Audio description",
        required=False,
        help_text="Start on the narrated description of what is on screen, "
        "where a title has one.",
    )
    captions_language = forms.ChoiceField(
        label="Subtitles and captions",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The profile's own tag stays selectable even if the site lists it not.
        for field, blank in [
            ("audio_language", "The title's own language"),
            ("captions_language", "Off"),
        ]:
            current = self.initial.get(field) or ""
            self.fields[field].choices = [("", blank), *language_choices(current)]
        names = dict(language_choices())
        kids = kids_audio_language()
        kids_name = names.get(kids) or names.get(kids.split("-")[0]) or kids
        self.fields["audio_language"].help_text += (
            f" A new kids profile left on the title's own gets {kids_name}, "
            "the site's language."
        )

    @classmethod
    def for_profile(cls, profile: Profile, **kwargs) -> "ProfileForm":
        initial = {
            "name": profile.name,
            "is_kids": profile.is_kids,
            "max_maturity": (
                profile.max_maturity
                if profile.is_kids
                else Profile.KIDS_DEFAULT_MATURITY
            ),
            "audio_language": profile.audio_language,
            "audio_description": profile.audio_description,
            "captions_language": profile.captions_language,
        }
        return cls(initial=initial, **kwargs)

    def service_kwargs(self) -> dict:
        """Arguments for ``profile_create``/``profile_update``: the limit is for
        kids; an audio language left as it was is not sent, so the service's
        kids default applies to a new (or newly kids) profile."""
        is_kids = self.cleaned_data["is_kids"]
        audio_language = self.cleaned_data["audio_language"]
        return {
            "name": self.cleaned_data["name"],
            "is_kids": is_kids,
            "max_maturity": self.cleaned_data["max_maturity"] if is_kids else None,
            "audio_language": (
                audio_language if "audio_language" in self.changed_data else None
            ),
            "audio_description": self.cleaned_data["audio_description"],
            "captions_language": self.cleaned_data["captions_language"],
        }
