from celery import shared_task

from . import services
from .delivery import pathways


@shared_task(acks_late=True, queue="default")
def playback_sessions_prune() -> int:
    """Delete playback sessions over for longer than the retention period."""
    return services.playback_sessions_prune()


@shared_task(acks_late=True, queue="default")
def cdn_pathways_check() -> dict[str, bool]:
    """Health-check the CDN pathways; demote failing ones, promote recovered ones."""
    return pathways.cdn_pathways_check()
