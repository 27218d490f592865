"""What every page's header needs about the signed-in account."""

from django.utils.functional import SimpleLazyObject

from . import selectors


def profile_switcher(request) -> dict:
    """``profile_switcher``: the account's profiles and the one in use.

    Lazy: only pages that show the switcher (signed-in viewers) query for it.
    """
    if not hasattr(request, "user"):
        return {}
    return {
        "profile_switcher": SimpleLazyObject(
            lambda: (
                selectors.profile_switcher(request)
                if request.user.is_authenticated
                else {"profiles": [], "current": None}
            )
        )
    }
