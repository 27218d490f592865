"""Finding ffmpeg and checking that it can do what the pipeline needs.

By default ffmpeg is the static build that ships in the imageio-ffmpeg wheel
(libx264, aac, hls and dash included); ``FFMPEG_BINARY`` may name another one.
"""

import functools
import shutil
import subprocess

from django.conf import settings

from .errors import EncoderUnavailable

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
    output = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
        [binary, "-hide_banner", f"-{kind}"],
        capture_output=True,
        text=True,
        timeout=30,
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
