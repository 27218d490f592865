"""Reading what a source is, in-process with PyAV, before anything is encoded.

Whatever is not playable video is refused here with a reason a person
understands; that reason is stored on the video and shown to editors.
"""

import os
from dataclasses import asdict, dataclass
from fractions import Fraction

import av

from .errors import SourceRejected

STILL_IMAGE_CODECS = {"png", "mjpeg", "bmp", "gif", "webp", "tiff", "jpeg2000", "qoi"}
STILL_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe"}


@dataclass(frozen=True)
class Probe:
    duration: float
    width: int  # as displayed: square pixels, rotation applied
    height: int
    coded_width: int
    coded_height: int
    rotation: int  # degrees the picture is turned when shown
    frame_rate: float
    variable_frame_rate: bool
    pixel_format: str
    sample_aspect_ratio: str
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    audio_channels: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def _duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def probe(path: str) -> Probe:
    """Probe ``path``; raise SourceRejected with the reason if it is not video."""
    if os.path.getsize(path) == 0:
        raise SourceRejected("The file is empty.")
    try:
        container = av.open(path, metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise SourceRejected(
            "This is not a video file we can read: it may be damaged, cut off "
            "during upload, or not a video at all."
        ) from exc
    except av.error.FFmpegError as exc:
        raise SourceRejected(f"The file could not be opened as media ({exc}).") from exc
    with container:
        if not container.streams.video:
            if container.streams.audio:
                raise SourceRejected(
                    "There is no video stream: this looks like an audio file."
                )
            raise SourceRejected("There is no video stream in this file.")
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        if codec in STILL_IMAGE_CODECS or container.format.name in STILL_IMAGE_FORMATS:
            raise SourceRejected("This is a still picture, not a video.")
        try:
            frame = next(container.decode(stream))
        except (StopIteration, av.error.FFmpegError) as exc:
            raise SourceRejected(
                "The video stream has no picture we can decode: the file may be "
                "damaged or cut off."
            ) from exc
        rotation = int(round(getattr(frame, "rotation", 0) or 0)) % 360
        coded_width, coded_height = frame.width, frame.height
        sar = stream.sample_aspect_ratio or Fraction(1, 1)
        if sar <= 0:
            sar = Fraction(1, 1)
        width = round(coded_width * sar)
        height = coded_height
        if rotation in (90, 270):
            width, height = height, width
        average = stream.average_rate or stream.guessed_rate or stream.base_rate
        base = stream.base_rate or average
        frame_rate = float(average) if average else 25.0
        variable = bool(average and base and abs(float(base) - float(average)) > 0.01)
        audio = container.streams.audio[0] if container.streams.audio else None
        return Probe(
            duration=round(_duration(container, stream), 3),
            width=width,
            height=height,
            coded_width=coded_width,
            coded_height=coded_height,
            rotation=rotation,
            frame_rate=round(frame_rate, 3),
            variable_frame_rate=variable,
            pixel_format=str(stream.codec_context.pix_fmt or frame.format.name),
            sample_aspect_ratio=f"{sar.numerator}:{sar.denominator}",
            video_codec=codec,
            has_audio=audio is not None,
            audio_codec=audio.codec_context.name if audio else None,
            audio_channels=audio.codec_context.channels if audio else None,
        )
