"""Cache invalidation on catalog edits; no domain logic lives here."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .caching import catalog_cache_invalidate
from .models import Credit, Episode, Genre, Person, Season, Title, Video

CATALOG_MODELS = (Title, Season, Episode, Genre, Person, Credit, Video)


def _invalidate() -> None:
    # Now, so this process (which may read its own uncommitted write) never
    # answers from before it; and again on commit, in case another process
    # cached the old rows in between.
    catalog_cache_invalidate()
    transaction.on_commit(catalog_cache_invalidate)


@receiver(post_save)
@receiver(post_delete)
def _invalidate_on_write(sender, **kwargs) -> None:
    if sender in CATALOG_MODELS:
        _invalidate()


@receiver(m2m_changed, sender=Title.genres.through)
def _invalidate_on_genres(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        _invalidate()
