"""Playlists and manifests around the segments ffmpeg writes.

ffmpeg's DASH muxer keeps one HLS media playlist per representation up to date
as segments are finished; ``read_media_playlist`` reads them, and the writers
here describe the same segments to players: variant playlists (EVENT while the
encode runs, VOD once done), the MPD with the audio tracks (each from its own
ffmpeg run) and the text tracks added, and the
storyboard's WebVTT thumbnails track. The master playlist's writer is shared
with delivery, in ``manifest_format``.
"""

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .manifest_format import MPD_NS, TextTrackEntry


@dataclass
class Segment:
    name: str
    duration: float
    size: int = 0


@dataclass
class MediaPlaylist:
    init: str | None
    segments: list[Segment] = field(default_factory=list)
    ended: bool = False

    @property
    def duration(self) -> float:
        return sum(segment.duration for segment in self.segments)

    def bandwidths(self) -> tuple[int, int]:
        """(peak, average) bits per second over the segments."""
        timed = [s for s in self.segments if s.duration > 0]
        if not timed:
            return 0, 0
        peak = max(s.size * 8 / max(s.duration, 0.5) for s in timed)
        average = sum(s.size for s in timed) * 8 / sum(s.duration for s in timed)
        # The 0.5 s floor keeps a tiny last segment from inflating the peak, but
        # for a very short video it would put the peak under the average, which
        # HLS forbids (AVERAGE-BANDWIDTH <= BANDWIDTH).
        peak = max(peak, average)
        return int(math.ceil(peak)), int(math.ceil(average))


def read_media_playlist(path: Path) -> MediaPlaylist | None:
    """Parse one of ffmpeg's media playlists; None if it is not written yet."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    playlist = MediaPlaylist(init=None)
    duration = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MAP:"):
            match = re.search(r'URI="([^"]+)"', line)
            playlist.init = match.group(1) if match else None
        elif line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",")[0])
        elif line == "#EXT-X-ENDLIST":
            playlist.ended = True
        elif line and not line.startswith("#") and duration is not None:
            segment_path = path.parent / line
            size = segment_path.stat().st_size if segment_path.exists() else 0
            playlist.segments.append(Segment(name=line, duration=duration, size=size))
            duration = None
    return playlist


def codecs_from_ffmpeg_master(path: Path) -> list[str]:
    """The video codec strings ffmpeg wrote, one per rung in order."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    codecs = []
    for match in re.finditer(r'CODECS="([^"]+)"', text):
        video = [c for c in match.group(1).split(",") if c.startswith("avc")]
        if video:
            codecs.append(video[0])
    return codecs


def variant_playlist(playlist: MediaPlaylist, *, final: bool) -> str:
    """An HLS media playlist: EVENT while segments are still coming, VOD once done."""
    target = max([1] + [math.ceil(s.duration - 0.001) for s in playlist.segments])
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-PLAYLIST-TYPE:{'VOD' if final else 'EVENT'}",
        "#EXT-X-MEDIA-SEQUENCE:1",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    if playlist.init:
        lines.append(f'#EXT-X-MAP:URI="{playlist.init}"')
    for segment in playlist.segments:
        lines += [f"#EXTINF:{segment.duration:.6f},", segment.name]
    if final:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def subtitles_playlist(*, vtt_name: str, duration: float) -> str:
    """A one-segment HLS playlist around a whole WebVTT file."""
    duration = max(duration, 0.001)
    return (
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        f"#EXT-X-TARGETDURATION:{math.ceil(duration)}\n"
        "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:{duration:.3f},\n{vtt_name}\n#EXT-X-ENDLIST\n"
    )


ROLE_SCHEME = "urn:mpeg:dash:role:2011"
AUDIO_PURPOSE_SCHEME = "urn:tva:metadata:cs:AudioPurposeCS:2007"
AUDIO_PURPOSE_DESCRIPTION = "1"  # "for the visually impaired"
CHANNEL_CONFIGURATION_SCHEME = "urn:mpeg:mpegB:cicp:ChannelConfiguration"
CICP_CONFIGURATION = {1: "1", 2: "2", 6: "6"}  # mono, stereo, 5.1


@dataclass(frozen=True)
class AudioAdaptation:
    """One audio rendition as the MPD describes it, from its own ffmpeg MPD."""

    stem: str  # its Representation's id: unique, and what delivery filters on
    language: str
    role: str  # DASH's Role value: main, dub or description
    channels: int
    mpd_xml: str


def _tag(name: str) -> str:
    return f"{{{MPD_NS}}}{name}"


def _next_adaptation_id(period: ET.Element) -> int:
    return 1 + max(
        (int(a.get("id", "0")) for a in period.findall(_tag("AdaptationSet"))),
        default=-1,
    )


# What ``_audio_adaptation_set`` writes afresh (a published one may be re-read).
_DESCRIPTORS = {
    _tag("AudioChannelConfiguration"),
    _tag("Role"),
    _tag("Accessibility"),
}


