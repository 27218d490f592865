"""Each audio track encoded on its own: measured, levelled, packaged, checked.

For every channel layout of a track (stereo always; 5.1 too when the source
track has six channels or more) three ffmpeg runs, one after the other:

1. loudnorm's first pass measures the source track, mixed to that layout
   (EBU R128: integrated loudness, true peak, loudness range);
2. the encode applies those values (loudnorm's second pass, linear gain
   wherever the peak allows) to ``TRANSCODE_LOUDNESS_LUFS`` and
   ``TRANSCODE_TRUE_PEAK_DBTP``, into AAC fMP4 segments of the video's
   segment length, with ffmpeg's DASH muxer (an MPD and an HLS playlist);
3. the encoded result is measured again, for the record editors see.

The runs never touch the video: a track added later goes through the same
step (``track_runs`` takes any input with the track at a stream index).
``AudioWork`` starts them one at a time and polls them from the video encode's
progress ticks, so they overlap the video's encode without a thread.
"""

import json
import math
import subprocess
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from . import ffmpeg as ffmpeg_runner
from . import layout
from .audio_tracks import STEREO, TrackPlan
from .errors import SourceRejected, TranscodeError

MEDIA_PLAYLIST = "media_0.m3u8"  # ffmpeg's HLS playlist beside its MPD
CHANNEL_LAYOUTS = {2: "stereo", 6: "5.1"}
SAMPLE_RATE = 48000


@dataclass(frozen=True)
class Loudness:
    """What EBU R128 measured (loudnorm's names)."""

    integrated: float  # LUFS
    true_peak: float  # dBTP
    lra: float  # LU
    threshold: float
    offset: float

    @property
    def audible(self) -> bool:
        return math.isfinite(self.integrated) and math.isfinite(self.true_peak)


@dataclass(frozen=True)
class AudioInput:
    path: Path
    container_format: str  # as the probe detected it: the only way it is opened
    stream_index: int


@dataclass(frozen=True)
class AudioRendition:
    track: TrackPlan
    channels: int
    stem: str
    folder: Path  # the scratch folder its segments and playlists are in
    loudness_in: Loudness
    loudness_out: Loudness


def rendition_folder(out: Path, stem: str) -> Path:
    return out / "audio" / stem


def parse_loudnorm(stderr: str) -> Loudness:
    """loudnorm's JSON report (print_format=json), the last thing it prints."""
    start, end = stderr.rfind("{"), stderr.rfind("}")
    try:
        report = json.loads(stderr[start : end + 1])
        return Loudness(
            integrated=float(report["input_i"]),
            true_peak=float(report["input_tp"]),
            lra=float(report["input_lra"]),
            threshold=float(report["input_thresh"]),
            offset=float(report["target_offset"]),
        )
    except (ValueError, KeyError) as exc:
        raise TranscodeError("ffmpeg measured no loudness for an audio track.") from exc


def _targets() -> str:
    return (
        f"I={settings.TRANSCODE_LOUDNESS_LUFS}:TP={settings.TRANSCODE_TRUE_PEAK_DBTP}"
    )


