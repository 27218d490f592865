"""Each audio track encoded on its own: measured, levelled, packaged, checked.

For every channel layout of a track (stereo always; 5.1 too when the source
track has six channels or more) three ffmpeg runs, one after the other:

1. the first pass measures the source track, mixed to that layout (EBU R128
   with ffmpeg's ebur128 filter: integrated loudness, true peak, loudness
   range, gating threshold);
2. the encode levels it to ``TRANSCODE_LOUDNESS_LUFS`` with true peak at most
   ``TRANSCODE_TRUE_PEAK_DBTP``: by a plain gain where that keeps the peak
   under the limit (what loudnorm's linear mode does, without its 192 kHz
   resampling), else by loudnorm's second pass with the measured values
   (dynamic, with its true-peak limiter); into AAC fMP4 segments of the
   video's segment length, with ffmpeg's DASH muxer (an MPD and an HLS
   playlist);
3. the encoded result is measured again, for the record editors see.

The runs never touch the video: a track added later goes through the same
step (``track_runs`` takes any input with the track at a stream index).
``audio_work.AudioWork`` starts them one at a time and polls them from the
video encode's progress ticks, so they overlap the video's encode without a
thread.
"""

import math
import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from . import ffmpeg as ffmpeg_runner
from . import layout
from .audio_tracks import STEREO, TrackPlan
from .errors import TranscodeError

MEDIA_PLAYLIST = "media_0.m3u8"  # ffmpeg's HLS playlist beside its MPD
CHANNEL_LAYOUTS = {2: "stereo", 6: "5.1"}
SAMPLE_RATE = 48000


@dataclass(frozen=True)
class Loudness:
    """What EBU R128 measured (ffmpeg's ebur128 summary)."""

    integrated: float  # LUFS
    true_peak: float  # dBTP
    lra: float  # LU
    threshold: float  # LUFS: the integrated loudness's gating threshold

    @property
    def audible(self) -> bool:
        return math.isfinite(self.integrated) and math.isfinite(self.true_peak)


@dataclass(frozen=True)
class AudioInput:
    path: Path
    container_format: str  # as the probe detected it: the only way it is opened
    stream_index: int
    # An added track is aligned to the video: trimmed to, or padded with
    # silence up to, this many seconds (None: taken as it is).
    align_to: float | None = None


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


_SUMMARY = {
    "integrated": re.compile(r"^\s*I:\s+(\S+) LUFS", re.MULTILINE),
    "threshold": re.compile(r"^\s*Threshold:\s+(\S+) LUFS", re.MULTILINE),
    "lra": re.compile(r"^\s*LRA:\s+(\S+) LU", re.MULTILINE),
    "true_peak": re.compile(r"^\s*Peak:\s+(\S+) dBFS", re.MULTILINE),
}


def parse_ebur128(stderr: str) -> Loudness:
    """The ebur128 filter's summary, the last thing it prints."""
    _, found, summary = stderr.rpartition("Summary:")
    values = {}
    for name, pattern in _SUMMARY.items():
        match = pattern.search(summary) if found else None
        if match is None:
            raise TranscodeError("ffmpeg measured no loudness for an audio track.")
        values[name] = float(match.group(1))  # "-inf" for silence
    return Loudness(**values)


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


def _aligned(source: AudioInput) -> str:
    """The filters that fit an added track to the video's length, if asked."""
    if source.align_to is None:
        return ""
    seconds = f"{source.align_to:.3f}"
    return f"atrim=duration={seconds},apad=whole_dur={seconds},"


def measure_command(binary: str, source: AudioInput, channels: int) -> list[str]:
    """EBU R128 of the track mixed to ``channels``: measures only."""
    graph = (
        f"{_aligned(source)}aformat=channel_layouts={CHANNEL_LAYOUTS[channels]},"
        "ebur128=peak=true:framelog=quiet"
    )
    # The summary comes at the info level; nothing else is printed (-nostats).
    return [*_head(binary, "info"), *_input(source), "-af", graph, "-f", "null", "-"]


def levelling(measured: Loudness) -> str:
    """The filters that bring ``measured`` to the target ("" for silence)."""
    if not measured.audible:
        return ""  # silence: nothing to level
    target = settings.TRANSCODE_LOUDNESS_LUFS
    gain = target - measured.integrated
    if measured.true_peak + gain <= settings.TRANSCODE_TRUE_PEAK_DBTP:
        # One gain for the whole track keeps the mix's dynamics untouched.
        return f",volume={gain:.2f}dB"
    # Louder peaks than the gain allows: loudnorm's dynamic mode and limiter.
    lra = min(50, max(7, math.ceil(measured.lra) + 1))
    return (
        f",loudnorm={_targets()}:LRA={lra}"
        f":measured_I={max(-99.0, min(0.0, measured.integrated))}"
        f":measured_TP={max(-99.0, min(99.0, measured.true_peak))}"
        f":measured_LRA={min(99.0, measured.lra)}"
        f":measured_thresh={max(-99.0, min(0.0, measured.threshold))}"
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
        f"{_aligned(source)}aformat=channel_layouts={CHANNEL_LAYOUTS[channels]}"
        f"{levelling(measured)},aresample={SAMPLE_RATE}"
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
        measured = parse_ebur128((yield measure_command(binary, source, channels)))
        yield encode_command(
            binary,
            source,
            channels=channels,
            measured=measured,
            folder=folder,
            stem=stem,
        )
        encoded = AudioInput(joined_output(folder, stem), "mov", 0)
        result = parse_ebur128((yield measure_command(binary, encoded, channels)))
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
