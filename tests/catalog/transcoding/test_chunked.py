"""A long title encoded in chunks and stitched: against its source and against
the unchunked encode of the same source.

The source is 12 s of a moving test pattern with a tone; with 4 s chunks of
2 s segments it is three chunks, joined at frames 100 and 200.
"""

import re
import subprocess
from pathlib import Path

import av
import m3u8
import pytest
from django.core.files.base import ContentFile

from catalog import services
from catalog.models import RevisionCleanup, Video
from catalog.services import video_chunks
from catalog.transcoding import (
    audio_part,
    chunk_encode,
    chunk_work,
    encode,
    pipeline,
    stitch,
)
from catalog.transcoding import chunks as chunk_plan
from catalog.transcoding.audio_tracks import tracks_for
from catalog.transcoding.chunks import plan_chunks
from catalog.transcoding.errors import SourceRejected, TranscodeError
from catalog.transcoding.ladder import Rung, ladder_for
from catalog.transcoding.probe import probe
from catalog.transcoding.publish import RevisionWriter

from .conftest import (
    AAC,
    FFMPEG,
    X264,
    YUV420,
    attach_and_transcode,
    ffmpeg,
    picture,
    tone,
)
from .published import ffmpeg_decode_errors

SECONDS, RATE = 12, 25
FRAMES = SECONDS * RATE
JOINS = (100, 200)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chunked") / "long.mp4"
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
def chunked_settings(settings):
    settings.TRANSCODE_SEGMENT_SECONDS = 2
    settings.TRANSCODE_CHUNK_SECONDS = 4
    settings.TRANSCODE_FFMPEG_THREADS = 1
    return settings


def revision_folder(settings, video) -> Path:
    return Path(settings.MEDIA_ROOT) / video.revision_prefix(video.revision)


def packets(playlist: Path) -> list[tuple[int, int, int]]:
    """(dts, pts, duration) of every video packet, in stream time base units."""
    with av.open(str(playlist)) as container:
        stream = container.streams[0]
        return [
            (packet.dts, packet.pts, packet.duration)
            for packet in container.demux(stream)
            if packet.size
        ]


def stream_end(playlist: Path) -> float:
    """When the last packet of the playlist's stream ends, in seconds."""
    with av.open(str(playlist)) as container:
        return max(
            float((packet.pts + packet.duration) * packet.time_base)
            for packet in container.demux(container.streams[0])
            if packet.size
        )


def psnr(ffmpeg: str, a: Path, b: Path, first: int, last: int) -> float:
    """Average PSNR (dB) of frames ``first``..``last`` of two videos."""
    trim = f"trim=start_frame={first}:end_frame={last + 1},setpts=PTS-STARTPTS"
    result = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-i", str(a), "-i", str(b)]
        + ["-lavfi", f"[0:v]{trim}[a];[1:v]{trim}[b];[a][b]psnr", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"PSNR .* average:([0-9.]+|inf)", result.stderr)
    assert match, result.stderr
    return float(match.group(1))


def test_plan_cuts_whole_segments_and_leaves_short_sources_whole(chunked_settings):
    planned = plan_chunks(12.0, 25.0)
    assert [c.start_frame for c in planned] == [0, 100, 200]
    assert [c.frames for c in planned] == [100, 100, None]
    assert [c.first_segment for c in planned] == [1, 3, 5]
    assert plan_chunks(7.9, 25.0) == []
    chunked_settings.TRANSCODE_CHUNK_SECONDS = 5  # rounded to whole segments
    assert chunk_plan.chunk_seconds() == 4
    chunked_settings.TRANSCODE_CHUNK_SECONDS = 0
    assert plan_chunks(3600.0, 25.0) == []
    chunked_settings.TRANSCODE_CHUNK_SECONDS = 4
    # 29.97: each chunk starts on the frame the unchunked encode keys.
    ntsc = plan_chunks(12.0, 30000 / 1001)
    assert [c.start_frame for c in ntsc] == [0, 120, 240]


