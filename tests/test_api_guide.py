"""The API guide page: served, linked from the interactive docs, and says the facts."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_guide_says_how_media_urls_and_the_player_loop_work(client):
    response = client.get("/api/guide/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for fact in [
        "in the path",  # the grant
        "Range",
        "416",
        "403",
        "heartbeat",
        "grant",
        "duration + 5 s",
        "upgrade_required",
        "maturity",
        "not_ready",
        "too_many_streams",
        "410",
        "Retry-After",
        "playable",
        "preferences",  # the profile's audio and captions
        "public.accessibility.describes-video",
    ]:
        assert fact in page, fact


def test_the_interactive_docs_link_to_the_guide(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert "/api/guide/" in schema["info"]["description"]
    assert client.get("/api/docs/").status_code == 200
