from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from celery.signals import task_postrun

        from . import checks, metrics, signals  # noqa: F401  (checks and receivers)

        metrics.catalog_metrics_register()
        # In workers: a transcode that published is observed at its end.
        task_postrun.connect(metrics.on_task_postrun, dispatch_uid="catalog.metrics")