@pytest.mark.parametrize("duration", [120.0, 118.5, 121.9, 75.0, 7200.0])
def test_plan_shares_the_source_out_evenly(chunked_settings, duration):
    """No chunk is much longer than the others, the last included: a title is
    ready when its longest chain of chunks is, so 120 s at 30 s chunks is four
    chunks of 28-32 s, not 32 + 32 + 56."""
    chunked_settings.TRANSCODE_SEGMENT_SECONDS = 4
    chunked_settings.TRANSCODE_CHUNK_SECONDS = 30
    planned = plan_chunks(duration, 30.0)
    assert len(planned) == max(2, round(duration / 30))
    seconds = [
        (c.frames if c.frames is not None else duration * 30 - c.start_frame) / 30
        for c in planned
    ]
    assert max(seconds) - min(seconds) <= 2 * 4, seconds
    assert sum(seconds) == pytest.approx(duration)
    for before, after in zip(planned, planned[1:], strict=False):
        assert after.start_frame == before.start_frame + before.frames
        assert after.first_segment == before.first_segment + before.segments
        assert after.start_frame == (after.first_segment - 1) * 4 * 30


def test_chunked_title_is_frame_exact_continuous_and_decodes(
    chunked_settings, source, db
):
    video, outcome = attach_and_transcode(source)
    assert outcome == "ready", video.error
    folder = revision_folder(chunked_settings, video)
    assert not [p for p in (folder / "chunks").rglob("*") if p.is_file()], (
        "the chunks' records and thumbnails are cleaned up"
    )
    assert video.renditions.filter(revision=video.revision).count() >= 2
    for rendition in video.renditions.filter(revision=video.revision):
        playlist = Path(chunked_settings.MEDIA_ROOT) / rendition.playlist_path
        found = packets(playlist)
        assert len(found) == FRAMES, rendition.playlist_path
        step = found[1][0] - found[0][0]
        dts = [p[0] for p in found]
        assert all(b - a == step for a, b in zip(dts, dts[1:], strict=False)), (
            "dts jump at a join"
        )
        assert sorted(p[1] for p in found) == [
            found[0][1] + i * step for i in range(FRAMES)
        ]
        durations = [s.duration for s in m3u8.load(str(playlist)).segments]
        assert durations == [2.0] * 6
    assert (
        ffmpeg_decode_errors(
            FFMPEG, Path(chunked_settings.MEDIA_ROOT) / video.hls_master_path
        )
        == ""
    )
    assert (
        ffmpeg_decode_errors(
            FFMPEG, Path(chunked_settings.MEDIA_ROOT) / video.dash_manifest_path
        )
        == ""
    )
    # Audio and video end within one frame of each other.
    media = Path(chunked_settings.MEDIA_ROOT)
    ends = {
        "video": stream_end(media / rendition.playlist_path),
        "audio": stream_end(
            media / video.audio_tracks.get(revision=video.revision).playlist_path
        ),
    }
    assert abs(ends["video"] - ends["audio"]) <= 1 / RATE + 1e-3, ends


def test_joins_match_the_unchunked_encode(chunked_settings, source, db):
    chunked, outcome = attach_and_transcode(source)
    assert outcome == "ready"
    chunked_settings.TRANSCODE_CHUNK_SECONDS = 0
    whole, outcome = attach_and_transcode(source)
    assert outcome == "ready"
    media = Path(chunked_settings.MEDIA_ROOT)
    top = {
        name: media
        / video.renditions.filter(revision=video.revision)
        .order_by("-height")[0]
        .playlist_path
        for name, video in (("chunked", chunked), ("whole", whole))
    }
    for join in JOINS:
        window = (join - 5, join + 5)
        ours = psnr(FFMPEG, top["chunked"], source, *window)
        theirs = psnr(FFMPEG, top["whole"], source, *window)
        # Each chunk starts with a fresh rate-control buffer, so a join may
        # come out better than the unchunked encode; never 1 dB worse.
        assert ours > theirs - 1.0, (join, ours, theirs)
        assert ours < theirs + 1.5, (join, ours, theirs)


