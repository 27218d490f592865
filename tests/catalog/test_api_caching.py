"""Cached anonymous catalog reads, answered by ``CatalogCacheMiddleware``: what a
hit keeps (security headers, the throttle, metrics, 304s) and who never gets one."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.selectors import PROFILE_SESSION_KEY
from catalog.api.views import TitleDetailApi, TitleListApi
from catalog.models import Title
from tests.accounts.factories import ProfileFactory
from tests.catalog.factories import TitleFactory
from tests.test_metrics import scrape, value

pytestmark = pytest.mark.django_db

TITLES = "/api/v1/titles/"
SECURITY_HEADERS = [
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
]


@pytest.fixture(autouse=True)
def cached(settings):
    settings.CATALOG_CACHE_SECONDS = 30


@pytest.fixture
def shelf():
    return {
        "cartoon": TitleFactory(
            name="Cartoon Hour", maturity_rating=Title.Maturity.ALL
        ),
        "thriller": TitleFactory(
            name="Midnight Thriller", maturity_rating=Title.Maturity.AGE_16
        ),
    }


@pytest.fixture
def kid():
    """An account whose only profile is a kids profile."""
    return ProfileFactory(kids=True)


@pytest.fixture
def views_not_reached(monkeypatch):
    """From now on, reaching a catalog view fails the test."""

    def dispatch(self, request, *args, **kwargs):
        raise AssertionError(f"{request.path} reached the view")

    def arm():
        for view in (TitleListApi, TitleDetailApi):
            monkeypatch.setattr(view, "dispatch", dispatch)

    return arm


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["results"]}


def test_a_hit_is_answered_before_the_view_without_queries(
    api_client, shelf, views_not_reached, django_assert_num_queries
):
    detail = f"{TITLES}{shelf['cartoon'].pk}/"
    first_list, first_detail = api_client.get(TITLES), api_client.get(detail)
    views_not_reached()

    with django_assert_num_queries(0):
        hits = [api_client.get(TITLES), api_client.get(detail)]

    for hit, first in zip(hits, [first_list, first_detail], strict=True):
        assert hit.status_code == 200
        assert hit.content == first.content
        assert hit["ETag"] == first["ETag"]
        assert hit["Content-Type"] == first["Content-Type"]
        assert hit["Cache-Control"] == "public, max-age=30"
        assert hit["Vary"] == "Accept"


def test_a_hit_carries_the_same_security_headers_as_a_miss(
    settings, shelf, views_not_reached
):
    settings.SECURE_HSTS_SECONDS = 3600
    client = APIClient()
    miss = client.get(TITLES, secure=True)
    views_not_reached()

    hit = client.get(TITLES, secure=True)

    assert hit.content == miss.content
    for header in SECURITY_HEADERS:
        assert hit.get(header), header
        assert hit[header] == miss[header], header
    assert hit["X-Frame-Options"] == "DENY"
    assert hit["X-Request-ID"]


def test_a_hit_answers_if_none_match_with_304(api_client, shelf, views_not_reached):
    etag = api_client.get(TITLES)["ETag"]
    views_not_reached()

    repeat = api_client.get(TITLES, HTTP_IF_NONE_MATCH=etag)

    assert repeat.status_code == 304
    assert repeat.content == b""
    assert repeat["ETag"] == etag


def test_a_hit_for_a_host_not_allowed_is_400(api_client, shelf, views_not_reached):
    api_client.get(TITLES)
    views_not_reached()

    assert api_client.get(TITLES, HTTP_HOST="evil.example").status_code == 400


def test_hits_are_counted_by_the_metrics_under_their_view(api_client, shelf):
    name = "vod_http_request_duration_seconds_count"
    labels = {"view": "api-title-list", "method": "GET", "status": "2xx"}
    api_client.get(TITLES)
    before = value(scrape(api_client), name, **labels)

    for _ in range(3):
        assert api_client.get(TITLES).status_code == 200

    assert value(scrape(api_client), name, **labels) == before + 3


# --- The anonymous throttle -------------------------------------------------------


@pytest.fixture
def anon_rate_3_per_minute(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    # Inside one minute-long window: 10 s in, so the next starts in 50 s.
    monkeypatch.setattr("vod.api.throttling.time.time", lambda: 60 * 1000 + 10.0)


def test_hits_count_toward_the_anonymous_rate_and_the_next_gets_429(
    api_client, shelf, anon_rate_3_per_minute
):
    first = api_client.get(TITLES)  # a miss: stored, counted once
    hits = [api_client.get(TITLES) for _ in range(2)]

    throttled = api_client.get(TITLES)

    assert [r.status_code for r in [first, *hits]] == [200, 200, 200]
    assert all(hit.content == first.content for hit in hits)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) == 50


def test_each_client_address_has_its_own_count_on_hits(
    api_client, shelf, anon_rate_3_per_minute
):
    for _ in range(3):
        api_client.get(TITLES, REMOTE_ADDR="198.51.100.7")
    assert api_client.get(TITLES, REMOTE_ADDR="198.51.100.7").status_code == 429

    assert api_client.get(TITLES, REMOTE_ADDR="198.51.100.8").status_code == 200


# --- Signed-in viewers and catalog changes ----------------------------------------


def test_a_signed_in_browser_never_gets_the_anonymous_cached_body(client, shelf, kid):
    assert names(client.get(TITLES)) == {"Cartoon Hour", "Midnight Thriller"}
    client.force_login(kid.user)
    session = client.session
    session[PROFILE_SESSION_KEY] = kid.pk
    session.save()

    assert names(client.get(TITLES)) == {"Cartoon Hour"}
    thriller = f"{TITLES}{shelf['thriller'].pk}/"
    assert client.get(thriller).status_code == 404


def test_a_bearer_token_never_gets_the_anonymous_cached_body(api_client, shelf, kid):
    thriller = f"{TITLES}{shelf['thriller'].pk}/"
    assert api_client.get(thriller).status_code == 200
    assert len(names(api_client.get(TITLES))) == 2
    token = RefreshToken.for_user(kid.user).access_token

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert names(api_client.get(TITLES)) == {"Cartoon Hour"}
    assert api_client.get(thriller).status_code == 404


def test_what_a_signed_in_viewer_sees_is_never_cached_for_anyone(
    api_client, shelf, kid
):
    token = RefreshToken.for_user(kid.user).access_token
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    personal = signed_in.get(TITLES)
    assert names(personal) == {"Cartoon Hour"}
    assert "public" not in personal.get("Cache-Control", "")

    assert names(api_client.get(TITLES)) == {"Cartoon Hour", "Midnight Thriller"}


def test_a_catalog_change_replaces_the_cached_answer_at_once(
    api_client, shelf, django_capture_on_commit_callbacks
):
    first = api_client.get(TITLES)
    assert api_client.get(TITLES).content == first.content  # a hit

    with django_capture_on_commit_callbacks(execute=True):
        shelf["cartoon"].name = "Cartoon Night"
        shelf["cartoon"].save()
    after = api_client.get(TITLES, HTTP_IF_NONE_MATCH=first["ETag"])

    assert after.status_code == 200
    assert names(after) == {"Cartoon Night", "Midnight Thriller"}
    assert after["ETag"] != first["ETag"]
