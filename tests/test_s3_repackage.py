"""A track added later, repackaged on S3: the video is copied on the server side."""

from unittest import mock

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import Video
from catalog.transcoding import pipeline, repackage
from tests.catalog.transcoding.conftest import ffmpeg
from tests.helpers import make_test_clip, start_worker, stop_process, wait_for
from tests.test_s3 import _editor, s3, s3_endpoint  # noqa: F401 (fixtures)
from vod.storage import _S3, MediaStorage


@pytest.mark.django_db
def test_a_dub_added_on_s3_is_copied_server_side_byte_for_byte(
    settings,
    s3,  # noqa: F811
    tmp_path,
):
    settings.TRANSCODE_LADDER = [(240, 400)]
    settings.TRANSCODE_X264_PRESET = "ultrafast"
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    source = make_test_clip(tmp_path / "s.mp4", size="320x240", rate=24, seconds=3)
    video = services.video_create()
    with open(source, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name="s.mp4"), name="s.mp4"
        )
    assert pipeline.transcode(video_id=video.pk, job_token=str(video.job_token)) == (
        "ready"
    )
    video.refresh_from_db()
    old_prefix = video.revision_prefix(video.revision)
    before = {
        key.removeprefix(old_prefix): s3.client.get_object(
            Bucket=s3.media_bucket, Key=key
        )["Body"].read()
        for key in s3.keys(s3.media_bucket, old_prefix)
    }

    dub = tmp_path / "dub.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=3", str(dub))
    with open(dub, "rb") as handle:
        services.audio_track_add(
            video=video, file=File(handle, name="dub.wav"), language="fr", name="FR"
        )
    video.refresh_from_db()
    reads, copies = [], []
    real_open, real_copy = _S3._open, MediaStorage.copy

    def recording_open(storage, name, mode="rb"):
        reads.append(name)
        return real_open(storage, name, mode)

    def recording_copy(storage, source, target):
        copies.append(source)
        return real_copy(storage, source, target)

    with (
        mock.patch.object(MediaStorage, "copy", recording_copy),
        mock.patch.object(_S3, "_open", recording_open),
    ):
        outcome = repackage.repackage(video_id=video.pk, job_token=str(video.job_token))
    video.refresh_from_db()
    assert outcome == "ready", video.failure_reason
    new_prefix = video.revision_prefix(video.revision)
    assert new_prefix != old_prefix

    # Through the worker passed only the published MPD (to rewrite it) and the
    # added track's own file: never a segment, a playlist or the artwork.
    assert [name for name in reads if name.startswith(old_prefix)] == [
        old_prefix + "manifest.mpd"
    ]
    copied = {source.removeprefix(old_prefix) for source in copies}
    kept = {name for name in before if name not in ("master.m3u8", "manifest.mpd")}
    assert copied == kept
    for name in kept:
        after = s3.client.get_object(Bucket=s3.media_bucket, Key=new_prefix + name)
        assert after["Body"].read() == before[name], name
        old_meta = s3.client.head_object(Bucket=s3.media_bucket, Key=old_prefix + name)
        assert after["ContentType"] == old_meta["ContentType"]
        assert after["CacheControl"] == old_meta["CacheControl"]
    master = s3.client.get_object(
        Bucket=s3.media_bucket, Key=new_prefix + "master.m3u8"
    )
    assert 'LANGUAGE="fr"' in master["Body"].read().decode()
    assert video.status == Video.Status.READY


def _settled(video_id: int, revision: str):
    current = Video.objects.get(pk=video_id)
    if current.status == Video.Status.FAILED or (
        current.status == Video.Status.READY and current.revision != revision
    ):
        return current
    return None


def test_an_editor_adds_a_dub_and_a_real_worker_publishes_it(
    transactional_db,
    s3,  # noqa: F811
    tmp_path,
    api_client,
):
    worker = start_worker(
        queues="transcode",
        env=s3.worker_env(TRANSCODE_SCRATCH_DIR=str(tmp_path / "scratch")),
    )
    try:
        source = make_test_clip(tmp_path / "s.mp4", size="320x240", rate=24, seconds=3)
        video = services.video_create()
        with open(source, "rb") as handle:
            video = services.video_source_attach(
                video=video, file=File(handle, name="s.mp4"), name="s.mp4"
            )
        video = wait_for(lambda: _settled(video.pk, ""), timeout=180, what="transcode")
        assert video.status == Video.Status.READY, video.failure_reason
        published = video.revision

        dub = tmp_path / "dub.wav"
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=3", str(dub))
        api_client.force_authenticate(_editor())
        response = api_client.post(
            f"/api/v1/videos/{video.uuid}/audio-tracks/",
            {
                "file": SimpleUploadedFile("dub.wav", dub.read_bytes()),
                "language": "es",
                "name": "Español",
                "role": "dub",
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
        video = wait_for(
            lambda: _settled(video.pk, published), timeout=180, what="repackage"
        )
    finally:
        stop_process(worker)
    assert video.status == Video.Status.READY, video.failure_reason
    assert video.job_kind == Video.JobKind.REPACKAGE
    master = s3.client.get_object(Bucket=s3.media_bucket, Key=video.hls_master_path)
    assert 'LANGUAGE="es"' in master["Body"].read().decode()
