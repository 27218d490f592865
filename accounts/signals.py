"""Plans changed: every process reads them again; no domain logic lives here."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Plan
from .plans import plans_changed


@receiver(post_save, sender=Plan)
@receiver(post_delete, sender=Plan)
def _plans_changed(sender, **kwargs) -> None:
    # Now, so this process never answers from before its own write; and again
    # on commit, in case another process read the old rows in between.
    plans_changed()
    transaction.on_commit(plans_changed)
