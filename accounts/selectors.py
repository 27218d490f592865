"""Reads about accounts: the plan that applies, and who is watching."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotFound, ValidationError

from .models import Profile, User
from .plans import plan_for_user, plan_get

PROFILE_HEADER = "X-Profile-ID"
PROFILE_SESSION_KEY = "profile_id"


class ProfileRequired(Exception):
    """The account has several profiles and the request did not say which one."""


def user_with_plan(user_id) -> User | None:
    """The account with its plan (from this process's copy of the plans), or
    None; one query. ``ValueError`` for an id that is not a number."""
    user = next(iter(User.objects.filter(pk=user_id).order_by()[:1]), None)
    if user is not None and user.plan_id is not None:
        user.plan = plan_get(user.plan_id)
    return user


def _profile_of(user: User, profile_id: int) -> Profile | None:
    profiles = Profile.objects.filter(pk=profile_id, user_id=user.pk).order_by()
    profile = next(iter(profiles[:1]), None)
    if profile is not None:
        profile.user = user  # already loaded (with its plan, for JWT)
    return profile


def profile_for_request(request) -> Profile:
    """The profile a signed-in request acts for.

    API clients name it in the ``X-Profile-ID`` header; the browser remembers
    the one picked on the profiles page in its session. An account with a
    single profile needs neither. A profile of another account is a 404, as if
    it did not exist; a malformed id is a 400.
    """
    user = request.user
    raw = request.headers.get(PROFILE_HEADER)
    from_header = raw is not None
    if raw is None and hasattr(request, "session"):
        raw = request.session.get(PROFILE_SESSION_KEY)
    if raw is not None and str(raw).strip() != "":
        try:
            profile_id = int(raw)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                {PROFILE_HEADER: ["Must be a profile id (a number)."]}
            ) from exc
        profile = _profile_of(user, profile_id)
        if profile is None:
            if from_header:
                raise NotFound("No such profile on this account.")
            request.session.pop(
                PROFILE_SESSION_KEY, None
            )  # deleted since it was picked
        else:
            return profile
    profiles = list(Profile.objects.filter(user=user)[:2])
    if len(profiles) == 1:
        profiles[0].user = user
        return profiles[0]
    raise ProfileRequired("Choose a profile first.")


def profile_list(*, user: User) -> QuerySet[Profile]:
    """The account's profiles, oldest first (at most ``Profile.MAX_PER_ACCOUNT``)."""
    return Profile.objects.filter(user=user).order_by("created_at", "id")


def profile_get(*, user: User, pk) -> Profile:
    """One of the account's profiles; another account's (or none) is a 404."""
    return get_object_or_404(Profile.objects.select_related("user"), pk=pk, user=user)


def account_detail(*, user: User) -> User:
    """The account with its plan resolved (``user.effective_plan``) and profiles."""
    account = User.objects.prefetch_related(
        Prefetch("profiles", queryset=profile_list(user=user))
    ).get(pk=user.pk)
    if account.plan_id is not None:
        account.plan = plan_get(account.plan_id)
    account.effective_plan = plan_for_user(account)
    return account


def profile_switcher(request) -> dict:
    """The profiles of the signed-in account and the one in use, for the site header.

    The one in use is the profile picked in this browser session, or the only
    one; None when several exist and none was picked.
    """
    profiles = list(profile_list(user=request.user))
    chosen = request.session.get(PROFILE_SESSION_KEY)
    current = next((p for p in profiles if str(p.pk) == str(chosen)), None)
    if current is None and len(profiles) == 1:
        current = profiles[0]
    return {"profiles": profiles, "current": current}
