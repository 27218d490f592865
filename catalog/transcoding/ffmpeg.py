"""Finding ffmpeg, checking that it can do what the pipeline needs, and running
it (or any other subprocess) so that untrusted media cannot reach outside its
own bytes.

By default ffmpeg is the static build that ships in the imageio-ffmpeg wheel
(libx264, aac, hls and dash included); ``FFMPEG_BINARY`` may name another one.

A source is whatever an editor uploaded. ffmpeg's demuxers for playlists,
manifests and lists (HLS, DASH, concat, image sequences, SDP...) open the files
and URLs a source names, so a source is only ever opened as one of the
container formats below, the one the probe detected, and never by guessing.
"""

import functools
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from .errors import EncoderUnavailable

# Demuxers (ffmpeg's first name for each) that real masters arrive in and that
# read nothing but the file they are given.
SOURCE_FORMATS = (
    "mov",  # mov, mp4, m4v, 3gp, mj2
    "matroska",  # mkv, webm
    "mpegts",
    "mpeg",  # program streams: mpg, vob
    "avi",
    "mxf",
    "flv",
    "asf",  # wmv
    "ogg",
    "dv",
    "gxf",
    "ivf",
    "nut",
    "yuv4mpegpipe",
    "h264",
    "hevc",
    "mpegvideo",
    "m4v",
)
# Self-contained formats that are not video: recognised only so that the probe
# can say what a file is ("an audio file", "a still picture").
NON_VIDEO_FORMATS = (
    "mp3",
    "wav",
    "aac",
    "flac",
    "w64",
    "png_pipe",
    "jpeg_pipe",
    "webp_pipe",
    "bmp_pipe",
    "gif",
    "tiff_pipe",
)
# What an audio file an editor adds may be (it is probed and opened as one of
# these only): self-contained containers and raw audio streams.
AUDIO_FORMATS = ("mov", "matroska", "ogg", "wav", "w64", "mp3", "flac", "aac")
# Nested opens may use the file protocol only: no network, no data: URLs.
PROTOCOL_WHITELIST = "file"
# Per-demuxer options that keep it inside its own bytes. mov's data references
# ("dref") can name other files; ffmpeg ignores them by default, and says so.
DEMUXER_OPTIONS = {"mov": {"enable_drefs": "0", "use_absolute_path": "0"}}
# The whole environment of a subprocess; HOME and TMPDIR are added per run.
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
}

REQUIRED = {
    "encoders": ("libx264", "aac", "mjpeg"),
    "muxers": ("dash", "mp4", "image2"),
    "filters": ("split", "scale", "fps", "setsar", "format"),
}


def ffmpeg_binary() -> str:
    """The ffmpeg executable to run."""
    configured = settings.FFMPEG_BINARY
    if configured:
        found = shutil.which(configured)
        if not found:
            raise EncoderUnavailable(f"FFMPEG_BINARY={configured!r} was not found.")
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is in requirements.txt
        raise EncoderUnavailable(
            "imageio-ffmpeg is not installed and FFMPEG_BINARY is not set."
        ) from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise EncoderUnavailable(f"imageio-ffmpeg has no ffmpeg here: {exc}") from exc


