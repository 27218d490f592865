"""Untrusted media never reaches outside its own bytes (issue 11, section 3).

Each hostile source names a canary outside the job's scratch folder. The canary
is a named pipe: whoever opens it to read blocks until a writer comes, so a
watcher that keeps trying to open it for writing, without blocking, knows for
certain whether anything opened it (and its close lets that reader go on, to
an empty file). Everything runs for real: the pipeline entry the Celery task
calls, PyAV for the probe, the ffmpeg binary from pip for the encode.
"""

import errno
import os
import struct
import threading
from collections.abc import Callable
from pathlib import Path

import av
import pytest

from catalog.models import Video
from catalog.transcoding import encode, ffmpeg, probe
from catalog.transcoding.errors import SourceRejected
from catalog.transcoding.ladder import Rung
from tests.catalog.transcoding.conftest import (
    AAC,
    FAST_TRANSCODES,
    X264,
    YUV420,
    attach_and_transcode,
    picture,
    tone,
)
from tests.catalog.transcoding.conftest import ffmpeg as make_media

SECRETS = {
    "DJANGO_SECRET_KEY": "sentinel-secret-key-4b1d",
    "DATABASE_URL": "postgres://sentinel:hunter2@db.internal/vod",
    "CLOUDFRONT_PRIVATE_KEY": "sentinel-private-key-9f3c",
    "AWS_SECRET_ACCESS_KEY": "sentinel-aws-secret-7e21",
}


class Canary:
    """A named pipe that records whether anything ever opened it."""

    def __init__(self, path: Path):
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                # Succeeds only while a reader has the pipe open (or is
                # blocked opening it); ENXIO otherwise.
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                assert exc.errno == errno.ENXIO, exc
                self._stop.wait(0.005)
                continue
            self.opened.set()
            os.close(fd)

    def stop(self) -> None:
        self._stop.set()
        self._watcher.join(timeout=5)


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside (never inside) the test's scratch folder."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.fixture
def canary(outside) -> Callable[[str], Canary]:
    made: list[Canary] = []

    def make(name: str) -> Canary:
        made.append(Canary(outside / name))
        return made[-1]

    yield make
    for each in made:
        each.stop()


def clip(path: Path, seconds: float) -> Path:
    """A small, legit MP4 source."""
    make_media(
        *picture("320x180", seconds), *tone(seconds), *X264, *YUV420, *AAC, str(path)
    )
    return path


@pytest.fixture(autouse=True)
def _fast_transcodes(settings, tmp_path):
    for name, value in FAST_TRANSCODES.items():
        setattr(settings, name, value)
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")


