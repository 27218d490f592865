"""``request.profile``: the profile a request acts for, resolved once, on first use.

Like ``request.user``, it costs nothing until a view asks, and then one query
however often it is asked. It is read in the view, never earlier: an API
request's bearer token is checked by DRF after every middleware has run, and
DRF then sets the user on this request too, so the profile resolved here is
the token's account's.
"""

from functools import cached_property

from rest_framework.exceptions import APIException, NotAuthenticated

from .models import Profile
from .selectors import ProfileRequired, profile_for_request


class RequestProfile:
    """Who is watching, asked in one of three ways by pages and APIs.

    Not a lazy ``Profile``: there may be none (anonymous, or several and none
    picked), and the API must tell why; so each caller asks for what it needs.
    """

    def __init__(self, request):
        self._request = request

    @cached_property
    def _resolved(self) -> Profile | Exception | None:
        if not self._request.user.is_authenticated:
            return None
        try:
            return profile_for_request(self._request)
        except (ProfileRequired, APIException) as exc:
            return exc

    def get(self, *, strict: bool = False) -> Profile | None:
        """The profile, or None when anonymous or none is picked among several.

        A bad ``X-Profile-ID`` is ignored for pages; ``strict`` (the API) raises
        its 400 or 404.
        """
        resolved = self._resolved
        if isinstance(resolved, APIException) and strict:
            raise resolved
        return resolved if isinstance(resolved, Profile) else None

    def require(self) -> Profile:
        """The profile; else ``ProfileRequired``, the header's 400 or 404, or 401."""
        resolved = self._resolved
        if isinstance(resolved, Exception):
            raise resolved
        if resolved is None:
            raise NotAuthenticated()
        return resolved

    def max_maturity(self, *, strict: bool = False) -> int | None:
        """The highest rating the profile may see; None without a profile."""
        profile = self.get(strict=strict)
        return None if profile is None else profile.max_maturity


class ProfileMiddleware:
    """Sets ``request.profile`` (after ``AuthenticationMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.profile = RequestProfile(request)
        return self.get_response(request)
