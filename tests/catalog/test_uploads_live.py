"""A direct upload on the embedded default over real HTTP, as a tool sends it:
a bearer token for the API, the signed part URLs for the bytes, a real worker."""

import hashlib

import requests
from rest_framework_simplejwt.tokens import RefreshToken

from catalog.models import Video
from tests.catalog.upload_helpers import (
    checksums,
    create_body,
    make_editor,
    padded_clip,
    split,
)
from tests.helpers import shared_database_url, start_worker, stop_process, wait_for

PART = 256 * 1024


def test_an_upload_over_http_resumes_and_the_source_is_transcoded(
    live_server, settings, tmp_path
):
    settings.UPLOAD_PART_SIZE = PART
    data = padded_clip(tmp_path / "film.mp4", total_bytes=4 * PART + 1234)
    parts = split(data, PART)
    token = RefreshToken.for_user(make_editor()).access_token
    api = f"{live_server.url}/api/v1"

    def session() -> requests.Session:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        return http

    def send(http, upload, numbers):
        signed = http.post(
            f"{api}/uploads/{upload['upload_id']}/part-urls/",
            json={"parts": checksums(parts, numbers)},
            timeout=30,
        )
        assert signed.status_code == 200, signed.text
        for part in signed.json()["parts"]:
            # The part URL needs no credentials: its signature is the grant.
            put = requests.put(
                part["url"],
                data=parts[part["part_number"]],
                headers=part["headers"],
                timeout=30,
            )
            assert put.status_code == 200, put.text

    first = session()
    created = first.post(
        f"{api}/uploads/", json=create_body("film.mp4", data), timeout=30
    )
    assert created.status_code == 201, created.text
    upload = created.json()
    assert upload["part_count"] == 5
    send(first, upload, [1, 2])

    resumed = session()  # after a crash: only the upload id is known
    listed = resumed.get(f"{api}/uploads/{upload['upload_id']}/parts/", timeout=30)
    assert [p["part_number"] for p in listed.json()["parts"]] == [1, 2]
    send(resumed, upload, [3, 4, 5])

    worker = start_worker(
        queues="transcode",
        env={
            "DATABASE_URL": shared_database_url(),
            "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "TRANSCODE_LADDER": "240:400",
            "TRANSCODE_X264_PRESET": "ultrafast",
        },
    )
    try:
        done = resumed.post(
            f"{api}/uploads/{upload['upload_id']}/complete/",
            json={"parts": checksums(parts, range(1, 6))},
            timeout=60,
        )
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "completed"

        def finished():
            video = Video.objects.get(uuid=upload["video"])
            ended = video.status in (Video.Status.READY, Video.Status.FAILED)
            return video if ended else None

        video = wait_for(finished, timeout=180, what="the transcode")
    finally:
        stop_process(worker)
    assert video.status == Video.Status.READY, video.failure_reason
    with video.source.open("rb") as source:
        assert hashlib.sha256(source.read()).digest() == hashlib.sha256(data).digest()
