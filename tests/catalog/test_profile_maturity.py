"""A kids profile sees only titles up to its maturity rating, in pages and the API."""

import pytest
from rest_framework.test import APIClient

from accounts.selectors import PROFILE_SESSION_KEY
from catalog import selectors
from catalog.models import Title
from tests.accounts.factories import ProfileFactory, UserFactory
from tests.catalog.factories import GenreFactory, TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shelf():
    genre = GenreFactory(slug="drama")
    return {
        "cartoon": TitleFactory(
            name="Cartoon Hour", maturity_rating=Title.Maturity.ALL, genres=[genre]
        ),
        "thriller": TitleFactory(
            name="Midnight Thriller",
            maturity_rating=Title.Maturity.AGE_16,
            is_featured=True,
            genres=[genre],
        ),
    }


@pytest.fixture
def family():
    user = UserFactory()
    return {
        "adult": ProfileFactory(user=user, name="Alex"),
        "kid": ProfileFactory(user=user, name="Kim", kids=True),
    }


def api_as(profile) -> APIClient:
    client = APIClient()
    client.force_authenticate(profile.user)
    client.credentials(HTTP_X_PROFILE_ID=str(profile.pk))
    return client


def names(titles) -> set[str]:
    return {title.name for title in titles}


def test_the_selectors_leave_out_titles_above_the_profiles_rating(shelf, family):
    kid = family["kid"]

    assert names(selectors.title_list_for_viewers(max_maturity=kid.max_maturity)) == {
        "Cartoon Hour"
    }
    assert names(selectors.title_cards(max_maturity=kid.max_maturity)) == {
        "Cartoon Hour"
    }
    home = selectors.home_page(max_maturity=kid.max_maturity)
    assert home.featured.name == "Cartoon Hour"
    assert names(home.new_releases) == {"Cartoon Hour"}
    assert [names(row.titles) for row in home.genre_rows] == [{"Cartoon Hour"}]
    assert names(
        selectors.title_search_for_viewers(
            query="thriller", max_maturity=kid.max_maturity
        )
    ) == (set())
    with pytest.raises(Exception, match="No Title matches"):
        selectors.title_detail_for_viewers(
            pk=shelf["thriller"].pk, max_maturity=kid.max_maturity
        )


def test_an_adult_profile_and_anonymous_viewers_see_everything(shelf, family):
    both = {"Cartoon Hour", "Midnight Thriller"}

    assert (
        names(
            selectors.title_list_for_viewers(max_maturity=family["adult"].max_maturity)
        )
        == both
    )
    assert names(selectors.title_list_for_viewers()) == both


def test_the_api_filters_for_the_profile_it_acts_for(shelf, family):
    kid, adult = api_as(family["kid"]), api_as(family["adult"])
    thriller = shelf["thriller"]

    listed = [t["name"] for t in kid.get("/api/v1/titles/").json()["results"]]
    assert listed == ["Cartoon Hour"]
    assert kid.get(f"/api/v1/titles/{thriller.pk}/").status_code == 404
    assert kid.get("/api/v1/search/?q=thriller").json()["results"] == []
    assert adult.get(f"/api/v1/titles/{thriller.pk}/").status_code == 200
    assert APIClient().get(f"/api/v1/titles/{thriller.pk}/").status_code == 200


def test_the_api_refuses_a_foreign_profile_header(shelf, family):
    client = api_as(family["kid"])
    client.credentials(HTTP_X_PROFILE_ID=str(ProfileFactory().pk))

    assert client.get("/api/v1/titles/").status_code == 404


def test_pages_filter_for_the_profile_picked_in_the_browser(client, shelf, family):
    client.force_login(family["kid"].user)
    session = client.session
    session[PROFILE_SESSION_KEY] = family["kid"].pk
    session.save()
    thriller = shelf["thriller"]

    home = client.get("/").content.decode()
    assert "Cartoon Hour" in home and "Midnight Thriller" not in home
    assert client.get(f"/titles/{thriller.slug}/").status_code == 404
    assert "Midnight Thriller" not in client.get("/genres/drama/").content.decode()
    assert "Midnight Thriller" not in client.get("/search/?q=thriller").content.decode()


def test_pages_ignore_a_bad_profile_header(client, shelf, family):
    client.force_login(family["adult"].user)

    response = client.get("/", headers={"X-Profile-ID": "nonsense"})

    assert response.status_code == 200
