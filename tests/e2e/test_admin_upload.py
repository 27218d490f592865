"""An editor uploads a 100 MB source through the admin in Chromium, loses the
network mid-upload, comes back, picks the file again and the upload resumes
from the parts already stored; a real worker transcodes the video to ready.

Everything is real: the admin's sign-in and session, Uppy's AWS S3 plugin
driving the direct upload API with the page's CSRF token, each part's SHA-256
computed by the browser, the store (the embedded default's signed part
endpoint, or moto's S3 server with the CORS rule the Terraform module sets on
the sources bucket), and a Celery worker process.
"""

import hashlib
import re
import time

import pytest

from catalog.models import Upload, Video
from catalog.services.uploads import upload_parts_list
from tests.catalog.upload_helpers import make_editor, padded_clip
from tests.e2e import test_watch as watch
from tests.helpers import shared_database_url, start_worker, stop_process, wait_for
from tests.test_s3 import S3, s3_endpoint  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

browser = watch.browser
_query = watch._query
TIMEOUT_MS = watch.TIMEOUT_MS

MIB = 1024 * 1024
PART = 5 * MIB  # S3's smallest part: 20 parts for the file
SIZE = 100 * MIB
FIRST_PARTS = 3  # stored before the network drops
PASSWORD = "an-editors-long-password"
# A part's PUT: to the local part endpoint, or to S3 (partNumber=N).
PART_URL = re.compile(r"/parts/(\d+)/|[?&]partNumber=(\d+)")


@pytest.fixture(params=["local", "s3"])
def store(request, settings) -> dict:
    """Where the parts go; what a worker needs to read the source there."""
    env = {"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    if request.param == "s3":
        s3 = S3(request.getfixturevalue("s3_endpoint"))
        # The Terraform module's rule for browsers on the site's origin.
        s3.client.put_bucket_cors(
            Bucket=s3.sources_bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": ["*"],
                        "AllowedMethods": ["PUT"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                    }
                ]
            },
        )
        settings.STORAGES = s3.storages()
        env = s3.worker_env()
    return env


@pytest.fixture
def worker(store):
    process = start_worker(
        queues="transcode,default",
        env={
            "DATABASE_URL": shared_database_url(),
            "TRANSCODE_LADDER": "240:400",
            "TRANSCODE_X264_PRESET": "ultrafast",
            **store,
        },
    )
    yield process
    stop_process(process)


@pytest.fixture
def editor():
    user = make_editor("uploader@example.com")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "master.mp4"
    return path, padded_clip(path, total_bytes=SIZE)


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/catalog/video/add/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#source-uploader[data-ready=true]")


def _pick_and_upload(page, path) -> None:
    page.locator("input.uppy-Dashboard-input").first.set_input_files(str(path))
    page.click(".uppy-StatusBar-actionBtn--upload")


def _pump(page, predicate, *, what: str, seconds: float = 300) -> None:
    """Let the page run (and its events reach us) until ``predicate()`` holds."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(100)


def _stored_parts() -> set[int]:
    upload = Upload.objects.get()
    return {part.number for part in upload_parts_list(upload=upload)}


def test_an_admin_upload_survives_a_lost_network_and_a_reload(
    live_server, settings, worker, editor, source, browser
):
    # The browser comes last: its event loop keeps the database out of this
    # thread, so the rows are made first and read through _query after.
    settings.UPLOAD_PART_SIZE = PART
    source, data = source
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sent: list[int] = []  # part numbers the store accepted, in order
    in_flight: set = set()

    def on_request(request):
        if PART_URL.search(request.url) and request.method == "PUT":
            in_flight.add(request)

    def on_response(response):
        match = PART_URL.search(response.url)
        if match and response.status == 200 and response.request.method == "PUT":
            sent.append(int(match.group(1) or match.group(2)))

    def on_done(request):
        in_flight.discard(request)

    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfinished", on_done)
    page.on("requestfailed", on_done)

    _sign_in(page, base, editor.email)
    # The store on this machine takes 100 MB in a blink: parts go only as the
    # test lets them (a few), so the network is cut mid-upload, not after it.
    let_through: list = []
    held: list = []

    def part_gate(route):
        if route.request.method != "PUT":
            route.continue_()
        elif len(let_through) < FIRST_PARTS + 2 and not network["cut"]:
            let_through.append(route)
            route.continue_()
        elif network["cut"]:
            route.abort("internetdisconnected")
        else:
            held.append(route)

    network = {"cut": False}
    page.route(PART_URL, part_gate)
    _pick_and_upload(page, source)
    _pump(page, lambda: len(sent) >= FIRST_PARTS, what="the first parts stored")

    # The network drops mid-upload; the editor leaves and comes back.
    context.set_offline(True)
    network["cut"] = True
    for route in held:
        route.abort("internetdisconnected")
    _pump(page, lambda: not in_flight, what="the parts in flight to fail")
    page.goto("about:blank")
    context.set_offline(False)
    stored = _query(_stored_parts)
    assert FIRST_PARTS <= len(stored) <= FIRST_PARTS + 2, stored
    sent_before = len(sent)

    page.unroute(PART_URL)
    page.goto(f"{base}/admin/catalog/video/add/")
    page.wait_for_selector("#source-uploader[data-ready=true]")
    notice = page.locator(".source-uploader-interrupted")
    assert notice.is_visible()
    assert "master.mp4" in notice.inner_text()
    _pick_and_upload(page, source)
    page.wait_for_selector(".source-uploader-done li", timeout=10 * TIMEOUT_MS)

    resumed = sent[sent_before:]
    assert stored.isdisjoint(resumed), "a stored part was sent again"
    assert stored | set(resumed) == set(range(1, SIZE // PART + 1))
    assert page.locator(".source-uploader-interrupted").is_hidden()
    assert not problems, problems
    context.close()

    def finished():
        video = Upload.objects.select_related("video").get().video
        ended = video.status in (Video.Status.READY, Video.Status.FAILED)
        return video if ended else None

    video = wait_for(lambda: _query(finished), timeout=300, what="the transcode")
    assert video.status == Video.Status.READY, video.failure_reason
    assert _query(lambda: Upload.objects.get().state) == Upload.State.COMPLETED

    def source_sha256() -> bytes:
        with video.source.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").digest()

    assert _query(source_sha256) == hashlib.sha256(data).digest()