def _head(binary: str, loglevel: str) -> list[str]:
    return [binary, "-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel]


def _input(source: AudioInput) -> list[str]:
    return [
        *ffmpeg_runner.ffmpeg_input_args(source.container_format, source.path),
        "-map",
        f"0:{source.stream_index}",
        "-vn",
        "-sn",
        "-dn",
    ]


def measure_command(binary: str, source: AudioInput, channels: int) -> list[str]:
    """loudnorm's first pass over the track mixed to ``channels``: measures only."""
    graph = (
        f"aformat=channel_layouts={CHANNEL_LAYOUTS[channels]},"
        f"loudnorm={_targets()}:LRA=20:print_format=json"
    )
    # loudnorm reports at the info level; nothing else is printed (-nostats).
    return [*_head(binary, "info"), *_input(source), "-af", graph, "-f", "null", "-"]


def _levelling(measured: Loudness) -> str:
    if not measured.audible:
        return ""  # silence: nothing to measure, nothing to level
    # Linear gain keeps the mix's dynamics; loudnorm allows it only when the
    # target range is at least the measured one and the peak stays under.
    lra = min(50, max(7, math.ceil(measured.lra) + 1))
    return (
        f",loudnorm={_targets()}:LRA={lra}"
        f":measured_I={max(-99.0, measured.integrated)}"
        f":measured_TP={max(-99.0, min(99.0, measured.true_peak))}"
        f":measured_LRA={min(99.0, measured.lra)}"
        f":measured_thresh={max(-99.0, measured.threshold)}"
        f":offset={max(-99.0, min(99.0, measured.offset))}:linear=true"
    )


def encode_command(
    binary: str,
    source: AudioInput,
    *,
    channels: int,
    measured: Loudness,
    folder: Path,
    stem: str,
) -> list[str]:
    """loudnorm's second pass into AAC fMP4 segments named after ``stem``."""
    kbps = (
        settings.TRANSCODE_AUDIO_KBPS
        if channels == STEREO
        else settings.TRANSCODE_AUDIO_SURROUND_KBPS
    )
    graph = (
        f"aformat=channel_layouts={CHANNEL_LAYOUTS[channels]}"
        f"{_levelling(measured)},aresample={SAMPLE_RATE}"
    )
    return [
        *_head(binary, "error"),
        "-y",
        *_input(source),
        "-af",
        graph,
        "-c:a",
        "aac",
        "-b:a",
        f"{kbps}k",
        "-ar",
        str(SAMPLE_RATE),
        "-ac",
        str(channels),
        "-f",
        "dash",
        "-seg_duration",
        str(settings.TRANSCODE_SEGMENT_SECONDS),
        "-use_template",
        "1",
        "-use_timeline",
        "1",
        "-hls_playlist",
        "1",
        "-init_seg_name",
        layout.audio_init_name(stem),
        "-media_seg_name",
        layout.audio_segment_name(stem),
        str(folder / f"{stem}.mpd"),
    ]


def joined_output(folder: Path, stem: str) -> Path:
    """The rendition's init and media segments in one fragmented MP4, to measure."""
    target = folder / "joined.mp4"
    segments = sorted(
        path
        for path in folder.glob(f"{stem}-*.m4s")
        if path.name != layout.audio_init_name(stem)
    )
    with open(target, "wb") as joined:
        for path in [folder / layout.audio_init_name(stem), *segments]:
            joined.write(path.read_bytes())
    return target


def track_runs(
    binary: str, source: AudioInput, track: TrackPlan, *, out: Path
) -> Generator[list[str], str, list[AudioRendition]]:
    """The ffmpeg runs of one track, as commands; each run's stderr is sent back."""
    renditions = []
    for channels in track.layouts:
        stem = layout.audio_stem(track.position, channels)
        folder = rendition_folder(out, stem)
        folder.mkdir(parents=True, exist_ok=True)
        measured = parse_loudnorm((yield measure_command(binary, source, channels)))
        yield encode_command(
            binary,
            source,
            channels=channels,
            measured=measured,
            folder=folder,
            stem=stem,
        )
        encoded = AudioInput(joined_output(folder, stem), "mov", 0)
        result = parse_loudnorm((yield measure_command(binary, encoded, channels)))
        renditions.append(
            AudioRendition(
                track=track,
                channels=channels,
                stem=stem,
                folder=folder,
                loudness_in=measured,
                loudness_out=result,
            )
        )
    return renditions


class AudioWork:
    """Every track's runs, one ffmpeg at a time, advanced without blocking."""

    def __init__(
        self,
        runs: list[Generator[list[str], str, list[AudioRendition]]],
        *,
        home: Path,
        timeout: float,
    ):
        self._runs = list(runs)
        self._home = home
        self._timeout = timeout
        self._current: Generator | None = None
        self._process: subprocess.Popen | None = None
        self._stderr = None
        self._deadline = 0.0
        self.renditions: list[AudioRendition] = []

    @property
    def done(self) -> bool:
        return self._process is None and self._current is None and not self._runs

    def advance(self) -> bool:
        """Collect the run that ended and start the next; True once all are done."""
        while not self.done:
            if self._process is not None:
                if self._process.poll() is None:
                    if time.monotonic() > self._deadline:
                        self.stop()
                        raise TranscodeError(
                            "An audio track took longer than "
                            f"{int(self._timeout)} s to encode and was stopped."
                        )
                    return False
                self._start(self._send(self._collect()))
            elif self._current is None:
                self._current = self._runs.pop(0)
                self._start(self._send(None))
        return True

    def finish(self, *, tick: Callable[[], None] = lambda: None) -> None:
        """Advance until every run has ended, calling ``tick`` between polls."""
        while not self.advance():
            tick()
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill the running ffmpeg, if any (the job failed or was taken away)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _send(self, stderr: str | None) -> list[str] | None:
        try:
            if stderr is None:
                return next(self._current)
            return self._current.send(stderr)
        except StopIteration as finished:
            self.renditions += finished.value
            self._current = None
            return None

    def _start(self, command: list[str] | None) -> None:
        if command is None:
            return
        self._stderr = open(self._home / "ffmpeg-audio-stderr.log", "w+b")  # noqa: SIM115
        self._deadline = time.monotonic() + self._timeout
        self._process = ffmpeg_runner.popen(
            command,
            home=self._home,
            timeout=self._timeout,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
        )

    def _collect(self) -> str:
        returncode = self._process.returncode
        self._process = None
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace")
        self._stderr.close()
        self._stderr = None
        limited = ffmpeg_runner.limit_reason(returncode)
        if limited:
            raise SourceRejected(f"ffmpeg was stopped: {limited}.")
        if returncode != 0:
            lines = [line.strip() for line in text.strip().splitlines()]
            errors = [line for line in lines if "rror" in line] or lines
            detail = errors[0] if errors else f"exit code {returncode}"
            raise SourceRejected(f"ffmpeg could not encode an audio track: {detail}")
        return text