def _audio_adaptation_set(audio: AudioAdaptation, ident: int) -> ET.Element:
    root = ET.fromstring(audio.mpd_xml)  # noqa: S314 (our own ffmpeg wrote it)
    adaptation = root.find(f"{_tag('Period')}/{_tag('AdaptationSet')}")
    if adaptation is None:
        raise ValueError(f"The MPD of {audio.stem} has no AdaptationSet.")
    adaptation.set("id", str(ident))
    adaptation.set("lang", audio.language)
    for old in adaptation.iter():
        for child in list(old):
            if child.tag in _DESCRIPTORS:
                old.remove(child)
    # Descriptors come before the representations (the MPD schema's order).
    described = [
        (
            "AudioChannelConfiguration",
            CHANNEL_CONFIGURATION_SCHEME,
            CICP_CONFIGURATION.get(audio.channels, str(audio.channels)),
        )
    ]
    if audio.role == "description":
        described.append(
            ("Accessibility", AUDIO_PURPOSE_SCHEME, AUDIO_PURPOSE_DESCRIPTION)
        )
    described.append(("Role", ROLE_SCHEME, audio.role))
    for position, (name, scheme, value) in enumerate(described):
        element = ET.Element(_tag(name), {"schemeIdUri": scheme, "value": value})
        adaptation.insert(position, element)
    for representation in adaptation.findall(_tag("Representation")):
        representation.set("id", audio.stem)
    return adaptation


def mpd_with_audio(mpd_xml: str, tracks: Iterable[AudioAdaptation]) -> str:
    """The video's MPD with one audio AdaptationSet per track and layout added."""
    root = ET.fromstring(mpd_xml)  # noqa: S314 (our own ffmpeg wrote it)
    period = root.find(_tag("Period"))
    if period is None:
        raise ValueError("The MPD has no Period.")
    next_id = _next_adaptation_id(period)
    for offset, track in enumerate(tracks):
        period.append(_audio_adaptation_set(track, next_id + offset))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        root, encoding="unicode"
    )


def _document(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        root, encoding="unicode"
    )


def split_published_mpd(mpd_xml: str) -> tuple[str, dict[str, str]]:
    """A published MPD as ``mpd_with_audio`` takes it back: the MPD of the video
    alone, and each audio rendition's AdaptationSet (as an MPD of its own) by
    its stem; text AdaptationSets are dropped (they are written afresh)."""
    root = ET.fromstring(mpd_xml)  # noqa: S314 (our own pipeline wrote it)
    period = root.find(_tag("Period"))
    if period is None:
        raise ValueError("The MPD has no Period.")
    audio = {}
    for adaptation in period.findall(_tag("AdaptationSet")):
        kind = adaptation.get("contentType")
        if kind not in ("audio", "text"):
            continue
        period.remove(adaptation)
        representation = adaptation.find(_tag("Representation"))
        if kind == "audio" and representation is not None:
            single = ET.Element(_tag("MPD"))
            ET.SubElement(single, _tag("Period")).append(adaptation)
            audio[representation.get("id", "")] = _document(single)
    return _document(root), audio


def mpd_with_text_tracks(mpd_xml: str, tracks: Iterable[TextTrackEntry]) -> str:
    """ffmpeg's MPD with one text AdaptationSet per WebVTT track added."""
    root = ET.fromstring(mpd_xml)  # noqa: S314 (our own ffmpeg wrote it)
    period = root.find(f"{{{MPD_NS}}}Period")
    if period is None:
        raise ValueError("The MPD has no Period.")
    next_id = _next_adaptation_id(period)
    for offset, track in enumerate(tracks):
        adaptation = ET.SubElement(
            period,
            f"{{{MPD_NS}}}AdaptationSet",
            {
                "id": str(next_id + offset),
                "contentType": "text",
                "mimeType": "text/vtt",
                "lang": track.language,
            },
        )
        ET.SubElement(
            adaptation,
            f"{{{MPD_NS}}}Role",
            {"schemeIdUri": "urn:mpeg:dash:role:2011", "value": "subtitle"},
        )
        representation = ET.SubElement(
            adaptation,
            f"{{{MPD_NS}}}Representation",
            {"id": f"text-{track.language}", "bandwidth": "256"},
        )
        base = ET.SubElement(representation, f"{{{MPD_NS}}}BaseURL")
        base.text = track.vtt_uri
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        root, encoding="unicode"
    )


def _timestamp(seconds: float) -> str:
    milliseconds = int(round(seconds * 1000))
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def storyboard_vtt(
    *,
    image: str,
    interval: float,
    count: int,
    columns: int,
    tile_width: int,
    tile_height: int,
    duration: float,
) -> str:
    """A WebVTT thumbnails track: each cue points at one tile (``#xywh=``)."""
    lines = ["WEBVTT", ""]
    for index in range(count):
        start = index * interval
        if start >= duration and index > 0:
            break
        end = (
            min(duration, start + interval)
            if index < count - 1
            else max(duration, start)
        )
        end = max(end, start + 0.001)
        x, y = (index % columns) * tile_width, (index // columns) * tile_height
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{image}#xywh={x},{y},{tile_width},{tile_height}",
            "",
        ]
    return "\n".join(lines)
