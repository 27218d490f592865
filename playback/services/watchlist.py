"""My List: titles a profile keeps to watch later."""

from django.db import IntegrityError, transaction

from accounts.models import Profile
from catalog import selectors as catalog_selectors

from .. import refusals
from ..models import WatchlistItem


@transaction.atomic
def watchlist_add(*, profile: Profile, title_id: int) -> tuple[WatchlistItem, bool]:
    """Put a visible title on the profile's list; (item, whether it was added)."""
    title = (
        catalog_selectors.titles_visible_to(profile.max_maturity)
        .filter(pk=title_id)
        .first()
    )
    if title is None:
        raise refusals.NotFound("There is no such title.")
    try:
        with transaction.atomic():
            return WatchlistItem.objects.get_or_create(profile=profile, title=title)
    except IntegrityError:  # added by a concurrent request
        return WatchlistItem.objects.get(profile=profile, title=title), False


def watchlist_remove(*, profile: Profile, title_id: int) -> None:
    """Take a title off the profile's list; NotFound if it is not on it."""
    deleted, _ = WatchlistItem.objects.filter(
        profile=profile, title_id=title_id
    ).delete()
    if not deleted:
        raise refusals.NotFound("This title is not on your list.")
