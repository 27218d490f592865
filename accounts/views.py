"""Account pages: sign up, sign in and out, credentials, and "Who's watching?"."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from vod.client_address import client_network

from . import emails, selectors, services
from .forms import (
    EmailAuthenticationForm,
    EmailChangeForm,
    PasswordChangeServiceForm,
    PasswordSetForm,
    ProfileForm,
    SignupForm,
)
from .limits import EmailsLimited
from .models import Profile
from .selectors import PROFILE_SESSION_KEY

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request, default: str) -> str:
    """The ``next`` parameter when it points back into this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return candidate
    return default


# --- Signing up, in and out ---------------------------------------------------


def _too_many_emails(request, exc: EmailsLimited):
    response = render(
        request, "accounts/too_many_emails.html", {"message": str(exc)}, status=429
    )
    response["Retry-After"] = str(exc.wait)
    return response


def signup(request):
    """Create an account and mail its verification link.

    The answer is the same "check your email" page whether or not the address
    already has an account (its owner gets a notice instead), so the page does
    not tell who has one; the new account then signs in.
    """
    if request.user.is_authenticated:
        return redirect("accounts:profiles")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_signup_request(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
                client=client_network(request),
                base_url=emails.base_url_for(request),
            )
        except EmailsLimited as exc:
            return _too_many_emails(request, exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return render(
                request,
                "accounts/signup_done.html",
                {"email": form.cleaned_data["email"].strip().lower()},
            )
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": _next_url(request, "")},
    )


def email_verify(request, token: str):
    """Follow a verification link: the account's address is confirmed."""
    try:
        services.user_email_verify(token=token)
    except ValidationError:
        return render(request, "accounts/email_link_invalid.html", status=400)
    messages.success(request, "Thank you: your email address is confirmed.")
    if request.user.is_authenticated:
        return redirect("accounts:account")
    return redirect("accounts:login")


@login_required
@require_POST
def email_verify_resend(request):
    try:
        services.user_email_verify_resend(
            user=request.user,
            client=client_network(request),
            base_url=emails.base_url_for(request),
        )
    except EmailsLimited as exc:
        return _too_many_emails(request, exc)
    messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect("accounts:account")


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link or a prefetch cannot sign anyone out."""


# --- The account and its credentials ------------------------------------------


@login_required
def account(request):
    return render(
        request,
        "accounts/account.html",
        {"account": selectors.account_detail(user=request.user)},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeServiceForm
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this browser signed in
        messages.success(
            self.request,
            "Your password was changed. Apps signed in with the old one must sign "
            "in again.",
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        try:
            services.user_password_reset_send(
                email=form.cleaned_data["email"],
                client=client_network(self.request),
                base_url=emails.base_url_for(self.request),
            )
        except EmailsLimited as exc:
            return _too_many_emails(self.request, exc)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = PasswordSetForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def email_change(request):
    """Ask for a new sign-in address; it takes over once its link is followed."""
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"].strip().lower()
        try:
            services.user_email_change(
                user=request.user,
                password=form.cleaned_data["password"],
                new_email=new_email,
                client=client_network(request),
                base_url=emails.base_url_for(request),
            )
        except EmailsLimited as exc:
            return _too_many_emails(request, exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"We sent a link to {new_email}: open it to sign in with that "
                f"address. Until then you sign in with {request.user.email}.",
            )
            return redirect("accounts:account")
    return render(request, "accounts/email_change.html", {"form": form})


def email_change_confirm(request, token: str):
    """The link mailed to a new address: a button that makes it the sign-in one.

    A POST, so that a mail scanner opening the link changes nothing.
    """
    found = emails.email_change_token_read(token)
    if found is None:
        return render(request, "accounts/email_link_invalid.html", status=400)
    if request.method == "POST":
        try:
            user = services.user_email_change_confirm(token=token)
        except ValidationError as exc:
            return render(
                request,
                "accounts/email_link_invalid.html",
                {"message": " ".join(exc.messages)},
                status=400,
            )
        messages.success(request, f"You now sign in with {user.email}.")
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect("accounts:account")
        return redirect("accounts:login")
    return render(
        request,
        "accounts/email_change_confirm.html",
        {"old_email": found[1], "new_email": found[2]},
    )


# --- Who's watching? ----------------------------------------------------------


@login_required
def profiles(request):
    """Pick who is watching; add, rename or delete profiles."""
    profile_list = list(selectors.profile_list(user=request.user))
    context = {
        "profiles": profile_list,
        "current_id": request.session.get(PROFILE_SESSION_KEY),
        "can_add": len(profile_list) < Profile.MAX_PER_ACCOUNT,
        "max_profiles": Profile.MAX_PER_ACCOUNT,
        "form": ProfileForm(),
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/profiles.html", context)


@login_required
def profile_add(request):
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(
                user=request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Profile {profile.name} added.")
            return redirect("accounts:profiles")
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "profile": None, "max_profiles": Profile.MAX_PER_ACCOUNT},
    )


@login_required
def profile_edit(request, pk: int):
    profile = selectors.profile_get(user=request.user, pk=pk)
    if request.method == "POST":
        form = ProfileForm.for_profile(profile, data=request.POST)
        if form.is_valid():
            try:
                services.profile_update(profile=profile, **form.service_kwargs())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Profile {profile.name} saved.")
                return redirect("accounts:profiles")
    else:
        form = ProfileForm.for_profile(profile)
    return render(
        request, "accounts/profile_form.html", {"form": form, "profile": profile}
    )


@login_required
def profile_delete(request, pk: int):
    profile = selectors.profile_get(user=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.profile_delete(profile=profile)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if str(request.session.get(PROFILE_SESSION_KEY)) == str(pk):
                request.session.pop(PROFILE_SESSION_KEY)
            messages.success(request, f"Profile {profile.name} deleted.")
            return redirect("accounts:profiles")
    return render(
        request,
        "accounts/profile_confirm_delete.html",
        {"profile": profile, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def profile_select(request, pk: int):
    """Watch as this profile in this browser, then go back where the viewer was."""
    profile = selectors.profile_get(user=request.user, pk=pk)
    request.session[PROFILE_SESSION_KEY] = profile.pk
    return HttpResponseRedirect(_next_url(request, reverse("catalog:home")))
