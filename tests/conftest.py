"""Suite-wide fixtures and the rules for the two configurations.

The embedded run (no environment) uses SQLite, diskcache and the
filesystem broker; the service-backed run sets DATABASE_URL, REDIS_URL and
CELERY_BROKER_URL. Tests marked ``postgresql`` are deselected where the database
is not PostgreSQL, and ``.ci/run`` sets VOD_EXPECT_SERVICES=1 so that a missing
service is a failure, never a silent skip.
"""

import os

import pytest
from django.conf import settings as django_settings


def _database_vendor() -> str:
    engine = django_settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else engine.rsplit(".", 1)[-1]


def pytest_configure(config):
    if os.environ.get("VOD_EXPECT_SERVICES") == "1":
        missing = []
        if _database_vendor() != "postgresql":
            missing.append("DATABASE_URL (PostgreSQL)")
        if not os.environ.get("REDIS_URL"):
            missing.append("REDIS_URL")
        if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
            missing.append("CELERY_BROKER_URL (Redis)")
        if missing:
            raise pytest.UsageError(
                "The service-backed run needs: " + ", ".join(missing)
            )


def pytest_collection_modifyitems(config, items):
    _restore_migration_data_after_transactional_tests(items)
    if _database_vendor() == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgresql") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _restore_migration_data_after_transactional_tests(items) -> None:
    """Transactional tests (real workers, a live server) empty every table when
    they end, taking what data migrations created (the Editors group, the
    plans) with them. Serialized rollback puts it back for the tests after."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None:
            transactional = marker.kwargs.get("transaction", False)
            if not transactional or "serialized_rollback" in marker.kwargs:
                continue
        elif not {"transactional_db", "live_server"} & set(item.fixturenames):
            continue
        kwargs = dict(marker.kwargs) if marker is not None else {}
        kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    """Each test writes media to its own folder and starts with empty caches."""
    from django.core.cache import cache

    from accounts.plans import plans_forget
    from catalog.caching import catalog_memo_clear
    from playback.delivery import pathways, stored
    from vod.api.throttling import throttle_leases_forget

    def clear():
        cache.clear()
        catalog_memo_clear()
        plans_forget()
        stored.published_masters_forget()
        pathways.pathways_cache_clear()
        throttle_leases_forget()

    settings.MEDIA_ROOT = tmp_path / "media"
    clear()
    yield
    clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
