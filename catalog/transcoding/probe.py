"""Reading what a source is, in-process with PyAV, before anything is encoded.

Whatever is not playable video is refused here with a reason a person
understands; that reason is stored on the video and shown to editors. A source
is opened only as an allowlisted container format (see ``ffmpeg``), so the
probe never follows a playlist or manifest to the files it names; the format it
detects is the only one the encoder and the poster may open the source as.
"""

import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av

from .errors import SourceRejected
from .ffmpeg import audio_format, demuxer_options, source_format
from .languages import bcp47_from_source

STILL_IMAGE_CODECS = {"png", "mjpeg", "bmp", "gif", "webp", "tiff", "jpeg2000", "qoi"}
STILL_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe"}


@dataclass(frozen=True)
class AudioStream:
    """One audio stream of the source, as its container describes it."""

    index: int  # among all the source's streams: ffmpeg's ``-map 0:<index>``
    codec: str
    channels: int
    layout: str
    language: str  # BCP 47; "und" when the source does not say
    title: str
    default: bool  # the source's "default" disposition
    description: bool  # flagged for the visually impaired / as descriptions


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
    container_format: str  # ffmpeg's demuxer, one of ffmpeg.SOURCE_FORMATS
    audio_streams: tuple[AudioStream, ...] = ()

    def as_dict(self) -> dict:
        return asdict(self)


def probe_from_dict(data: dict) -> Probe:
    """A Probe back from ``Probe.as_dict`` (as stored on the video)."""
    known = {
        name: value
        for name, value in data.items()
        if name in Probe.__dataclass_fields__
    }
    streams = tuple(AudioStream(**stream) for stream in data.get("audio_streams", ()))
    return Probe(**{**known, "audio_streams": streams})


_DESCRIBES = av.stream.Disposition.visual_impaired | av.stream.Disposition.descriptions


def _audio_stream(stream) -> AudioStream:
    disposition = av.stream.Disposition(int(stream.disposition))
    title = " ".join(str(stream.metadata.get("title", "")).split())
    return AudioStream(
        index=stream.index,
        codec=stream.codec_context.name,
        channels=stream.codec_context.channels,
        layout=stream.layout.name if stream.layout else "",
        language=bcp47_from_source(stream.metadata.get("language")),
        title=title[:100],
        default=bool(disposition & av.stream.Disposition.default),
        description=bool(disposition & _DESCRIBES),
    )


def _duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


# How text files that name other files begin, and what a person calls them.
REFERENCING_TEXT = (
    (b"#EXTM3U", "an HLS playlist"),
    (b"ffconcat", "an ffmpeg concat list"),
    (b"file ", "an ffmpeg concat list"),
    (b"<", "an XML document"),  # a DASH manifest, a SMIL or IMF playlist...
)
NOT_A_SOURCE_FORMAT = (
    "This file is not in a video format we accept as a source. Upload the video "
    "file itself (MP4, MOV, MKV, WebM, MPEG-TS, AVI, MXF...): playlists, "
    "manifests and lists that refer to other files are refused."
)


def open_source(path: str | Path, container_format: str | None = None):
    """A PyAV container for the source at ``path``, opened only as an allowlisted
    format (``container_format`` once the probe has detected it)."""
    return av.open(
        str(path),
        format=container_format,
        metadata_errors="ignore",
        container_options=demuxer_options(container_format),
    )


def _refers_to_other_files(path: str) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    for start, kind in REFERENCING_TEXT:
        if head.startswith(start):
            if kind == "an XML document" and b"<MPD" in head:
                return "a DASH manifest"
            return kind
    return None


def probe(path: str) -> Probe:
    """Probe ``path``; raise SourceRejected with the reason if it is not video."""
    if os.path.getsize(path) == 0:
        raise SourceRejected("The file is empty.")
    kind = _refers_to_other_files(path)
    if kind:
        raise SourceRejected(
            f"This is {kind}, which refers to other files, not a video: upload "
            "the video file itself."
        )
    try:
        container = open_source(path)
    except av.error.ArgumentError as exc:
        # libavformat refuses a format outside the allowlist with EINVAL,
        # before its demuxer reads anything.
        raise SourceRejected(NOT_A_SOURCE_FORMAT) from exc
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
        container_format = source_format(container.format.name)
        if container_format is None:
            raise SourceRejected(NOT_A_SOURCE_FORMAT)
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
            container_format=container_format,
            audio_streams=tuple(
                _audio_stream(a) for a in container.streams.audio if a.codec_context
            ),
        )


@dataclass(frozen=True)
class AudioProbe:
    """An audio file an editor adds: how it may be opened, and its one track."""

    container_format: str  # one of ffmpeg.AUDIO_FORMATS
    stream_index: int
    channels: int
    duration: float


NOT_AN_AUDIO_FILE = (
    "This is not an audio file we can read: upload the track itself (WAV, FLAC, "
    "MP3, AAC, M4A, MKA or Ogg), not a playlist or a damaged file."
)


def probe_audio(path: str | Path) -> AudioProbe:
    """Probe an added audio track; raise SourceRejected with the reason if it
    is not one decodable audio stream in an allowlisted format."""
    if os.path.getsize(path) == 0:
        raise SourceRejected("The file is empty.")
    kind = _refers_to_other_files(str(path))
    if kind:
        raise SourceRejected(
            f"This is {kind}, which refers to other files, not audio: upload "
            "the audio file itself."
        )
    try:
        container = open_source(path)
    except av.error.FFmpegError as exc:
        raise SourceRejected(NOT_AN_AUDIO_FILE) from exc
    with container:
        if not container.streams.audio:
            raise SourceRejected("There is no audio stream in this file.")
        container_format = audio_format(container.format.name)
        if container_format is None:
            raise SourceRejected(NOT_AN_AUDIO_FILE)
        stream = container.streams.audio[0]
        try:
            next(container.decode(stream))
        except (StopIteration, av.error.FFmpegError) as exc:
            raise SourceRejected(
                "The audio has no sound we can decode: the file may be damaged "
                "or cut off."
            ) from exc
        duration = round(_duration(container, stream), 3)
        if duration <= 0:
            raise SourceRejected("The audio has no length.")
        return AudioProbe(
            container_format=container_format,
            stream_index=stream.index,
            channels=stream.codec_context.channels,
            duration=duration,
        )
