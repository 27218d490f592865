"""Every answer under /api/ is the JSON error shape, never Django's HTML pages.

A path that matches no route is answered before any API view runs; in debug,
Django's technical 404 page lists every URL pattern of the project.
"""

import pytest
from django.test import override_settings

UNROUTED = [
    "/api/v1/playback/sessions/not-a-uuid/heartbeat/",
    "/api/v1/titles/abc/",
    "/api/nope",
    "/api/v1/",
]


def _assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["code"]
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path", UNROUTED)
def test_a_path_matching_no_api_route_answers_the_json_404(client, path, debug):
    with override_settings(DEBUG=debug):
        response = client.get(path)

    error = _assert_error_shape(response, 404)
    assert error["code"] == "not_found"
    # Nothing of the technical page: no URL patterns, no settings.
    assert b"urlpatterns" not in response.content
    assert b"api/v1/" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_method_an_api_view_does_not_take_answers_the_json_405(client, debug):
    with override_settings(DEBUG=debug):
        response = client.delete("/api/v1/genres/")

    error = _assert_error_shape(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_method_the_schema_view_does_not_take_answers_the_json_405(client, debug):
    with override_settings(DEBUG=debug):
        response = client.post("/api/schema/")

    _assert_error_shape(response, 405)


@pytest.mark.django_db
def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