def test_a_chunk_run_twice_stores_nothing_twice_and_joins_refuse_a_stranger(
    chunked_settings, source, tmp_path, db
):
    writer = RevisionWriter("videos/test-chunk/rev/")
    probed = probe(str(source))
    rungs = ladder_for(probed)
    plan = encode.EncodePlan(
        source=source,
        container_format=probed.container_format,
        output_dir=tmp_path / "out",
        rungs=rungs,
        frame_rate=25.0,
        duration=probed.duration,
        storyboard=encode.storyboard_for(probed.duration, 320, 180),
    )
    second = plan_chunks(probed.duration, 25.0)[1]
    run = {
        "work": tmp_path,
        "writer": writer,
        "on_progress": lambda _: None,
        "timeout": 60,
    }
    record = chunk_encode.encode_chunk(FFMPEG, plan, second, **run)
    stored = Path(chunked_settings.MEDIA_ROOT) / "videos/test-chunk/rev"
    before = {p: p.stat().st_mtime_ns for p in stored.rglob("*") if p.is_file()}
    assert "seg-0-00003.m4s" in {p.name for p in before}
    # The duplicate finds the chunk's record and runs no ffmpeg at all.
    again = chunk_encode.encode_chunk("/no/such/ffmpeg", plan, second, **run)
    assert again == record
    after = {p: p.stat().st_mtime_ns for p in stored.rglob("*") if p.is_file()}
    assert after == before
    # A chunk encoded differently (another init segment) is never joined.
    first = chunk_encode.encode_chunk(FFMPEG, plan, plan_chunks(12.0, 25.0)[0], **run)
    stitch.stitched([first, record], final=True)
    record["rungs"][0]["init_sha256"] = "0" * 64
    with pytest.raises(TranscodeError, match="encoded differently"):
        stitch.stitched([first, record], final=True)


def ladder_for_size() -> list[Rung]:
    return [Rung(width=320, height=180, video_kbps=400, label="180p")]


def test_threads_setting_reaches_every_video_encode(chunked_settings, tmp_path):
    plan = encode.EncodePlan(
        source=tmp_path / "source",
        container_format="mov",
        output_dir=tmp_path,
        rungs=ladder_for_size(),
        frame_rate=25.0,
        duration=12.0,
        storyboard=encode.storyboard_for(12.0, 320, 180),
    )
    chunk = plan_chunks(12.0, 25.0)[1]
    for command in (
        encode.build_command("ffmpeg", plan),
        chunk_encode.build_command("ffmpeg", plan, chunk, tmp_path),
    ):
        # The decoder and the filter graph (before -i), and the encoders (after).
        before, after = command[: command.index("-i")], command[command.index("-i") :]
        assert before[before.index("-threads") + 1] == "1"
        assert before[before.index("-filter_complex_threads") + 1] == "1"
        assert after[after.index("-threads") + 1] == "1"
    chunked_settings.TRANSCODE_FFMPEG_THREADS = 0
    assert "-threads" not in encode.build_command("ffmpeg", plan)


def test_chunked_title_plays_after_its_first_chunk_and_a_retranscode_supersedes_it(
    chunked_settings, tmp_path, db, monkeypatch
):
    # Without sound, so the preview waits for no audio run (a tiny source's
    # loudness pass may finish after its last chunk).
    source = tmp_path / "silent.mp4"
    ffmpeg(
        *picture("320x180", SECONDS, RATE),
        *X264,
        *YUV420,
        str(source),
    )
    video = services.video_source_attach(
        video=services.video_create(),
        file=ContentFile(source.read_bytes()),
        name=source.name,
    )
    seen = []
    real = chunk_work.chunk_encode.encode_chunk

    def encode_then_look(binary, plan, chunk, **kwargs):
        current = Video.objects.get(pk=video.pk)
        seen.append((chunk.index, bool(current.preview_revision)))
        if chunk.index == 2:
            # An editor asks again while the last chunk is encoded.
            services.video_retranscode(video=current)
        return real(binary, plan, chunk, **kwargs)

    monkeypatch.setattr(chunk_work.chunk_encode, "encode_chunk", encode_then_look)
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    # Playable once the first chunk is stored, not before.
    assert seen == [(0, False), (1, True), (2, True)]
    video.refresh_from_db()
    assert outcome == "abandoned"
    assert video.status == Video.Status.QUEUED
    assert video.revision == ""
    # The superseded revision, its chunks' files with it, goes to the cleanup.
    assert RevisionCleanup.objects.filter(video=video).count() == 1


