"""How a revision's master playlist and MPD are written, shared by pipeline and delivery.

The pipeline stores one master playlist per revision; delivery reads it back
and writes each session its own copy with the same writer. Both parse the MPD
in its namespace. This module imports nothing of the worker.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MPD_NS = "urn:mpeg:dash:schema:mpd:2011"
ET.register_namespace("", MPD_NS)
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

AUDIO_CODEC = "mp4a.40.2"
SUBTITLES_GROUP = "subs"
DESCRIBES_VIDEO = "public.accessibility.describes-video"


def audio_group(channels: int) -> str:
    """The HLS audio group of a codec and channel layout: ``aac-2``, ``aac-6``.

    Every group holds every track, so a variant offers every language: a
    track without a rendition in the group's layout joins it with its stereo.
    """
    return f"aac-{channels}"


def group_channels(group: str) -> int:
    """The channels of a group's layout (``aac-6`` -> 6); 2 for a name not ours."""
    count = group.rpartition("-")[2]
    return int(count) if count.isdigit() else 2


@dataclass(frozen=True)
class Variant:
    """A video rung as a master playlist lists it, with one audio group: a
    rung is listed once per group it can play with, its bandwidth and codecs
    those of the video and the group's largest rendition together."""

    uri: str
    bandwidth: int
    average_bandwidth: int
    width: int
    height: int
    codecs: str
    frame_rate: float
    audio_group: str | None = None


@dataclass(frozen=True)
class AudioEntry:
    """An audio rendition (one track of the source in one channel layout) in
    one group."""

    uri: str
    group: str
    language: str  # BCP 47
    name: str  # unique within its group
    channels: int
    default: bool = False
    description: bool = False  # an audio description of the picture


@dataclass(frozen=True)
class TextTrackEntry:
    uri: str  # the HLS playlist around the file
    vtt_uri: str  # the WebVTT file itself, which the MPD points at
    language: str
    name: str
    default: bool = False


# What an HLS quoted-string cannot hold (RFC 8216 4.2): CR, LF and the double
# quote; other control characters and line separators go too, for the players.
_NOT_QUOTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _quoted(value: str) -> str:
    """``value`` as an HLS quoted-string: a stored label or language with a
    newline or a quote can never start a tag of its own."""
    return '"' + _NOT_QUOTABLE.sub(" ", value).replace('"', "'") + '"'


def _audio_line(entry: AudioEntry, uri: Callable[[str], str]) -> str:
    attributes = [
        "TYPE=AUDIO",
        f'GROUP-ID="{entry.group}"',
        f"NAME={_quoted(entry.name)}",
        *([f"LANGUAGE={_quoted(entry.language)}"] if entry.language else []),
        f"DEFAULT={'YES' if entry.default else 'NO'}",
        "AUTOSELECT=YES",
        f'CHANNELS="{entry.channels}"',
    ]
    if entry.description:
        attributes.append(f'CHARACTERISTICS="{DESCRIBES_VIDEO}"')
    attributes.append(f"URI={_quoted(uri(entry.uri))}")
    return "#EXT-X-MEDIA:" + ",".join(attributes)


def master_playlist(
    variants: Iterable[Variant],
    *,
    audio: Iterable[AudioEntry] = (),
    text_tracks: Iterable[TextTrackEntry] = (),
    uri: Callable[[str], str] = lambda path: path,
) -> str:
    """The HLS master playlist; ``uri`` maps each path (e.g. to a signed URL)."""
    text_tracks = list(text_tracks)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    lines += [_audio_line(entry, uri) for entry in audio]
    for track in text_tracks:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLES_GROUP}",'
            f"NAME={_quoted(track.name)},LANGUAGE={_quoted(track.language)},"
            f"DEFAULT={'YES' if track.default else 'NO'},AUTOSELECT=YES,"
            f"URI={_quoted(uri(track.uri))}"
        )
    for variant in variants:
        attributes = [
            f"BANDWIDTH={variant.bandwidth}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
            f"RESOLUTION={variant.width}x{variant.height}",
            f'CODECS="{variant.codecs}"',
            f"FRAME-RATE={variant.frame_rate:.3f}",
        ]
        if variant.audio_group:
            attributes.append(f'AUDIO="{variant.audio_group}"')
        if text_tracks:
            attributes.append(f'SUBTITLES="{SUBTITLES_GROUP}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), uri(variant.uri)]
    return "\n".join(lines) + "\n"
