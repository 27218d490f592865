"""The job's holder while it encodes a part of its own, and its leases
through long stores.

Between any two files a chunked job stores, its holder's heartbeat (and the
chunk's, for a chunk's files) has moved on: storing a chunk's fragments, its
thumbnails or a preview's playlists to a slow store once took long enough
(10 s and more on a loaded machine) for the reaper to take a live job away.
The heartbeats' rate limits are set to zero here, so "a heartbeat between
two files" is what the storage sees. And a chunk another worker finishes is
previewed while the holder is still encoding its own.
"""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from catalog import services
from catalog.models import Video, VideoChunk
from catalog.services import video_chunks
from catalog.transcoding import audio_part, chunk_work, chunked, job, pipeline

from .conftest import AAC, X264, YUV420, ffmpeg, picture, tone

SECONDS, RATE = 12, 25


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "long.mp4"
    ffmpeg(
        *picture("320x180", SECONDS, RATE),
        *tone(SECONDS),
        *X264,
        *YUV420,
        *AAC,
        str(path),
    )
    return path


@pytest.fixture
def saves(settings, monkeypatch) -> list[tuple[str, object, tuple]]:
    """Every file stored while a job runs, as the storage sees it: (name, the
    video's heartbeat, (worker, heartbeat) of the part being encoded, if any)."""
    settings.TRANSCODE_SEGMENT_SECONDS = 2
    settings.TRANSCODE_CHUNK_SECONDS = 4
    settings.TRANSCODE_FFMPEG_THREADS = 1
    for module in (job, chunked, chunk_work, audio_part):
        monkeypatch.setattr(module, "HEARTBEAT_SECONDS", 0)
    storage = storages["videos"]
    real_save = storage.save
    seen = []

    def save(name, content, *args, **kwargs):
        processing = Video.objects.filter(status=Video.Status.PROCESSING).first()
        if processing is not None and name.startswith(f"videos/{processing.uuid}/"):
            running = VideoChunk.objects.filter(state=VideoChunk.State.RUNNING).first()
            chunk = (running.worker, running.heartbeat_at) if running else ("", None)
            seen.append((name, processing.heartbeat_at, chunk))
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(storage, "save", save)
    return seen


def attach(source: Path) -> Video:
    return services.video_source_attach(
        video=services.video_create(),
        file=ContentFile(source.read_bytes()),
        name=source.name,
    )


def test_the_holder_heartbeats_between_every_file_it_stores(source, saves, db):
    video = attach(source)
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    assert outcome == "ready"
    fragments = [name for name, _, _ in saves if name.endswith(".m4s")]
    assert len(fragments) > 20, "the chunks' fragments were stored by the holder"
    quiet = [
        after[0]
        for before, after in zip(saves, saves[1:], strict=False)
        if not after[1] > before[1]
    ]
    assert quiet == [], "stored with no heartbeat since the file before"


def test_a_chunk_worker_heartbeats_its_chunk_between_files(
    source, saves, db, monkeypatch
):
    video = attach(source)
    token = str(video.job_token)
    other = []
    real_claim = video_chunks.video_chunk_claim

    def claim(**kwargs):
        """The holder's first claim: a second worker takes chunk 1 first."""
        if not other:
            other.append("w:2")
            other.append(
                chunk_work.run_chunk(
                    video_id=video.pk, job_token=token, index=1, worker="w:2"
                )
            )
        return real_claim(**kwargs)

    monkeypatch.setattr(video_chunks, "video_chunk_claim", claim)
    outcome = pipeline.transcode(video_id=video.pk, job_token=token)
    assert outcome == "ready"
    assert other == ["w:2", "done"]
    by_other = [(name, beat) for name, _, (who, beat) in saves if who == "w:2"]
    assert len(by_other) >= 5, "chunk 1's files were stored by the second worker"
    quiet = [
        after[0]
        for before, after in zip(by_other, by_other[1:], strict=False)
        if not after[1] > before[1]
    ]
    assert quiet == [], "stored with no chunk heartbeat since the file before"


def test_the_holder_previews_a_chunk_finished_while_it_encodes_its_own(
    saves, tmp_path, db, monkeypatch
):
    # Without sound, so the preview waits for no audio part.
    silent = tmp_path / "silent.mp4"
    ffmpeg(
        *picture("320x180", SECONDS, RATE),
        *X264,
        *YUV420,
        str(silent),
    )
    video = attach(silent)
    token = str(video.job_token)
    other = []
    real_claim = video_chunks.video_chunk_claim

    def claim(**kwargs):
        """The holder's first claim: a second worker has just done chunk 0."""
        if not other:
            other.append("w:2")
            other.append(
                chunk_work.run_chunk(
                    video_id=video.pk, job_token=token, index=0, worker="w:2"
                )
            )
        return real_claim(**kwargs)

    playable = []
    real_encode = chunk_work.chunk_encode.encode_chunk

    def encode(binary, plan, chunk, **kwargs):
        stored = real_encode(binary, plan, chunk, **kwargs)
        playable.append(
            (chunk.index, bool(Video.objects.get(pk=video.pk).preview_revision))
        )
        return stored

    monkeypatch.setattr(video_chunks, "video_chunk_claim", claim)
    monkeypatch.setattr(chunk_work.chunk_encode, "encode_chunk", encode)
    assert pipeline.transcode(video_id=video.pk, job_token=token) == "ready"
    assert other == ["w:2", "done"]
    # Chunk 0 by the other worker, then the holder's chunk 1: playable by the
    # time chunk 1 is stored, not only once the holder looks up from it.
    assert playable[:2] == [(0, False), (1, True)]