def test_a_chunk_that_fails_for_good_fails_the_job_with_its_reason(
    chunked_settings, source, db, monkeypatch
):
    real = chunk_work.chunk_encode.encode_chunk

    def second_fails(binary, plan, chunk, **kwargs):
        if chunk.index == 1:
            raise SourceRejected("ffmpeg could not encode this source: bad frame")
        return real(binary, plan, chunk, **kwargs)

    monkeypatch.setattr(chunk_work.chunk_encode, "encode_chunk", second_fails)
    video, outcome = attach_and_transcode(source)
    assert outcome == "failed"
    assert video.status == Video.Status.FAILED
    assert video.failure_reason == "ffmpeg could not encode this source: bad frame"
    assert video.revision == ""


def test_chunk_tasks_fetch_the_source_once_per_worker_and_store_every_chunk(
    chunked_settings, source, db, monkeypatch, scratch_root
):
    video = services.video_source_attach(
        video=services.video_create(),
        file=ContentFile(source.read_bytes()),
        name=source.name,
    )
    token = str(video.job_token)
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)
    probed = probe(str(source))
    plan = encode.EncodePlan(
        source=source,
        container_format=probed.container_format,
        output_dir=scratch_root,
        rungs=ladder_for(probed),
        frame_rate=25.0,
        duration=probed.duration,
        storyboard=encode.storyboard_for(probed.duration, 320, 180),
    )
    planned = plan_chunks(probed.duration, 25.0)
    video_chunks.video_chunks_plan(
        video_id=video.pk,
        job_token=token,
        revision="r1",
        specs=[
            *(
                chunk_work.chunk_spec(plan, c, total_frames=100, timeout=60)
                for c in planned
            ),
            *(
                audio_part.audio_spec(
                    track, container_format="mov", duration=12.0, timeout=60
                )
                for track in tracks_for(probed.audio_streams)
            ),
        ],
    )
    fetched = []
    real_fetch = chunk_work.track_work.fetch
    monkeypatch.setattr(
        chunk_work.track_work,
        "fetch",
        lambda *a, **k: fetched.append(a) or real_fetch(*a, **k),
    )
    ids = {"video_id": video.pk, "job_token": token, "worker": "w:1"}
    outcomes = [chunk_work.run_chunk(**ids, index=c.index) for c in planned]
    assert outcomes == ["done", "done", "done"]
    assert list(scratch_root.iterdir()), "the source is kept for the audio track"
    assert chunk_work.run_chunk(**ids, kind="audio", index=0) == "done"
    assert chunk_work.run_chunk(**ids, index=1) == "skipped"  # a duplicate
    assert len(fetched) == 1
    assert list(scratch_root.iterdir()) == [], "the kept source goes with the last"
    writer = RevisionWriter(Video.objects.get(pk=video.pk).revision_prefix("r1"))
    records = [
        chunk_encode.stored_record(writer, chunk_encode.record_name(c.index))
        for c in planned
    ]
    joined = stitch.stitched(records, final=True)
    assert [len(p.segments) for p in joined.playlists] == [6] * len(joined.playlists)
    # The track's part: its stereo rendition stored, measured and levelled.
    sound = chunk_encode.stored_record(writer, audio_part.record_name(0))
    (stereo,) = sound["renditions"]
    assert stereo["stem"] == "audio-0-2ch" and stereo["init"]
    assert sum(s["duration"] for s in stereo["segments"]) == pytest.approx(12, abs=0.1)
    assert stereo["loudness_out"]["integrated"] == pytest.approx(-24, abs=1.5)
