"""The local part endpoint takes big bodies from anyone with a signed URL, and
refuses everyone else before reading a byte."""

import pytest
from django.test import Client

from catalog.services import uploads
from tests.catalog.upload_helpers import make_editor, sha256_b64
from tests.security.test_upload_bodies import BodyRead, UnreadBody

pytestmark = pytest.mark.django_db

PART = 5 * 1024 * 1024


@pytest.fixture
def upload(settings):
    settings.UPLOAD_PART_SIZE = PART
    return uploads.upload_create(
        user=make_editor(), file_name="f.mp4", size=3 * PART, content_type="video/mp4"
    )


def _put(path: str, length: int, **headers):
    body = UnreadBody()
    response = Client().generic(
        "PUT",
        path,
        CONTENT_TYPE="application/octet-stream",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
        **headers,
    )
    return response, body


def _signed(upload, number: int = 1) -> tuple[str, str]:
    checksum = sha256_b64(b"anything")
    (part,) = uploads.upload_parts_sign(
        upload=upload, checksums={number: checksum}, base_url="http://testserver/"
    )
    return part["url"].removeprefix("http://testserver"), checksum


@pytest.mark.parametrize("token", ["", "made-up", None])
def test_a_part_without_a_valid_signature_is_refused_unread(upload, token):
    path, checksum = _signed(upload)
    if token is not None:
        path = path.split("?")[0] + f"?token={token}"
    else:
        path = path.replace("/parts/1/", "/parts/2/")

    response, body = _put(path, PART, HTTP_X_AMZ_CHECKSUM_SHA256=checksum)

    assert response.status_code == 403
    assert body.reads == 0


def test_a_part_of_another_size_than_its_own_is_refused_unread(upload):
    path, checksum = _signed(upload)

    response, body = _put(path, 4 * PART, HTTP_X_AMZ_CHECKSUM_SHA256=checksum)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_size"
    assert body.reads == 0


def test_a_signed_part_is_read_by_the_view_alone(upload):
    path, checksum = _signed(upload)
    with pytest.raises(BodyRead):
        _put(path, PART, HTTP_X_AMZ_CHECKSUM_SHA256=checksum)


def test_a_part_over_the_upload_limit_is_refused_unread(upload, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = PART
    path, checksum = _signed(upload)

    response, body = _put(path, 4 * PART, HTTP_X_AMZ_CHECKSUM_SHA256=checksum)

    assert response.status_code == 413
    assert body.reads == 0


class RecordingBody:
    """A body of zeros that records the size of every read."""

    def __init__(self, length: int):
        self.left, self.reads = length, []

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        self.reads.append(size)
        self.left -= size
        return b"\0" * size

    readline = read


def test_a_part_is_streamed_to_disk_in_chunks_never_whole_in_memory(upload, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # far under a part: never applied
    zeros = b"\0" * PART
    (part,) = uploads.upload_parts_sign(
        upload=upload, checksums={1: sha256_b64(zeros)}, base_url="http://testserver/"
    )
    body = RecordingBody(PART)

    response = Client().generic(
        "PUT",
        part["url"].removeprefix("http://testserver"),
        CONTENT_TYPE="application/octet-stream",
        CONTENT_LENGTH=str(PART),
        HTTP_X_AMZ_CHECKSUM_SHA256=sha256_b64(zeros),
        **{"wsgi.input": body},
    )

    assert response.status_code == 200, response.content
    assert len(body.reads) >= 5 and max(body.reads) <= 1024 * 1024
