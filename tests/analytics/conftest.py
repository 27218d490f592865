import pytest


@pytest.fixture(autouse=True)
def _empty_counters(settings):
    """Every test starts with no counters, ten retention buckets and analytics on."""
    from analytics.store import store_clear

    settings.ANALYTICS_ENABLED = True
    settings.ANALYTICS_RETENTION_BUCKETS = 10
    store_clear()
    yield
    store_clear()
