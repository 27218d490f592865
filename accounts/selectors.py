"""Reads about accounts: the plan that applies, and who is watching."""

from rest_framework.exceptions import NotFound, ValidationError

from .models import Plan, Profile, User

PROFILE_HEADER = "X-Profile-ID"
PROFILE_SESSION_KEY = "profile_id"


class ProfileRequired(Exception):
    """The account has several profiles and the request did not say which one."""


def plan_for_user(user: User) -> Plan:
    """The user's plan, or the default plan when none is assigned."""
    if user.plan_id:
        return user.plan
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        raise Plan.DoesNotExist("No default plan is configured.")
    return plan


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
        profile = Profile.objects.filter(pk=profile_id, user=user).first()
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
        return profiles[0]
    raise ProfileRequired("Choose a profile first.")