def _mpd(url: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"
     profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"
     mediaPresentationDuration="PT2S" minBufferTime="PT1S">
 <Period>
  <AdaptationSet mimeType="video/mp4">
   <Representation id="1" bandwidth="100000" width="320" height="180"
                   codecs="avc1.64000d">
    <BaseURL>{url}</BaseURL>
   </Representation>
  </AdaptationSet>
 </Period>
</MPD>
"""


def _dash(source: Path, canary) -> Canary:
    # No extension: DASH is detected from the text alone.
    bait = canary("canary.mp4")
    source.write_text(_mpd(f"file://{bait.path}"))
    return bait


def _hls(source: Path, canary) -> Canary:
    bait = canary("canary.ts")
    source.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:2,\n{bait.path}\n#EXTINF:2,\nfile://{bait.path}\n"
        "#EXT-X-ENDLIST\n"
    )
    return bait


def _ffconcat(source: Path, canary) -> Canary:
    bait = canary("canary.mp4")
    source.write_text(
        f"ffconcat version 1.0\nfile '{bait.path}'\nfile 'file:{bait.path}'\n"
    )
    return bait


def _image2_pattern(source: Path, canary) -> Canary:
    # An image sequence, by number pattern and by glob, outside scratch.
    bait = canary("canary-001.png")
    folder = bait.path.parent
    source.write_text(
        "ffconcat version 1.0\n"
        f"file '{folder}/canary-%03d.png'\noption pattern_type sequence\n"
        f"file '{folder}/canary-*.png'\noption pattern_type glob\n"
    )
    return bait


def _polyglot(source: Path, canary) -> Canary:
    # Starts as an MP4 (an ftyp box) so a magic-number check says "video",
    # and carries a DASH manifest naming the canary right after it.
    bait = canary("canary.mp4")
    manifest = _mpd(f"file://{bait.path}").encode()
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")
    free = struct.pack(">I4s", 8 + len(manifest), b"free") + manifest
    source.write_bytes(ftyp + free)
    return bait


HOSTILE = {
    "dash": (_dash, "dash manifest, which refers to other files"),
    "hls": (_hls, "hls playlist, which refers to other files"),
    "ffconcat": (_ffconcat, "concat list, which refers to other files"),
    "image2_pattern": (_image2_pattern, "concat list, which refers to other files"),
    "polyglot": (_polyglot, "not a video file we can read"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_source_fails_with_a_reason_and_never_opens_the_canary(
    kind, db, tmp_path, canary, settings
):
    make, reason = HOSTILE[kind]
    source = tmp_path / "upload"
    bait = make(source, canary)

    video, outcome = attach_and_transcode(source)

    assert not bait.opened.is_set(), (
        f"the {kind} source made something open {bait.path}"
    )
    assert outcome == "failed"
    assert video.status == Video.Status.FAILED
    assert reason in video.failure_reason.lower()
    assert video.revision == video.hls_master_path == ""
    assert list(Path(settings.TRANSCODE_SCRATCH_DIR).iterdir()) == []


def test_probe_refuses_a_playlist_named_m3u8_without_opening_what_it_names(
    tmp_path, canary
):
    # With an .m3u8 name libavformat detects HLS from the text and, left to
    # itself, opens every segment the playlist names while probing.
    bait = canary("canary.ts")
    playlist = tmp_path / "playlist.m3u8"
    _hls(playlist, lambda name: bait)

    with pytest.raises(SourceRejected) as refused:
        probe.probe(str(playlist))
    assert not bait.opened.is_set()
    assert "HLS playlist" in refused.value.reason

    with pytest.raises(av.error.ArgumentError):
        probe.open_source(playlist)  # the allowlist alone refuses it too
    assert not bait.opened.is_set()


def test_encoder_opens_the_source_only_as_the_probed_format(tmp_path, canary):
    # The probe (PyAV) and the encoder (the ffmpeg binary) are different builds
    # of libavformat: PyAV's has no DASH demuxer, the binary's has. Were a file
    # to pass the probe as MP4, the binary must not read it as anything else.
    source = tmp_path / "source"
    bait = _dash(source, canary)
    out = tmp_path / "work" / "out"
    plan = encode.EncodePlan(
        source=source,
        container_format="mov",
        output_dir=out,
        rungs=[Rung(width=256, height=144, video_kbps=200, label="144p")],
        frame_rate=25.0,
        duration=2.0,
        storyboard=encode.storyboard_for(2.0, 256, 144),
    )

    with pytest.raises(SourceRejected, match="ffmpeg could not encode"):
        encode.run(
            ffmpeg.ensure_capable(), plan, on_progress=lambda done: None, timeout=60
        )
    assert not bait.opened.is_set()


@pytest.fixture
def ffmpeg_spy(tmp_path, outside, settings) -> Path:
    """FFMPEG_BINARY becomes a script that notes its environment and limits
    (outside scratch) and then runs the real ffmpeg."""
    notes = outside / "ffmpeg-runs.txt"
    script = tmp_path / "ffmpeg-spy"
    script.write_text(
        "#!/bin/sh\n"
        f"{{ echo '--- run'; env; echo \"core=$(ulimit -c) cpu=$(ulimit -t) "
        f'file=$(ulimit -f) data=$(ulimit -d)"; }} >> {notes}\n'
        f'exec {ffmpeg.ffmpeg_binary()} "$@"\n'
    )
    script.chmod(0o755)
    settings.FFMPEG_BINARY = str(script)
    return notes


def test_ffmpeg_runs_with_none_of_the_workers_secrets_and_with_limits(
    db, tmp_path, ffmpeg_spy, monkeypatch, settings
):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    source = clip(tmp_path / "normal.mp4", 2)

    video, outcome = attach_and_transcode(source)

    assert outcome == "ready", video.failure_reason
    runs = ffmpeg_spy.read_text().split("--- run")[1:]
    assert len(runs) >= 2  # the capability check, then the encode
    scratch = settings.TRANSCODE_SCRATCH_DIR
    for run in runs:
        for name, value in SECRETS.items():
            assert name not in run and value not in run
        env = dict(line.split("=", 1) for line in run.splitlines() if "=" in line[:40])
        assert env["HOME"] != os.environ.get("HOME") and env["TMPDIR"] == env["HOME"]
        assert "core=0 " in run
        limits = run.strip().splitlines()[-1]
        assert "unlimited" not in limits, limits
    assert env["HOME"].startswith(scratch)  # the encode's home is its job folder


def test_any_subprocess_gets_only_the_minimal_environment(tmp_path, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    result = ffmpeg.run(
        ["/bin/sh", "-c", "env; ulimit -c"],
        home=tmp_path,
        timeout=10,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    names = {line.split("=", 1)[0] for line in lines if "=" in line}
    assert names <= {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PWD", "SHLVL", "_"}
    assert f"HOME={tmp_path}" in lines
    assert lines[-1] == "0"


def test_a_file_larger_than_the_cap_stops_ffmpeg_with_a_reason(db, tmp_path, settings):
    settings.TRANSCODE_MAX_FILE_BYTES = 16 * 1024
    video, outcome = attach_and_transcode(clip(tmp_path / "long.mp4", 9))
    assert outcome == "failed"
    assert "TRANSCODE_MAX_FILE_BYTES" in video.failure_reason


def test_a_legit_source_in_another_container_still_transcodes(db, tmp_path):
    # Matroska, not MP4: opened as the format the probe found, it plays.
    source = tmp_path / "master.mkv"
    make_media(*picture("320x180", 2), *tone(2), *X264, *YUV420, *AAC, str(source))
    video, outcome = attach_and_transcode(source)
    assert outcome == "ready", video.failure_reason
    assert video.probe["container_format"] == "matroska"


def test_a_video_in_a_format_outside_the_allowlist_is_refused_with_a_reason(
    db, tmp_path
):
    # Flash video plays, but no master arrives as SWF: only the container
    # formats real masters use are opened at all.
    source = tmp_path / "old.swf"
    make_media(*picture("320x180", 1), "-c:v", "flv1", "-f", "swf", str(source))
    video, outcome = attach_and_transcode(source)
    assert outcome == "failed"
    assert "not in a video format we accept" in video.failure_reason


def test_a_runaway_child_is_stopped_by_the_processor_time_cap(tmp_path, monkeypatch):
    # The cap is the job's timeout on every core; one core here keeps it short.
    monkeypatch.setattr(ffmpeg, "_cores", lambda: 1)
    child = ffmpeg.popen(
        ["/bin/sh", "-c", "while :; do :; done"], home=tmp_path, timeout=1
    )
    try:
        returncode = child.wait(timeout=120)
    finally:
        child.kill()
    assert "processor time" in ffmpeg.limit_reason(returncode)
