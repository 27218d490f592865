"""Awkward sources through the chunked encode: the same frames as the
unchunked encode of the same source, continuous, and decodable."""

from pathlib import Path

import pytest

from .conftest import AAC, FFMPEG, X264, YUV420, attach_and_transcode, ffmpeg, tone
from .published import ffmpeg_decode_errors
from .test_chunked import packets


def _ntsc(out: Path) -> None:
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30000/1001:duration=10"),
        *tone(10),
        *X264,
        *YUV420,
        *AAC,
        str(out),
    )


def _variable_frame_rate(out: Path) -> None:
    drop = r"select='not(between(mod(n\,10)\,3\,7))'"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=10"),
        *tone(10),
        *["-vf", drop, "-fps_mode", "vfr"],
        *X264,
        *YUV420,
        *AAC,
        str(out),
    )


def _late_start(out: Path) -> None:
    # Its clock starts at 1.4 s; the chunks must still line up.
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=10"),
        *X264,
        *YUV420,
        *("-output_ts_offset", "1.4"),
        str(out),
    )


def _rotated_ten_bit(out: Path) -> None:
    flat = out.with_name("flat.mp4")
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=10"),
        *X264,
        *("-pix_fmt", "yuv420p10le"),
        str(flat),
    )
    ffmpeg("-display_rotation", "90", "-i", str(flat), "-c", "copy", str(out))


SOURCES = {
    "ntsc": ("ntsc.mp4", _ntsc),
    "variable_frame_rate": ("vfr.mp4", _variable_frame_rate),
    "late_start": ("late.mkv", _late_start),
    "rotated_ten_bit": ("rotated.mp4", _rotated_ten_bit),
}


@pytest.mark.parametrize("kind", list(SOURCES))
def test_awkward_source_chunked_matches_its_unchunked_encode(
    kind, settings, tmp_path, db
):
    name, make = SOURCES[kind]
    source = tmp_path / name
    make(source)
    settings.TRANSCODE_SEGMENT_SECONDS = 2
    media = Path(settings.MEDIA_ROOT)
    counts = {}
    for chunk_seconds in (4, 0):
        settings.TRANSCODE_CHUNK_SECONDS = chunk_seconds
        video, outcome = attach_and_transcode(source)
        assert outcome == "ready", video.failure_reason
        found = {}
        for rendition in video.renditions.filter(revision=video.revision):
            listed = packets(media / rendition.playlist_path)
            dts = [p[0] for p in listed]
            step = dts[1] - dts[0]
            assert all(b - a == step for a, b in zip(dts, dts[1:], strict=False))
            found[rendition.height] = len(listed)
        counts[chunk_seconds] = found
        assert ffmpeg_decode_errors(FFMPEG, media / video.hls_master_path) == ""
    assert counts[4] == counts[0], counts
