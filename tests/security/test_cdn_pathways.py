"""CDN pathways: base URLs that cannot swallow the names put under them, and a
health check that follows no redirect and speaks http(s) only.

Media URLs and the health check's URL are the base URL plus a name: a ``?`` or
``#`` in it turned every such name into a query or fragment, so a check of
``https://cdn/?x`` fetched the CDN's root page and passed. A check that
followed redirects reported healthy an edge that answers everything with a 30x
(to a login page, to another host).
"""

import http.server
import threading

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from playback.delivery import pathways
from playback.models import CdnPathway
from tests.helpers import run_manage

pytestmark = pytest.mark.django_db

BAD_BASE_URLS = [
    "https://cdn.example.com/media/?token=1",
    "https://cdn.example.com/media/#top",
    "https://cdn.example.com/media?",
    "https://user:secret@cdn.example.com/media/",
    "https://user@cdn.example.com/media/",
    "ftp://cdn.example.com/media/",
    "file:///etc/",
]
GOOD_BASE_URLS = [
    "https://d111111abcdef8.cloudfront.net/",
    "http://127.0.0.1:8080/media/",
    "https://cdn.example.com/vod/media",
]


@pytest.mark.parametrize("url", BAD_BASE_URLS)
def test_a_pathway_base_url_with_a_query_fragment_credentials_or_other_scheme_is_refused(
    url,
):
    pathway = CdnPathway(name="edge", base_url=url)

    with pytest.raises(ValidationError) as raised:
        pathway.full_clean()

    assert "base_url" in raised.value.message_dict


@pytest.mark.parametrize("url", GOOD_BASE_URLS)
def test_plain_http_and_https_base_urls_are_taken(url):
    CdnPathway(name="edge", base_url=url).full_clean()


def test_the_admin_says_why_a_base_url_is_refused(client):
    user = User.objects.create_superuser(email="ops@example.com", password="x")
    client.force_login(user)

    response = client.post(
        reverse("admin:playback_cdnpathway_add"),
        {
            "name": "edge",
            "base_url": "https://cdn.example.com/media/?token=1",
            "priority": "0",
            "enabled": "on",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["base_url"]
    assert "Leave out ? and #" in errors[0]
    assert not CdnPathway.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/media/?token=1",
        "https://user:secret@cdn.example.com/",
    ],
)
def test_a_pathway_setting_with_such_a_url_stops_the_process(url):
    result = run_manage("check", env={"PLAYBACK_CDN_PATHWAYS": f"edge={url}"})

    assert result.returncode != 0
    assert "PLAYBACK_CDN_PATHWAYS" in result.stderr
    assert "edge=" in result.stderr


# --- The health check, against real HTTP servers -----------------------------------


class _Edge(http.server.BaseHTTPRequestHandler):
    """/moved/... redirects to /media/...; /media/... is the health object."""

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.server.paths.append(self.path)
        if self.path.startswith("/moved/"):
            self.send_response(302)
            self.send_header("Location", self.path.replace("/moved/", "/media/", 1))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"ok\n" if self.path == "/media/cdn-health.txt" else b"<html>home"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def edge():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Edge)
    server.paths = []
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _root(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_a_pathway_answering_with_a_redirect_fails_its_check(settings, edge):
    settings.PLAYBACK_CDN_HEALTH_THRESHOLD = 1
    CdnPathway.objects.create(name="moved", base_url=f"{_root(edge)}/moved/")
    CdnPathway.objects.create(name="fine", base_url=f"{_root(edge)}/media/")

    assert pathways.cdn_pathways_check() == {"moved": False, "fine": True}

    assert CdnPathway.objects.get(name="moved").last_error == "HTTP 302"
    # The redirect was not followed: the one /media/ fetch is "fine"'s own.
    assert edge.paths.count("/media/cdn-health.txt") == 1
    assert [p.name for p in pathways.pathways_for_delivery()] == ["fine", "moved"]


@pytest.mark.parametrize(
    "suffix", ["/media/?x=", "/media/#", "/?"], ids=["query", "fragment", "root"]
)
def test_a_stored_base_url_with_a_query_or_fragment_fails_unfetched(
    settings, edge, suffix
):
    # As a row saved before base URLs were checked.
    settings.PLAYBACK_CDN_HEALTH_THRESHOLD = 1
    row = CdnPathway.objects.create(name="edge", base_url=f"{_root(edge)}/media/")
    CdnPathway.objects.filter(pk=row.pk).update(base_url=_root(edge) + suffix)

    assert pathways.cdn_pathways_check() == {"edge": False}

    assert "Invalid base URL" in CdnPathway.objects.get(pk=row.pk).last_error
    assert edge.paths == []


def test_the_check_speaks_http_and_https_only(tmp_path):
    secret = tmp_path / "cdn-health.txt"
    secret.write_text("ok\n")

    # The check's callers only probe under base URLs base_url_problem accepts;
    # the opener itself knows no other scheme either.
    assert pathways._probe(secret.as_uri()) == "unknown url type: file"
    assert pathways._probe("data:,ok") == "unknown url type: data"
