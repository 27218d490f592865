"""Several CDN pathways: Content Steering in the manifests, the steering
manifest Django serves, the order set in admin, and the health check."""

import http.server
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import urlsplit

import m3u8
import pytest
from django.core.cache import cache
from django.test import Client

from playback import services
from playback.delivery import pathways
from playback.delivery.pathways import pathways_for_delivery
from playback.models import CdnPathway, PlaybackSession
from playback.tasks import cdn_pathways_check
from tests.catalog.factories import TitleFactory
from tests.helpers import run_manage

from .factories import ProfileFactory, UserFactory
from .test_delivery import fetch, start

pytestmark = pytest.mark.django_db

MPD = "{urn:mpeg:dash:schema:mpd:2011}"
TWO = [("cdn-a", "https://cdn-a.example.com/s/"), ("cdn-b", "https://b.example.net/s")]


@pytest.fixture
def two_cdns(settings):
    settings.PLAYBACK_CDN_PATHWAYS = TWO
    return settings


@pytest.fixture
def session(videos):
    movie = TitleFactory(video=videos.video())
    return start(ProfileFactory(user=UserFactory()), movie)


def steering(player, session) -> dict:
    master = m3u8.loads(fetch(player, session["hls_url"]).content.decode())
    response = fetch(player, master.content_steering.uri)
    assert response.status_code == 200
    return response.json()


def test_one_pathway_leaves_the_master_without_steering(session):
    text = fetch(Client(), session["hls_url"]).content.decode()

    assert "CONTENT-STEERING" not in text
    assert "PATHWAY-ID" not in text
    assert 'GROUP-ID="aac-2"' in text


def test_the_master_lists_every_variant_once_per_pathway(two_cdns, session):
    text = fetch(Client(), session["hls_url"]).content.decode()
    master = m3u8.loads(text)

    assert master.content_steering.pathway_id == "cdn-a"
    assert urlsplit(master.content_steering.uri).path.endswith("/steering.json")
    by_pathway = Counter(p.stream_info.pathway_id for p in master.playlists)
    assert by_pathway == {"cdn-a": 2, "cdn-b": 2}
    for playlist in master.playlists:
        pathway = playlist.stream_info.pathway_id
        base = dict(TWO)[pathway].rstrip("/") + "/"
        assert playlist.uri.startswith(base), playlist.uri
        # Its renditions come from its own pathway, in groups of their own.
        assert playlist.stream_info.audio == f"aac-2-{pathway}"
        assert playlist.stream_info.subtitles == f"subs-{pathway}"
    groups = {(m.type, m.group_id): m.uri for m in master.media}
    assert set(groups) == {
        ("AUDIO", "aac-2-cdn-a"),
        ("AUDIO", "aac-2-cdn-b"),
        ("SUBTITLES", "subs-cdn-a"),
        ("SUBTITLES", "subs-cdn-b"),
    }
    assert groups["AUDIO", "aac-2-cdn-b"].startswith("https://b.example.net/s/")
    assert text.count("#EXTM3U") == 1


def test_the_steering_manifest_orders_the_pathways(two_cdns, session):
    manifest = steering(Client(), session)

    assert manifest["VERSION"] == 1
    assert manifest["TTL"] == two_cdns.PLAYBACK_CDN_STEERING_TTL_SECONDS
    assert manifest["PATHWAY-PRIORITY"] == ["cdn-a", "cdn-b"]
    assert urlsplit(manifest["RELOAD-URI"]).path.endswith("/steering.json")


def test_the_order_set_in_admin_is_the_steering_order(two_cdns, session, client):
    a = CdnPathway.objects.create(name="cdn-a", base_url=TWO[0][1], priority=1)
    CdnPathway.objects.create(name="cdn-b", base_url=TWO[1][1], priority=2)
    pathways.pathways_cache_clear()
    player = Client()
    assert steering(player, session)["PATHWAY-PRIORITY"] == ["cdn-a", "cdn-b"]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        f"/admin/playback/cdnpathway/{a.pk}/change/",
        {"name": "cdn-a", "base_url": a.base_url, "priority": 3, "enabled": "on"},
    )

    assert response.status_code == 302
    # Saved in admin: the cached order is dropped at once.
    assert steering(player, session)["PATHWAY-PRIORITY"] == ["cdn-b", "cdn-a"]


def test_a_failing_pathway_is_steered_last_and_all_failing_still_steer(
    two_cdns, session
):
    a = CdnPathway.objects.create(name="cdn-a", base_url=TWO[0][1], priority=1)
    b = CdnPathway.objects.create(name="cdn-b", base_url=TWO[1][1], priority=2)
    player = Client()

    for _ in range(2):
        pathways.cdn_pathway_record_check(pathway=a, error="HTTP 502")
    assert steering(player, session)["PATHWAY-PRIORITY"] == ["cdn-b", "cdn-a"]

    for _ in range(2):
        pathways.cdn_pathway_record_check(pathway=b, error="timed out")
    assert steering(player, session)["PATHWAY-PRIORITY"] == ["cdn-a", "cdn-b"]

    CdnPathway.objects.update(enabled=False)
    pathways.pathways_cache_clear()
    assert steering(player, session)["PATHWAY-PRIORITY"] == ["cdn-a", "cdn-b"]


def test_a_disabled_pathway_leaves_the_manifests(two_cdns, session):
    CdnPathway.objects.create(name="cdn-a", base_url=TWO[0][1], priority=1)
    CdnPathway.objects.create(
        name="cdn-b", base_url=TWO[1][1], priority=2, enabled=False
    )
    CdnPathway.objects.create(name="cdn-c", base_url="https://c.test/", priority=3)
    pathways.pathways_cache_clear()  # as admin does on every save

    master = m3u8.loads(fetch(Client(), session["hls_url"]).content.decode())

    assert {p.stream_info.pathway_id for p in master.playlists} == {"cdn-a", "cdn-c"}


