"""The Celery app: configured from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vod.settings")

app = Celery("vod")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def _observe_task_metrics(task=None, args=(), kwargs=None, retval=None, **extra):
    # Workers have no /metrics of their own: what they observe goes to the
    # cache, which the web replicas export (vod/metrics/transcode.py).
    from vod.metrics.transcode import on_task_postrun

    on_task_postrun(task=task, args=args or (), kwargs=kwargs or {}, retval=retval)
