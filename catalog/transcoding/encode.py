"""One ffmpeg process: decode the source once, encode every rung, package once.

Audio is not in it: each audio track is its own step (``audio``), so a track
added later needs no video work.

The filter graph normalises the picture (constant frame rate, 8-bit 4:2:0,
rotation applied by ffmpeg's autorotate) and splits it: one branch per rung,
plus one for the storyboard sprite. Keyframes fall on the same fixed interval
in every rung, so the fMP4 (CMAF) segments align and players switch cleanly.
ffmpeg's DASH muxer writes the segments once with an MPD and HLS media
playlists; the master playlist is written by ``packaging`` from measured sizes.
"""

import math
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from . import ffmpeg as ffmpeg_runner
from .errors import SourceRejected, TranscodeError
from .ladder import Rung
from .layout import INIT_NAME, SEGMENT_NAME

MPD_NAME = "manifest.mpd"  # in the scratch folder; published as layout.MPD
THUMBNAIL_PATTERN = "thumb-%05d.jpg"
STORYBOARD_COLUMNS = 10
STORYBOARD_MAX_TILES = 200
STORYBOARD_TILE_WIDTH = 160


@dataclass(frozen=True)
class Storyboard:
    interval: float  # seconds between thumbnails
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int


@dataclass(frozen=True)
class EncodePlan:
    source: Path
    container_format: str  # as the probe detected it: the only way it is opened
    output_dir: Path
    rungs: list[Rung]
    frame_rate: float
    duration: float
    storyboard: Storyboard

    @property
    def stream_count(self) -> int:
        """Representations ffmpeg writes: one per rung."""
        return len(self.rungs)


def storyboard_for(duration: float, width: int, height: int) -> Storyboard:
    interval = max(1.0, math.ceil(max(duration, 0.001) / STORYBOARD_MAX_TILES))
    count = max(1, min(STORYBOARD_MAX_TILES, math.floor(duration / interval) + 1))
    tile_height = max(2, int(round(STORYBOARD_TILE_WIDTH * height / width / 2)) * 2)
    columns = min(STORYBOARD_COLUMNS, count)
    return Storyboard(
        interval=interval,
        count=count,
        columns=columns,
        rows=math.ceil(count / columns),
        tile_width=STORYBOARD_TILE_WIDTH,
        tile_height=tile_height,
    )


def build_command(ffmpeg: str, plan: EncodePlan) -> list[str]:
    """The ffmpeg command line for ``plan``."""
    segment = settings.TRANSCODE_SEGMENT_SECONDS
    rung_count = len(plan.rungs)
    board = plan.storyboard
    graph = rung_graph(plan, extra="sb")
    # Thumbnails come out one by one (a tile filter would hold its output until
    # the end, and with it ffmpeg's progress reports); storyboard.py tiles them.
    # eof_action=pass emits the last frame even when the source ends before the
    # first full interval (a one-frame video), so the sprite always gets a tile.
    graph.append(
        f"[sb]fps=1/{board.interval}:eof_action=pass,"
        f"scale={board.tile_width}:{board.tile_height},setsar=1[board]"
    )
    command = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        "-y",
        "-progress",
        "pipe:1",
        *input_thread_args(),
        *ffmpeg_runner.ffmpeg_input_args(plan.container_format, plan.source),
        "-filter_complex",
        ";".join(graph),
    ]
    for i in range(rung_count):
        command += ["-map", f"[v{i}]"]
    command += video_codec_args(plan)
    command += dash_args(segment)
    command += [
        str(plan.output_dir / MPD_NAME),
        "-map",
        "[board]",
        "-frames:v",
        str(board.count),
        "-q:v",
        "4",
        str(plan.output_dir / THUMBNAIL_PATTERN),
    ]
    return command


def rung_graph(plan: EncodePlan, *, extra: str = "") -> list[str]:
    """The filter graph's normalising and scaling: one ``[v<i>]`` per rung,
    plus ``[<extra>]`` (a copy of the normalised picture) when named."""
    rung_count = len(plan.rungs)
    branches = "".join(f"[s{i}]" for i in range(rung_count))
    if extra:
        branches += f"[{extra}]"
    splits = rung_count + (1 if extra else 0)
    graph = [f"[0:v:0]fps={plan.frame_rate},format=yuv420p,split={splits}{branches}"]
    for i, rung in enumerate(plan.rungs):
        graph.append(
            f"[s{i}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1[v{i}]"
        )
    return graph


