"""Reads about accounts: the plan that applies, and who is watching."""

import functools
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotFound, ValidationError

from vod.db_rows import fetch, instance_from_row

from .models import Profile, User
from .plans import plan_for_user, plan_get

PROFILE_HEADER = "X-Profile-ID"
PROFILE_SESSION_KEY = "profile_id"


class ProfileRequired(Exception):
    """The account has several profiles and the request did not say which one."""


@dataclass(frozen=True)
class ProfilesRead:
    """The profiles read with the account, for ``profile_for_request``: the
    one ``X-Profile-ID`` named (``asked``), or with no header (``asked`` None)
    the account's first two; the list is empty when there is no such profile."""

    asked: int | None
    profiles: list[Profile]


def _in_range(field, value, alias: str) -> bool:
    low, high = connections[alias].ops.integer_field_range(field.get_internal_type())
    return (low is None or value >= low) and (high is None or value <= high)


@functools.cache
def _account_sql(alias: str, *, one_profile: bool) -> str:
    """The account and, joined, the profile ``X-Profile-ID`` names (its id
    first among the parameters) or the account's first two profiles."""
    quote = connections[alias].ops.quote_name
    user, profile = User._meta, Profile._meta
    columns = [f"u.{quote(f.column)}" for f in user.concrete_fields]
    columns += [f"p.{quote(f.column)}" for f in profile.concrete_fields]
    join = f"p.{quote(profile.get_field('user').column)} = u.{quote(user.pk.column)}"
    if one_profile:
        join = f"p.{quote(profile.pk.column)} = %s AND {join}"
    return (
        f"SELECT {', '.join(columns)} FROM {quote(user.db_table)} u "  # noqa: S608
        f"LEFT OUTER JOIN {quote(profile.db_table)} p ON {join} "
        f"WHERE u.{quote(user.pk.column)} = %s" + ("" if one_profile else " LIMIT 2")
    )


def user_with_plan(user_id, *, profile_header: str | None = None) -> User | None:
    """The account with its plan (from this process's copy of the plans), or
    None; one query. ``ValueError`` for an id that is not a number.

    The profile the request's ``profile_header`` (``X-Profile-ID``) names, or
    with none the account's only profile, comes in the same query, kept on the
    account (``profiles_read``) for ``profile_for_request``.

    Written by hand, one query where the ORM ran two: every bearer request
    (each playback start and heartbeat) runs it. With the playback queries
    written by hand too (see ``playback.selectors``), CPU per start 3.9 -> 2.3
    ms on SQLite, 7.1 -> 4.1 ms on PostgreSQL; per heartbeat 4.6 -> 2.0 and
    7.2 -> 3.4 ms (``bench/playback_inprocess.py``, ORM -> by hand).
    """
    alias = router.db_for_read(User)
    user_id = User._meta.pk.get_prep_value(user_id)
    if user_id is None or not _in_range(User._meta.pk, user_id, alias):
        return None
    asked = _profile_asked(profile_header, alias)
    if asked is _UNREAD:
        return _user_alone(user_id, alias)
    sql = _account_sql(alias, one_profile=asked is not None)
    params = [user_id] if asked is None else [asked, user_id]
    rows = fetch(alias, sql, params)
    if not rows:
        return None
    user_fields, profile_fields = (
        User._meta.concrete_fields,
        Profile._meta.concrete_fields,
    )
    n = len(user_fields)
    user = instance_from_row(User, user_fields, rows[0][:n], alias)
    if user.plan_id is not None:
        user.plan = plan_get(user.plan_id)
    profiles = []
    for row in rows:
        if row[n] is not None:  # the profile's id: joined
            profile = instance_from_row(Profile, profile_fields, row[n:], alias)
            profile.user = user
            profiles.append(profile)
    user.profiles_read = ProfilesRead(asked=asked, profiles=profiles)
    return user


_UNREAD = object()


def _profile_asked(header: str | None, alias: str):
    """The profile id ``X-Profile-ID`` names; None without one (the only
    profile is read); ``_UNREAD`` for one no row can have (the header's 400,
    or an id out of the column's range, which ``profile_for_request`` finds
    missing)."""
    if header is None or header.strip() == "":
        return None
    try:
        asked = Profile._meta.pk.get_prep_value(header)
    except (TypeError, ValueError):
        return _UNREAD
    return asked if _in_range(Profile._meta.pk, asked, alias) else _UNREAD


def _user_alone(user_id, alias: str) -> User | None:
    user = next(iter(User.objects.using(alias).filter(pk=user_id).order_by()), None)
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
    # Read with a bearer's account (``user_with_plan``), for this very header.
    read = getattr(user, "profiles_read", None)
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
        if from_header and read is not None and read.asked == profile_id:
            profile = next(iter(read.profiles), None)
        else:
            profile = _profile_of(user, profile_id)
        if profile is None:
            if from_header:
                raise NotFound("No such profile on this account.")
            request.session.pop(
                PROFILE_SESSION_KEY, None
            )  # deleted since it was picked
        else:
            return profile
    if read is not None and read.asked is None:
        profiles = read.profiles
    else:
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
