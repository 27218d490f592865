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
AUDIO_GROUP = "audio"
SUBTITLES_GROUP = "subs"


@dataclass(frozen=True)
class Variant:
    """A video rung as a master playlist lists it."""

    uri: str
    bandwidth: int
    average_bandwidth: int
    width: int
    height: int
    codecs: str
    frame_rate: float


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


def master_playlist(
    variants: Iterable[Variant],
    *,
    audio_uri: str | None,
    audio_codec: str = AUDIO_CODEC,
    audio_bandwidth: tuple[int, int] = (0, 0),
    text_tracks: Iterable[TextTrackEntry] = (),
    uri: Callable[[str], str] = lambda path: path,
) -> str:
    """The HLS master playlist; ``uri`` maps each path (e.g. to a signed URL)."""
    text_tracks = list(text_tracks)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio_uri:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="Main",'
            f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI={_quoted(uri(audio_uri))}'
        )
    for track in text_tracks:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLES_GROUP}",'
            f"NAME={_quoted(track.name)},LANGUAGE={_quoted(track.language)},"
            f"DEFAULT={'YES' if track.default else 'NO'},AUTOSELECT=YES,"
            f"URI={_quoted(uri(track.uri))}"
        )
    for variant in variants:
        codecs = variant.codecs + (f",{audio_codec}" if audio_uri else "")
        attributes = [
            f"BANDWIDTH={variant.bandwidth + audio_bandwidth[0]}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth + audio_bandwidth[1]}",
            f"RESOLUTION={variant.width}x{variant.height}",
            f'CODECS="{codecs}"',
            f"FRAME-RATE={variant.frame_rate:.3f}",
        ]
        if audio_uri:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        if text_tracks:
            attributes.append(f'SUBTITLES="{SUBTITLES_GROUP}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), uri(variant.uri)]
    return "\n".join(lines) + "\n"
