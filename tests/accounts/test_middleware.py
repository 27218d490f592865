"""request.profile: resolved on first use, once, as pages and APIs ask for it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.middleware import ProfileMiddleware
from accounts.selectors import PROFILE_HEADER, ProfileRequired
from catalog.models import Title
from tests.accounts.factories import ProfileFactory, UserFactory
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db


def _request(user, **headers):
    request = RequestFactory().get("/", headers=headers)
    request.user = user
    request.session = {}
    ProfileMiddleware(lambda request: None)(request)
    return request


def test_the_profile_is_resolved_with_one_query_however_often_it_is_asked(
    django_assert_num_queries,
):
    user = UserFactory()
    ProfileFactory(user=user)
    kid = ProfileFactory(user=user, kids=True)
    request = _request(user, **{PROFILE_HEADER: str(kid.pk)})

    with django_assert_num_queries(1):
        assert request.profile.get() == kid
        assert request.profile.get(strict=True) == kid
        assert request.profile.require() == kid
        assert request.profile.max_maturity() == kid.max_maturity


def test_nothing_is_queried_for_an_anonymous_request(django_assert_num_queries):
    request = _request(AnonymousUser())

    with django_assert_num_queries(0):
        assert request.profile.get(strict=True) is None
        assert request.profile.max_maturity() is None


def test_a_bad_header_is_ignored_for_pages_and_raised_for_the_api():
    user = UserFactory(with_profile=True)
    malformed = _request(user, **{PROFILE_HEADER: "abc"})
    foreign = _request(user, **{PROFILE_HEADER: str(ProfileFactory().pk)})

    assert malformed.profile.get() is None
    assert foreign.profile.get() is None
    with pytest.raises(ValidationError):
        malformed.profile.get(strict=True)
    with pytest.raises(NotFound):
        foreign.profile.require()


def test_several_profiles_and_none_chosen_is_no_profile_for_pages_only():
    user = UserFactory()
    ProfileFactory(user=user)
    ProfileFactory(user=user)
    request = _request(user)

    assert request.profile.get(strict=True) is None
    with pytest.raises(ProfileRequired):
        request.profile.require()


def test_a_bearer_token_request_acts_for_the_tokens_profile():
    # DRF checks the token after the middleware ran; the lazy profile, first
    # asked in the view, must see that account, not an anonymous one.
    kid = ProfileFactory(kids=True)
    TitleFactory(name="Cartoon Hour", maturity_rating=Title.Maturity.ALL)
    TitleFactory(name="Midnight Thriller", maturity_rating=Title.Maturity.AGE_18)
    client = APIClient()
    token = RefreshToken.for_user(kid.user).access_token
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_PROFILE_ID=str(kid.pk)
    )

    response = client.get("/api/v1/titles/")

    assert response.status_code == 200
    assert [t["name"] for t in response.json()["results"]] == ["Cartoon Hour"]
    foreign = ProfileFactory()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_PROFILE_ID=str(foreign.pk)
    )
    assert client.get("/api/v1/titles/").status_code == 404
