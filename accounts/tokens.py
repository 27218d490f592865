"""The apps' JWTs: issuing a pair, rotating it atomically, revoking it at once.

Every token carries two claims besides simplejwt's own:

- ``ver``, the account's token version (``User.token_version``). Bumping it
  revokes every access token of the account at once: password change or
  reset, a confirmed email change, a logout "everywhere".
- ``sid``, the sign-in the pair belongs to, kept across rotations. An app's
  logout denies it for one access-token lifetime, so that app's access tokens
  die at once while the account's other apps stay signed in.

A Bearer request checks both against the cache in one round trip and reads
no extra row: the version's source of truth is a column of the account row the
request loads anyway (``accounts.selectors.user_with_plan``), which fills the
cache on a miss.
"""

import datetime
import uuid

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from .models import User

VERSION_CLAIM = "ver"
SIGNIN_CLAIM = "sid"
# A version read from the row lives this long in the cache; a bump overwrites it.
VERSION_CACHE_SECONDS = 24 * 3600


class Revoked(TokenError):
    """The token was revoked: its account signed out, or changed credentials."""


def version_key(user_id) -> str:
    return f"accounts:token-version:{user_id}"


def signin_key(signin_id: str) -> str:
    return f"accounts:signin-revoked:{signin_id}"


class _AccountClaims(Token):
    """Adds ``ver`` and ``sid`` before the blacklist app records the token."""

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[VERSION_CLAIM] = user.token_version
        token[SIGNIN_CLAIM] = uuid.uuid4().hex
        return token


# The MRO puts _AccountClaims between BlacklistMixin and Token, so the
# outstanding-token row stores the token with its claims.
class AccountRefreshToken(RefreshToken, _AccountClaims):
    """A refresh token of this project (the access tokens it makes copy its
    claims)."""


def token_pair_issue(*, user: User) -> dict:
    """A new sign-in for an app: an access and a refresh token."""
    refresh = AccountRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _blacklist_once(token: RefreshToken) -> None:
    """Blacklist ``token`` or raise ``TokenError`` if another request already did.

    The INSERT relies on the blacklist's unique key: of two concurrent
    requests, the second waits for the first to commit and then fails, where
    simplejwt's check-then-``get_or_create`` lets both through.
    """
    jti = token[api_settings.JTI_CLAIM]
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=jti,
        defaults={
            "user_id": token.get(api_settings.USER_ID_CLAIM),
            "created_at": token.current_time,
            "token": str(token),
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise TokenError("Token is blacklisted") from exc


def _refresh_token_load(raw: str) -> tuple[AccountRefreshToken, User]:
    """The refresh token (signature, expiry, type, blacklist checked) and its
    active account, whose token version it must carry."""
    token = AccountRefreshToken(raw)
    user = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active:
        raise TokenError("No active account has this token")
    if token.get(VERSION_CLAIM, 0) != user.token_version:
        raise Revoked("Token was revoked")
    return token, user


@transaction.atomic
def refresh_token_rotate(*, raw: str) -> dict:
    """Trade a refresh token for a new pair; the one sent is spent, once."""
    token, user = _refresh_token_load(raw)
    _blacklist_once(token)
    token.set_jti()
    token.set_exp()
    token.set_iat()
    token.outstand()
    return {"access": str(token.access_token), "refresh": str(token)}


@transaction.atomic
def refresh_token_revoke(*, raw: str, everywhere: bool = False) -> None:
    """Sign an app out: spend its refresh token and deny its access tokens now;
    ``everywhere`` signs out every app of the account."""
    token, user = _refresh_token_load(raw)
    _blacklist_once(token)
    signin_id = token.get(SIGNIN_CLAIM)
    if signin_id:
        # At once, not on commit: a rollback at worst signs an app out early.
        signin_deny(signin_id=signin_id)
    if everywhere:
        user_tokens_revoke(user=user)


def signin_deny(*, signin_id: str) -> None:
    """Refuse the access tokens of one sign-in for as long as any can live."""
    lifetime: datetime.timedelta = api_settings.ACCESS_TOKEN_LIFETIME
    cache.set(signin_key(signin_id), True, timeout=int(lifetime.total_seconds()) + 60)


@transaction.atomic
def token_version_bump(*, user: User) -> int:
    """Revoke every access token of the account at once; returns the new version."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.token_version = User.objects.values_list("token_version", flat=True).get(
        pk=user.pk
    )
    version = user.token_version
    transaction.on_commit(
        lambda: cache.set(version_key(user.pk), version, VERSION_CACHE_SECONDS)
    )
    return version


def access_token_check(*, token, user: User) -> None:
    """Raise ``Revoked`` if the account's version moved on or the sign-in was
    denied: one cache round trip, no query (the row is already loaded)."""
    signin_id = token.get(SIGNIN_CLAIM)
    keys = [version_key(user.pk)] + ([signin_key(signin_id)] if signin_id else [])
    found = cache.get_many(keys)
    cached = found.get(keys[0])
    # Versions only grow: the larger of the cache (a replica may lag behind a
    # bump) and the row (a cache write may have failed) is the current one.
    current = max(cached or 0, user.token_version)
    if cached is None or cached < current:
        cache.set(keys[0], current, VERSION_CACHE_SECONDS)
    if token.get(VERSION_CLAIM, 0) != current:
        raise Revoked("The account signed out everywhere or changed credentials")
    if signin_id and found.get(signin_key(signin_id)):
        raise Revoked("This sign-in was signed out")


@transaction.atomic
def user_tokens_revoke(*, user: User) -> int:
    """Sign out every app of the account: blacklist its live refresh tokens and
    revoke its access tokens at once. Returns how many refresh tokens died."""
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    token_version_bump(user=user)
    return len(created)
