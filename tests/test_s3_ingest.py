"""Sources taken from where they already are, with the sources on S3 (moto's server).

An s3:// location is copied by S3 itself: the calls our process makes are
recorded, and none of them reads the object's bytes. A fetched https:// source
is joined from its stored parts by S3 too.
"""

import os
import uuid

import pytest
from botocore.client import BaseClient

from catalog import services
from catalog.ingest import run
from catalog.models import Video
from catalog.transcoding import pipeline
from tests.catalog.test_ingest_fetch import origin  # noqa: F401 (a fixture)
from tests.helpers import make_test_clip
from tests.test_s3 import s3, s3_endpoint  # noqa: F401 (fixtures)

MB = 1024**2


@pytest.fixture
def studio(s3, settings):  # noqa: F811
    """A studio's delivery bucket, on the platform's allowlist."""
    bucket = f"studio-{uuid.uuid4().hex[:12]}"
    s3.client.create_bucket(Bucket=bucket)
    settings.INGEST_S3_BUCKETS = [bucket]
    return bucket


@pytest.fixture
def s3_calls(monkeypatch):
    """Every S3 operation our process asks for from here on, with its bucket."""
    calls: list[tuple[str, str]] = []
    real = BaseClient._make_api_call

    def recorded(client, operation, params):
        calls.append((operation, params.get("Bucket", "")))
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded)
    return calls


def _stored(s3, video: Video) -> bytes:  # noqa: F811
    video.refresh_from_db()
    body = s3.client.get_object(Bucket=s3.sources_bucket, Key=video.source.name)
    return body["Body"].read()


def _fetch(video: Video) -> str:
    return run.fetch(video_id=video.pk, job_token=str(video.job_token))


@pytest.mark.django_db
def test_an_s3_location_is_copied_by_s3_and_transcoded(
    s3,  # noqa: F811
    studio,
    s3_calls,
    settings,
    tmp_path,
):
    settings.TRANSCODE_LADDER = [(240, 400)]
    settings.TRANSCODE_X264_PRESET = "ultrafast"
    settings.TRANSCODE_SEGMENT_SECONDS = 2
    clip = make_test_clip(tmp_path / "film.mp4", size="320x180", rate=25, seconds=2)
    s3.client.upload_file(str(clip), studio, "deliveries/film.mp4")
    video = services.video_source_ingest(
        video=Video.objects.create(), location=f"s3://{studio}/deliveries/film.mp4"
    )
    s3_calls.clear()

    assert _fetch(video) == "fetched"

    operations = {operation for operation, _ in s3_calls}
    assert "CopyObject" in operations
    assert not operations & {"GetObject", "PutObject", "UploadPart"}
    assert _stored(s3, video) == clip.read_bytes()
    assert video.source_name == "film.mp4" and video.source_size == clip.stat().st_size
    assert pipeline.transcode(video_id=video.pk, job_token=str(video.job_token)) == (
        "ready"
    )
    video.refresh_from_db()
    assert video.status == Video.Status.READY


@pytest.mark.django_db
def test_a_big_object_is_copied_in_parts_by_s3(s3, studio, s3_calls, settings):  # noqa: F811
    settings.INGEST_S3_MULTIPART_COPY_BYTES = 5 * MB
    data = os.urandom(11 * MB)
    s3.client.put_object(Bucket=studio, Key="master.mov", Body=data)
    video = services.video_source_ingest(
        video=Video.objects.create(), location=f"s3://{studio}/master.mov"
    )
    s3_calls.clear()

    assert _fetch(video) == "fetched"

    operations = [operation for operation, _ in s3_calls]
    assert operations.count("UploadPartCopy") == 3
    assert not {"GetObject", "PutObject", "UploadPart"} & set(operations)
    assert _stored(s3, video) == data


@pytest.mark.django_db
def test_a_missing_object_fails_with_its_location(s3, studio):  # noqa: F811
    video = services.video_source_ingest(
        video=Video.objects.create(), location=f"s3://{studio}/none.mp4"
    )

    assert _fetch(video) == "failed"

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert f"no object at s3://{studio}/none.mp4" in video.failure_reason


@pytest.mark.django_db
def test_a_fetched_source_is_joined_from_its_parts_by_s3(
    s3,  # noqa: F811
    origin,  # noqa: F811
    s3_calls,
    settings,
):
    settings.INGEST_URL_PART_BYTES = 5 * MB
    data = os.urandom(11 * MB)
    origin.files["/film.mp4"] = data
    video = services.video_source_ingest(
        video=Video.objects.create(), location=origin.url("/film.mp4")
    )

    assert _fetch(video) == "fetched"

    operations = [operation for operation, _ in s3_calls]
    assert operations.count("UploadPartCopy") == 3
    assert _stored(s3, video) == data
    incoming = s3.keys(s3.sources_bucket, f"sources/{video.uuid}/incoming/")
    assert not incoming  # the parts are gone
