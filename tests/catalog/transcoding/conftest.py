"""Tiny media sources made with ffmpeg's lavfi, and fast transcode settings.

Sources are made once per session (on first use) into a session folder; each
is a few seconds at most and small, so the real pipeline runs in about a second.
"""

import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.files import File
from django.db import transaction
from django.test import override_settings

from catalog import services
from catalog.models import Video
from catalog.transcoding import pipeline

from .published import Published

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
# Small rungs and the fastest preset keep a transcode of a tiny clip under a second.
FAST_TRANSCODES = {
    "TRANSCODE_LADDER": [(360, 800), (240, 400), (144, 200)],
    "TRANSCODE_X264_PRESET": "ultrafast",
    "TRANSCODE_SEGMENT_SECONDS": 4,
}


def ffmpeg(*args: str) -> None:
    result = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"making a test source failed: {result.stderr}"


def picture(size: str, seconds: float, rate: int = 25, pattern: str = "testsrc2"):
    graph = f"{pattern}=size={size}:rate={rate}:duration={seconds}"
    return ["-f", "lavfi", "-i", graph]


def tone(seconds: float):
    graph = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
    return ["-f", "lavfi", "-i", graph]


X264 = ["-c:v", "libx264", "-preset", "ultrafast"]
YUV420 = ["-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-shortest"]


def _normal(out: Path, make) -> None:
    ffmpeg(*picture("320x180", 2.5), *tone(2.5), *X264, *YUV420, *AAC, str(out))


def _segmented(out: Path, make) -> None:
    # Long enough for three segments at TRANSCODE_SEGMENT_SECONDS = 4.
    ffmpeg(*picture("320x180", 9), *tone(9), *X264, *YUV420, *AAC, str(out))


def _no_audio(out: Path, make) -> None:
    ffmpeg(*picture("320x180", 2), *X264, *YUV420, str(out))


def _rotated(out: Path, make) -> None:
    # A phone held upright: landscape pixels with a display matrix turning them.
    ffmpeg("-display_rotation", "90", "-i", str(make("normal")), "-c", "copy", str(out))


def _odd_dimensions(out: Path, make) -> None:
    # testsrc2 rounds its size to even numbers, and 4:2:0 needs even sizes:
    # testsrc in 4:4:4 keeps 853x481.
    odd = picture("853x481", 2, pattern="testsrc")
    ffmpeg(*odd, "-vf", "format=yuv444p", *X264, str(out))


def _anamorphic(out: Path, make) -> None:
    # 480x360 stored pixels, each shown 4:3 wide: a 640x360 picture.
    ffmpeg(*picture("480x360", 2), "-vf", "setsar=4/3", *X264, *YUV420, str(out))


def _variable_frame_rate(out: Path, make) -> None:
    # Frames 3 to 7 of every 10 are dropped and the others keep their
    # timestamps: gaps of 1/30 s and 6/30 s, 15 frames a second on average.
    drop = r"select='not(between(mod(n\,10)\,3\,7))'"
    ffmpeg(
        *picture("320x180", 3, rate=30),
        *tone(3),
        *["-vf", drop, "-fps_mode", "vfr"],
        *X264,
        *YUV420,
        *AAC,
        str(out),
    )


def _ten_bit(out: Path, make) -> None:
    ffmpeg(*picture("320x180", 2), *X264, "-pix_fmt", "yuv420p10le", str(out))


def _one_frame(out: Path, make) -> None:
    ffmpeg(*picture("320x180", 1), "-frames:v", "1", *X264, *YUV420, str(out))


def _audio_only(out: Path, make) -> None:
    ffmpeg(*tone(2), "-c:a", "aac", str(out))


def _three_tracks(out: Path, make) -> None:
    # English (loud, flagged default), French (quiet, titled) and an English
    # audio description: levels far apart, for the loudness normalisation.
    levels = [("0.6", 440), ("0.02", 660), ("0.1", 880)]
    tones = []
    for amplitude, frequency in levels:
        graph = f"aevalsrc={amplitude}*sin(2*PI*{frequency}*t):s=48000:d=5"
        tones += ["-f", "lavfi", "-i", graph]
    ffmpeg(
        *picture("320x180", 5),
        *tones,
        *["-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:a"],
        *X264,
        *YUV420,
        *AAC,
        *["-metadata:s:a:0", "language=eng", "-disposition:a:0", "default"],
        *["-metadata:s:a:1", "language=fre", "-metadata:s:a:1", "title=Français"],
        *["-disposition:a:1", "0"],
        *["-metadata:s:a:2", "language=eng"],
        *["-disposition:a:2", "visual_impaired+descriptions"],
        str(out),
    )


def _surround(out: Path, make) -> None:
    # 5.1, each channel its own tone; the LFE quieter.
    channels = "|".join(
        f"{level}*sin(2*PI*{frequency}*t)"
        for level, frequency in [
            (0.3, 300),
            (0.3, 400),
            (0.3, 500),
            (0.05, 60),
            (0.2, 700),
            (0.2, 800),
        ]
    )
    graph = f"aevalsrc='{channels}':c=5.1:s=48000:d=5"
    ffmpeg(
        *picture("320x180", 5),
        *["-f", "lavfi", "-i", graph],
        *X264,
        *YUV420,
        *AAC,
        *["-metadata:s:a:0", "language=deu"],
        str(out),
    )


