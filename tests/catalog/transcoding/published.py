"""Reading a published revision back from disk, as a player would."""

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import m3u8

from catalog.models import AudioTrack, Rendition, Video

MPD = "{urn:mpeg:dash:schema:mpd:2011}"


@dataclass
class Published:
    """One source run through the pipeline: the outcome and what it left behind."""

    kind: str
    outcome: str
    video: Video
    renditions: list[Rendition]
    media_root: Path
    scratch_left: list[str] = field(default_factory=list)
    audio_tracks: list[AudioTrack] = field(default_factory=list)

    def path(self, name: str) -> Path:
        """The file on disk behind a storage name such as ``video.poster_path``."""
        return self.media_root / name

    @property
    def folder(self) -> Path:
        return self.path(self.video.revision_prefix(self.video.revision))

    def master(self) -> m3u8.M3U8:
        return m3u8.load(str(self.path(self.video.hls_master_path)))

    def mpd(self) -> ET.Element:
        return ET.parse(self.path(self.video.dash_manifest_path)).getroot()  # noqa: S314


@dataclass
class DecodedVideo:
    frames: int
    width: int
    height: int
    pixel_format: str
    sample_aspect_ratio: Fraction | None
    rotation: int
    frame_times: list[float]
    keyframe_times: list[float]


def decode_video(playlist: Path) -> DecodedVideo:
    """Demux and decode every frame of an HLS media playlist; raises if it cannot."""
    with av.open(str(playlist)) as container:
        stream = container.streams.video[0]
        frame_times, keyframe_times = [], []
        first = None
        for packet in container.demux(stream):
            if packet.size and packet.is_keyframe:
                keyframe_times.append(round(float(packet.pts * packet.time_base), 3))
            for frame in packet.decode():
                if first is None:
                    first = frame
                frame_times.append(round(frame.time, 3))
        assert first is not None, f"{playlist.name} has no decodable frame"
        return DecodedVideo(
            frames=len(frame_times),
            width=first.width,
            height=first.height,
            pixel_format=first.format.name,
            sample_aspect_ratio=stream.sample_aspect_ratio,
            rotation=int(first.rotation or 0),
            frame_times=frame_times,
            keyframe_times=keyframe_times,
        )


def decoded_audio_seconds(playlist: Path) -> float:
    with av.open(str(playlist)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.rate


def ffmpeg_decode_errors(ffmpeg: str, manifest: Path) -> str:
    """Decode every stream of ``manifest`` with ffmpeg; its complaints, if any."""
    result = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-xerror"]
        + ["-i", str(manifest), "-map", "0", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stderr.strip() if result.returncode else ""


def mpd_adaptation_sets(root: ET.Element) -> dict[str, list[ET.Element]]:
    """The MPD's AdaptationSets by content type (video, audio, text)."""
    sets: dict[str, list[ET.Element]] = {}
    for adaptation in root.iter(f"{MPD}AdaptationSet"):
        sets.setdefault(adaptation.get("contentType"), []).append(adaptation)
    return sets


def storyboard_cues(vtt: str) -> list[tuple[float, float, str]]:
    """(start, end, target) of each cue of a WebVTT thumbnails track."""

    def seconds(stamp: str) -> float:
        hours, minutes, rest = stamp.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(rest)

    lines = vtt.splitlines()
    assert lines[0] == "WEBVTT"
    cues = []
    for index, line in enumerate(lines):
        if " --> " in line:
            start, end = line.split(" --> ")
            cues.append((seconds(start), seconds(end), lines[index + 1]))
    return cues


@dataclass
class Loudness:
    integrated: float  # LUFS
    true_peak: float  # dBTP
    channels: int


def rendition_loudness(ffmpeg: str, playlist: Path) -> Loudness:
    """EBU R128 of an audio rendition as a player gets it (init and segments in
    order), measured by ffmpeg's ebur128 filter: not the pipeline's loudnorm."""
    parsed = m3u8.load(str(playlist))
    joined = playlist.with_suffix(".measured.mp4")
    with open(joined, "wb") as out:
        for name in [parsed.segment_map[0].uri, *(s.uri for s in parsed.segments)]:
            out.write((playlist.parent / name).read_bytes())
    try:
        with av.open(str(joined)) as container:
            channels = container.streams.audio[0].codec_context.channels
        result = subprocess.run(
            [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-i", str(joined)]
            + ["-af", "ebur128=peak=true", "-f", "null", "-"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        joined.unlink()
    assert result.returncode == 0, result.stderr
    summary = result.stderr.rpartition("Summary:")[2]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    return Loudness(
        integrated=float(integrated.group(1)),
        true_peak=float(peak.group(1)),
        channels=channels,
    )
