"""The pages on top: each resolves the viewer's profile once per request."""

import pytest

from accounts import middleware
from accounts.selectors import PROFILE_SESSION_KEY
from tests.accounts.factories import ProfileFactory, UserFactory
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolutions(monkeypatch) -> list:
    calls = []
    resolve = middleware.profile_for_request

    def counted(request):
        calls.append(request.path)
        return resolve(request)

    monkeypatch.setattr(middleware, "profile_for_request", counted)
    return calls


@pytest.fixture
def kid_client(client):
    user = UserFactory()
    ProfileFactory(user=user)
    kid = ProfileFactory(user=user, kids=True)
    client.force_login(user)
    session = client.session
    session[PROFILE_SESSION_KEY] = kid.pk
    session.save()
    return client


def test_each_page_resolves_the_profile_once(kid_client, resolutions):
    movie = TitleFactory(slug="movie")
    season = SeasonFactory(title=TitleFactory(slug="series", series=True))
    EpisodeFactory(season=season, number=1)
    paths = [
        "/",
        f"/titles/{movie.slug}/",
        f"/watch/{movie.slug}/",
        "/watch/series/s1e1/",
        "/genres/none/",
        "/search/?q=movie",
    ]
    for path in paths:
        response = kid_client.get(path)
        assert response.status_code in (200, 404), path

    # The genre does not exist: that page 404s before asking who is watching.
    assert sorted(resolutions) == sorted(p.split("?")[0] for p in paths[:4] + paths[5:])


def test_the_api_resolves_the_profile_once(kid_client, resolutions):
    TitleFactory()

    assert kid_client.get("/api/v1/titles/").status_code == 200
    assert kid_client.get("/api/v1/me/continue-watching/").status_code == 200

    assert resolutions == ["/api/v1/titles/", "/api/v1/me/continue-watching/"]