def test_the_steering_manifest_needs_a_live_session(two_cdns, session):
    player = Client()
    master = m3u8.loads(fetch(player, session["hls_url"]).content.decode())
    url = master.content_steering.uri
    forged = url.replace("/steering.json", "x/steering.json")

    services.playback_session_end(session=PlaybackSession.objects.get(pk=session["id"]))

    assert fetch(player, forged).status_code == 403
    ended = fetch(player, url)
    assert ended.status_code == 403
    assert ended.json()["error"]["code"] == "session_ended"


def test_the_mpd_has_a_base_url_per_pathway_and_content_steering(two_cdns, session):
    root = ET.fromstring(fetch(Client(), session["dash_url"]).content)  # noqa: S314

    bases = root.findall(f"{MPD}BaseURL")
    assert [b.get("serviceLocation") for b in bases] == ["cdn-a", "cdn-b"]
    assert bases[0].text.startswith("https://cdn-a.example.com/s/")
    assert bases[1].text.startswith("https://b.example.net/s/")
    steering_element = root.find(f"{MPD}ContentSteering")
    assert steering_element.get("defaultServiceLocation") == "cdn-a"
    assert urlsplit(steering_element.text).path.endswith("/steering.json")


def test_the_pathway_list_is_one_cache_read_per_request(
    two_cdns, django_assert_num_queries
):
    CdnPathway.objects.create(name="cdn-a", base_url=TWO[0][1])
    pathways_for_delivery()

    with django_assert_num_queries(0):
        assert [p.name for p in pathways_for_delivery()] == ["cdn-a"]


# --- The health check, against real HTTP servers ------------------------------


class _Origin(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        if self.server.delay:
            time.sleep(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
        self.server.paths.append(self.path)

    def log_message(self, *args):
        pass


@pytest.fixture
def cdn():
    """Two small HTTP servers standing in for two CDNs' edges."""
    servers = []

    def serve(status=200, delay=0.0):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
        server.status, server.delay, server.paths = status, delay, []
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def base(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/media/"


def test_the_check_seeds_pathways_from_settings_once(settings, cdn):
    a, b = cdn(), cdn()
    settings.PLAYBACK_CDN_PATHWAYS = [("one", base(a)), ("two", base(b))]

    cdn_pathways_check()
    CdnPathway.objects.filter(name="two").update(priority=0)
    cdn_pathways_check()

    rows = list(CdnPathway.objects.order_by("name").values_list("name", "priority"))
    assert rows == [("one", 0), ("two", 0)]
    assert a.paths == ["/media/cdn-health.txt"] * 2


def test_a_failing_pathway_is_demoted_and_promoted_back(settings, cdn, videos):
    settings.PLAYBACK_CDN_HEALTH_THRESHOLD = 2
    good, bad = cdn(), cdn(status=503)
    settings.PLAYBACK_CDN_PATHWAYS = [("bad", base(bad)), ("good", base(good))]

    assert cdn_pathways_check() == {"bad": True, "good": True}  # one miss: not yet
    assert cdn_pathways_check() == {"bad": False, "good": True}
    row = CdnPathway.objects.get(name="bad")
    assert row.failing_since is not None and row.last_error == "HTTP 503"
    assert [p.name for p in pathways_for_delivery()] == ["good", "bad"]

    bad.status = 200
    cdn_pathways_check()
    assert [p.name for p in pathways_for_delivery()] == ["good", "bad"]
    assert cdn_pathways_check() == {"bad": True, "good": True}
    assert CdnPathway.objects.get(name="bad").failing_since is None
    assert [p.name for p in pathways_for_delivery()] == ["bad", "good"]
    # The object the checks fetch is in the storage the CDNs front.
    assert (videos.media_root / "cdn-health.txt").read_bytes() == b"ok\n"


def test_a_slow_or_unreachable_pathway_counts_as_failing(settings, cdn):
    settings.PLAYBACK_CDN_HEALTH_THRESHOLD = 1
    settings.PLAYBACK_CDN_HEALTH_TIMEOUT_SECONDS = 0.3
    slow = cdn(delay=2)
    gone = cdn()
    gone_url = base(gone)
    gone.shutdown()
    gone.server_close()
    settings.PLAYBACK_CDN_PATHWAYS = [("slow", base(slow)), ("gone", gone_url)]

    started = time.monotonic()
    assert cdn_pathways_check() == {"slow": False, "gone": False}

    assert time.monotonic() - started < 2
    assert "timed out" in CdnPathway.objects.get(name="slow").last_error
    # Every pathway failing: players are still offered all of them.
    assert {p.name for p in pathways_for_delivery()} == {"slow", "gone"}


def test_the_check_runs_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["check-cdn-pathways"]

    assert entry["task"] == cdn_pathways_check.name
    assert entry["options"]["queue"] == "default"


def test_a_malformed_pathway_setting_stops_the_process():
    result = run_manage(
        "check", env={"PLAYBACK_CDN_PATHWAYS": "cdn-a=https://a.test/,nameless"}
    )

    assert result.returncode != 0
    assert "PLAYBACK_CDN_PATHWAYS" in result.stderr
    assert "'nameless'" in result.stderr


def test_without_pathways_the_media_url_is_the_one_pathway(settings):
    settings.PLAYBACK_MEDIA_URL = "https://media.example.com/s"
    cache.clear()

    assert pathways_for_delivery() == (
        pathways.Pathway(name="default", base_url="https://media.example.com/s/"),
    )