def thread_args() -> list[str]:
    """``TRANSCODE_FFMPEG_THREADS`` for a video encode; none leaves ffmpeg's default."""
    threads = settings.TRANSCODE_FFMPEG_THREADS
    return ["-threads", str(threads)] if threads > 0 else []


def input_thread_args() -> list[str]:
    """The same setting for the decoder and the filter graph (options that go
    before ``-i``): with the encoders' alone, a 1080p decode and the scalers
    still took a core of their own beside a "one thread" encode."""
    threads = settings.TRANSCODE_FFMPEG_THREADS
    if threads <= 0:
        return []
    return ["-filter_complex_threads", str(threads), "-threads", str(threads)]


def video_codec_args(plan: EncodePlan) -> list[str]:
    """x264 for every rung: the same keyframe cadence (a keyframe on every
    segment boundary), each rung's bitrates, and the thread setting."""
    segment = settings.TRANSCODE_SEGMENT_SECONDS
    gop = max(1, round(plan.frame_rate * segment))
    args = [
        "-c:v",
        "libx264",
        "-preset",
        settings.TRANSCODE_X264_PRESET,
        "-profile:v",
        "high",
        *thread_args(),
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{segment})",
    ]
    for i, rung in enumerate(plan.rungs):
        args += [
            f"-b:v:{i}",
            f"{rung.video_kbps}k",
            f"-maxrate:v:{i}",
            f"{rung.maxrate_kbps}k",
            f"-bufsize:v:{i}",
            f"{rung.bufsize_kbps}k",
        ]
    return args


def dash_args(segment: float) -> list[str]:
    """ffmpeg's DASH muxer as every video encode uses it."""
    return [
        "-f",
        "dash",
        "-seg_duration",
        str(segment),
        "-use_template",
        "1",
        "-use_timeline",
        "1",
        "-hls_playlist",
        "1",
        "-adaptation_sets",
        "id=0,streams=v",
        "-init_seg_name",
        INIT_NAME,
        "-media_seg_name",
        SEGMENT_NAME,
    ]


def run(
    ffmpeg: str,
    plan: EncodePlan,
    *,
    on_progress: Callable[[float], None],
    timeout: float,
    tick_seconds: float = 0.5,
) -> None:
    """Run the encode, calling ``on_progress(seconds_done)`` as it goes.

    ``on_progress`` may raise to stop the encode (the job was taken away); the
    exception propagates after ffmpeg is killed.
    """
    run_command(
        build_command(ffmpeg, plan),
        plan,
        on_progress=on_progress,
        timeout=timeout,
        tick_seconds=tick_seconds,
    )


def run_command(
    command: list[str],
    plan: EncodePlan,
    *,
    on_progress: Callable[[float], None],
    timeout: float,
    tick_seconds: float = 0.5,
) -> None:
    """Run an encode's ffmpeg ``command`` as ``run`` does."""
    plan.output_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = plan.output_dir.parent / "ffmpeg-stderr.log"
    with open(stderr_path, "w+b") as stderr:
        process = ffmpeg_runner.popen(
            command,
            home=plan.output_dir.parent,
            timeout=timeout,
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        deadline = time.monotonic() + timeout
        # ffmpeg may hang without printing: a watchdog kills it at the deadline.
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.daemon = True
        watchdog.start()
        last_tick = 0.0
        done = 0.0
        try:
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.isdigit():
                    done = int(value) / 1_000_000
                now = time.monotonic()
                if now > deadline:
                    raise TranscodeError(
                        f"The encode took longer than {int(timeout)} s and was stopped."
                    )
                if key == "progress" or now - last_tick >= tick_seconds:
                    last_tick = now
                    on_progress(done)
            returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            watchdog.cancel()
        if time.monotonic() > deadline:
            raise TranscodeError(
                f"The encode took longer than {int(timeout)} s and was stopped."
            )
        limited = ffmpeg_runner.limit_reason(returncode)
        if limited:
            raise SourceRejected(f"ffmpeg was stopped: {limited}.")
        if returncode != 0:
            stderr.seek(0)
            lines = stderr.read().decode(errors="replace").strip().splitlines()
            # ffmpeg's first complaint is the cause; later lines are its consequences.
            detail = lines[0].strip() if lines else f"exit code {returncode}"
            raise SourceRejected(f"ffmpeg could not encode this source: {detail}")
        on_progress(plan.duration)
