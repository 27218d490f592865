from celery import shared_task

from . import services


@shared_task(acks_late=True, queue="default")
def playback_sessions_prune() -> int:
    """Delete playback sessions over for longer than the retention period."""
    return services.playback_sessions_prune()