def _surround_dub_description(out: Path, make) -> None:
    # An English 5.1 main track (loud), a French stereo dub (quiet) and an
    # English stereo audio description: one track in two layouts beside two
    # stereo-only ones.
    surround = "|".join(
        f"0.4*sin(2*PI*{frequency}*t)" for frequency in (300, 400, 500, 60, 700, 800)
    )
    ffmpeg(
        *picture("320x180", 5),
        *["-f", "lavfi", "-i", f"aevalsrc='{surround}':c=5.1:s=48000:d=5"],
        *["-f", "lavfi", "-i", "aevalsrc=0.03*sin(2*PI*660*t):c=stereo:s=48000:d=5"],
        *["-f", "lavfi", "-i", "aevalsrc=0.2*sin(2*PI*880*t):c=stereo:s=48000:d=5"],
        *["-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:a"],
        *X264,
        *YUV420,
        *AAC,
        *["-metadata:s:a:0", "language=eng", "-disposition:a:0", "default"],
        *["-metadata:s:a:1", "language=fre", "-disposition:a:1", "0"],
        *["-metadata:s:a:2", "language=eng"],
        *["-disposition:a:2", "visual_impaired+descriptions"],
        str(out),
    )


def _still_picture(out: Path, make) -> None:
    ffmpeg(*picture("320x180", 1), "-frames:v", "1", str(out))


def _empty(out: Path, make) -> None:
    out.write_bytes(b"")


def _random_bytes(out: Path, make) -> None:
    # Seeded: now and then fresh random bytes happen to probe as an audio-only
    # stream, a different (also right) refusal than the one this case pins.
    out.write_bytes(random.Random(64).randbytes(64 * 1024))


def _text(out: Path, make) -> None:
    out.write_text("This is a shopping list, not a film.\n" * 50)


def _truncated(out: Path, make) -> None:
    # ffmpeg writes the moov box last: the first half of the file has none.
    data = make("normal").read_bytes()
    out.write_bytes(data[: len(data) // 2])


SOURCES: dict[str, tuple[str, Callable]] = {
    "normal": ("normal.mp4", _normal),
    "segmented": ("segmented.mp4", _segmented),
    "no_audio": ("no-audio.mp4", _no_audio),
    "rotated": ("rotated.mp4", _rotated),
    "odd_dimensions": ("odd.mp4", _odd_dimensions),
    "anamorphic": ("anamorphic.mp4", _anamorphic),
    "variable_frame_rate": ("vfr.mp4", _variable_frame_rate),
    "ten_bit": ("ten-bit.mp4", _ten_bit),
    "one_frame": ("one-frame.mp4", _one_frame),
    "audio_only": ("audio.m4a", _audio_only),
    "three_tracks": ("three-tracks.mkv", _three_tracks),
    "surround": ("surround.mp4", _surround),
    "surround_dub_description": (
        "surround-dub-description.mkv",
        _surround_dub_description,
    ),
    "still_picture": ("still.png", _still_picture),
    "empty": ("empty.mp4", _empty),
    "random_bytes": ("random.mp4", _random_bytes),
    "text": ("notes.mp4", _text),
    "truncated": ("truncated.mp4", _truncated),
}


@pytest.fixture(scope="session")
def media_source(tmp_path_factory) -> Callable[[str], Path]:
    """``media_source("rotated")``: the path of that source, made on first use."""
    root = tmp_path_factory.mktemp("sources")
    made: dict[str, Path] = {}

    def make(kind: str) -> Path:
        if kind not in made:
            filename, maker = SOURCES[kind]
            path = root / filename
            maker(path, make)
            made[kind] = path
        return made[kind]

    return make


def attach_and_transcode(path: Path) -> tuple[Video, str]:
    """Ingest ``path`` as editors do, run the job as a worker would; (video, outcome)."""
    video = services.video_create()
    with open(path, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name=path.name), name=path.name
        )
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    video.refresh_from_db()
    return video, outcome


@pytest.fixture(autouse=True)
def _fast_transcodes(settings, tmp_path):
    """Fast transcode settings, and a scratch folder of the test's own."""
    for name, value in FAST_TRANSCODES.items():
        setattr(settings, name, value)
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")


@pytest.fixture
def scratch_root(settings) -> Path:
    return Path(settings.TRANSCODE_SCRATCH_DIR)


@pytest.fixture
def transcoded(db, media_source) -> Callable[[str], tuple[Video, str]]:
    """``transcoded("normal")``: that source through the real pipeline; (video, outcome)."""
    return lambda kind: attach_and_transcode(media_source(kind))


@pytest.fixture(scope="module")
def published(
    django_db_setup, django_db_blocker, media_source, tmp_path_factory
) -> Callable[[str], Published]:
    """``published("rotated")``: that source transcoded once for the whole module.

    Tests that only read what a transcode left behind share one run per source.
    The rows are rolled back at once (the files stay in a module folder), so no
    test sees another's rows.
    """
    runs: dict[str, Published] = {}

    def publish(kind: str) -> Published:
        if kind not in runs:
            folder = tmp_path_factory.mktemp(f"published-{kind}")
            media_root, scratch = folder / "media", folder / "scratch"
            with (
                django_db_blocker.unblock(),
                override_settings(
                    MEDIA_ROOT=media_root,
                    TRANSCODE_SCRATCH_DIR=str(scratch),
                    **FAST_TRANSCODES,
                ),
                transaction.atomic(),
            ):
                video, outcome = attach_and_transcode(media_source(kind))
                renditions = list(video.renditions.filter(revision=video.revision))
                audio_tracks = list(video.audio_tracks.filter(revision=video.revision))
                transaction.set_rollback(True)
            runs[kind] = Published(
                kind=kind,
                outcome=outcome,
                video=video,
                renditions=renditions,
                audio_tracks=audio_tracks,
                media_root=media_root,
                scratch_left=sorted(p.name for p in scratch.iterdir()),
            )
        return runs[kind]

    return publish
