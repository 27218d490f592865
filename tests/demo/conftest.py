import pytest


@pytest.fixture(autouse=True)
def _empty_counters(settings):
    """The simulated audience starts from no counters, with analytics on."""
    from analytics.store import store_clear

    settings.ANALYTICS_ENABLED = True
    store_clear()
    yield
    store_clear()
