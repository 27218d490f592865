import pytest

from .factories import PlaybackSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_lockouts(settings):
    settings.AXES_ENABLED = False


def test_support_can_see_sessions_but_not_change_them(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    session = PlaybackSessionFactory(device="Living room TV")
    client.force_login(admin)

    listing = client.get("/admin/playback/playbacksession/")
    detail = client.get(f"/admin/playback/playbacksession/{session.pk}/change/")
    add = client.get("/admin/playback/playbacksession/add/")

    assert listing.status_code == 200
    assert "Living room TV" in listing.content.decode()
    assert detail.status_code == 200  # a read-only view
    assert 'name="_save"' not in detail.content.decode()
    assert add.status_code == 403