def _listing(binary: str, kind: str) -> set[str]:
    output = run(
        [binary, "-hide_banner", f"-{kind}"],
        home=tempfile.gettempdir(),  # it reads no media; web processes run it too
        timeout=30,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    names = set()
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith(" ="):
            names.add(parts[1])
    return names


@functools.cache
def missing_capabilities(binary: str) -> list[str]:
    """What ``binary`` lacks of what the pipeline needs ("encoder libx264", ...)."""
    missing = []
    for kind, names in REQUIRED.items():
        available = _listing(binary, kind)
        missing += [f"{kind[:-1]} {name}" for name in names if name not in available]
    return missing


def ensure_capable() -> str:
    """The ffmpeg binary, after checking it can encode; raises EncoderUnavailable."""
    binary = ffmpeg_binary()
    missing = missing_capabilities(binary)
    if missing:
        raise EncoderUnavailable(
            f"ffmpeg at {binary} lacks what transcoding needs: {', '.join(missing)}."
        )
    return binary


def source_format(detected: str) -> str | None:
    """ffmpeg's name for the demuxer a source detected as ``detected`` may be
    opened with ("mov,mp4,m4a,3gp,3g2,mj2" -> "mov"), or None if none may."""
    name = detected.split(",")[0]
    return name if name in SOURCE_FORMATS else None


def audio_format(detected: str) -> str | None:
    """The demuxer an added audio file detected as ``detected`` may be opened
    with, or None if none may."""
    name = detected.split(",")[0]
    return name if name in AUDIO_FORMATS else None


def demuxer_options(container_format: str | None = None) -> dict[str, str]:
    """Options for opening a source with PyAV (libavformat's own option names).

    Without ``container_format`` (the probe, before the format is known) any
    allowlisted format may be detected; libavformat refuses the others before
    their demuxer reads a byte.
    """
    allowed = (
        (container_format,) if container_format else SOURCE_FORMATS + NON_VIDEO_FORMATS
    )
    options = {
        "protocol_whitelist": PROTOCOL_WHITELIST,
        "format_whitelist": ",".join(allowed),
    }
    for name in allowed:
        options.update(DEMUXER_OPTIONS.get(name, {}))
    return options


def ffmpeg_input_args(container_format: str, path: Path) -> list[str]:
    """ffmpeg's arguments that open the source at ``path`` as that format only."""
    if container_format not in SOURCE_FORMATS + AUDIO_FORMATS:
        raise ValueError(f"{container_format!r} is not a source format.")
    args = [
        "-protocol_whitelist",
        PROTOCOL_WHITELIST,
        "-format_whitelist",
        container_format,
        "-f",
        container_format,
    ]
    for key, value in DEMUXER_OPTIONS.get(container_format, {}).items():
        args += [f"-{key}", value]
    return [*args, "-i", str(path)]


def subprocess_env(home: Path | str) -> dict[str, str]:
    """The whole environment of a subprocess: nothing of the worker's own (no
    database URL, secret key, CloudFront or AWS keys), its home in ``home``."""
    return {**BASE_ENV, "HOME": str(home), "TMPDIR": str(home)}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _cap(kind: int, value: int) -> None:
    # Only ever tighten: a stricter limit the worker already has stays.
    current = [v for v in resource.getrlimit(kind) if v != resource.RLIM_INFINITY]
    value = min([value, *current])
    resource.setrlimit(kind, (value, value))


def subprocess_limits(*, timeout: float) -> Callable[[], None]:
    """A ``preexec_fn`` that caps the child: no core dumps, processor time that
    a job of ``timeout`` seconds on every core cannot exceed, and the file size
    and memory set in settings (0: no cap)."""
    caps = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, int(timeout * _cores()) + 1),
    ]
    if settings.TRANSCODE_MAX_FILE_BYTES:
        caps.append((resource.RLIMIT_FSIZE, settings.TRANSCODE_MAX_FILE_BYTES))
    if settings.TRANSCODE_MAX_MEMORY_BYTES:
        # RLIMIT_DATA counts memory a process writes to (heap, anonymous maps),
        # not address space merely reserved by threads and malloc arenas.
        caps.append((resource.RLIMIT_DATA, settings.TRANSCODE_MAX_MEMORY_BYTES))

    def apply() -> None:  # runs in the child between fork and exec: no locks
        for kind, value in caps:
            _cap(kind, value)

    return apply


def popen(args: list[str], *, home: Path | str, timeout: float, **kwargs):
    """``subprocess.Popen`` with the minimal environment and the limits."""
    return subprocess.Popen(  # noqa: S603 (an argument list, no shell)
        args,
        env=subprocess_env(home),
        preexec_fn=subprocess_limits(timeout=timeout),  # noqa: PLW1509
        **kwargs,
    )


def run(args: list[str], *, home: Path | str, timeout: float, **kwargs):
    """``subprocess.run`` with the minimal environment and the limits."""
    return subprocess.run(  # noqa: S603 (an argument list, no shell)
        args,
        env=subprocess_env(home),
        preexec_fn=subprocess_limits(timeout=timeout),  # noqa: PLW1509
        timeout=timeout,
        **kwargs,
    )


def limit_reason(returncode: int) -> str | None:
    """What a limit did to a child that ended with ``returncode``, if anything."""
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        # At the processor-time cap Linux sends SIGKILL (soft and hard caps
        # are equal); the out-of-memory killer sends it too.
        return (
            "it used more processor time than the job allows, "
            "or the machine ran out of memory"
        )
    if returncode == -signal.SIGXFSZ:
        return "it wrote a file larger than TRANSCODE_MAX_FILE_BYTES allows"
    return None
