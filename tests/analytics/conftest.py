import pytest
from django.contrib.auth.models import Group

from accounts.models import User


@pytest.fixture(autouse=True)
def _empty_counters(settings):
    """Every test starts with no counters, ten retention buckets and analytics on."""
    from analytics.store import store_clear

    settings.ANALYTICS_ENABLED = True
    settings.ANALYTICS_RETENTION_BUCKETS = 10
    store_clear()
    yield
    store_clear()


@pytest.fixture
def editor_user(db) -> User:
    """A staff member of the Editors group, who may see the analytics."""
    user = User.objects.create_user(email="editor@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user
