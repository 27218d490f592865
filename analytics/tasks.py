from celery import shared_task

from .rollup import analytics_rollup as rollup


@shared_task(acks_late=True, queue="default")
def analytics_rollup() -> int:
    """Roll today's and yesterday's analytics counters up into their tables."""
    return rollup()
