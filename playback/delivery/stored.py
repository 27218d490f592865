"""The manifests the pipeline stored for a revision, read and cached.

The stored HLS master is the one description of a revision that exists both
while it is still being written (no Rendition rows yet) and once it is
published, so delivery reads it in both cases; parsed copies are cached, for
a long time once the revision is published (its files never change) and
briefly while it grows. ``manifests`` cuts them to a session's plan.
"""

import posixpath
import re
from dataclasses import dataclass

from django.core.cache import cache

from catalog.transcoding import layout
from catalog.transcoding.manifest_format import (
    DESCRIBES_VIDEO,
    AudioEntry,
    TextTrackEntry,
    Variant,
)
from catalog.transcoding.publish import video_storage

MASTER = layout.MASTER_PLAYLIST
MPD = layout.MPD
PUBLISHED_CACHE_SECONDS = 24 * 3600
GROWING_CACHE_SECONDS = 2
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_RUNG_NAME = re.compile(r"^(\d+)p\.m3u8$")


@dataclass(frozen=True)
class Rung:
    index: int  # the representation id of its init and media segments
    lines: int  # "480p" is 480: what a plan's max_height is compared with
    variant: Variant  # as listed first
    variants: tuple[Variant, ...] = ()  # once per audio group

    def with_group(self, group: str | None) -> Variant | None:
        """The rung as listed with ``group``; None if it is not."""
        return next((v for v in self.variants if v.audio_group == group), None)


@dataclass(frozen=True)
class StoredMaster:
    rungs: tuple[Rung, ...]
    audio: tuple[AudioEntry, ...]
    text_tracks: tuple[TextTrackEntry, ...]

    @property
    def audio_groups(self) -> list[str]:
        return list(dict.fromkeys(entry.group for entry in self.audio))


def _attributes(text: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTRIBUTE.findall(text)}


def _lines(uri: str, width: int, height: int) -> int:
    """A rung's nominal lines: its name ("480p", the short side the ladder aimed
    at, although 16:9 makes it 486), else its short side."""
    match = _RUNG_NAME.match(posixpath.basename(uri))
    return int(match.group(1)) if match else min(width, height)


def _audio_entry(attributes: dict[str, str]) -> AudioEntry:
    channels = attributes.get("CHANNELS", "2").partition("/")[0]
    return AudioEntry(
        uri=attributes["URI"],
        group=attributes.get("GROUP-ID", ""),
        language=attributes.get("LANGUAGE", ""),
        name=attributes.get("NAME", ""),
        channels=int(channels) if channels.isdigit() else 2,
        default=attributes.get("DEFAULT") == "YES",
        description=DESCRIBES_VIDEO in attributes.get("CHARACTERISTICS", ""),
    )


def parse_master(text: str) -> StoredMaster:
    """Read a master playlist written by ``manifest_format.master_playlist``."""
    listed: dict[str, list[Variant]] = {}
    audio = []
    text_tracks = []
    pending = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MEDIA:"):
            attributes = _attributes(line.partition(":")[2])
            uri = attributes.get("URI")
            if attributes.get("TYPE") == "AUDIO" and uri:
                audio.append(_audio_entry(attributes))
            elif attributes.get("TYPE") == "SUBTITLES" and uri:
                text_tracks.append(
                    TextTrackEntry(
                        uri=uri,
                        vtt_uri=layout.text_track_file(uri),
                        language=attributes.get("LANGUAGE", ""),
                        name=attributes.get("NAME", ""),
                        default=attributes.get("DEFAULT") == "YES",
                    )
                )
        elif line.startswith("#EXT-X-STREAM-INF:"):
            pending = _attributes(line.partition(":")[2])
        elif line and not line.startswith("#") and pending is not None:
            width, _, height = pending.get("RESOLUTION", "0x0").partition("x")
            bandwidth = int(pending.get("BANDWIDTH", "0"))
            variant = Variant(
                uri=line,
                bandwidth=bandwidth,
                average_bandwidth=int(pending.get("AVERAGE-BANDWIDTH", bandwidth)),
                width=int(width),
                height=int(height),
                codecs=pending.get("CODECS", ""),
                frame_rate=float(pending.get("FRAME-RATE", "0")),
                audio_group=pending.get("AUDIO") or None,
            )
            listed.setdefault(line, []).append(variant)
            pending = None
    rungs = tuple(
        Rung(
            index=index,
            lines=_lines(uri, variants[0].width, variants[0].height),
            variant=variants[0],
            variants=tuple(variants),
        )
        for index, (uri, variants) in enumerate(listed.items())
    )
    return StoredMaster(rungs=rungs, audio=tuple(audio), text_tracks=tuple(text_tracks))


def read_text(path: str) -> str | None:
    """A stored file's text; None if it is missing or not UTF-8."""
    try:
        with video_storage().open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# A published revision's master never changes: each process keeps the parsed
# copies it has used (a few hundred bytes each), saving a cache read per request.
_published_masters: dict[str, StoredMaster] = {}
PUBLISHED_MEMO_MAX = 4096


def stored_master(prefix: str, *, growing: bool) -> StoredMaster | None:
    """The parsed master of the revision under ``prefix``; None if not stored."""
    if not growing and (master := _published_masters.get(prefix)) is not None:
        return master
    key = f"playback:master:{prefix}"
    master = cache.get(key)
    if master is None:
        text = read_text(prefix + MASTER)
        if text is None:
            return None
        master = parse_master(text)
        timeout = GROWING_CACHE_SECONDS if growing else PUBLISHED_CACHE_SECONDS
        cache.set(key, master, timeout=timeout)
    if not growing:
        if len(_published_masters) >= PUBLISHED_MEMO_MAX:
            _published_masters.clear()
        _published_masters[prefix] = master
    return master


def published_masters_forget() -> None:
    """Drop this process's parsed published masters (for tests)."""
    _published_masters.clear()


def stored_text(path: str, *, growing: bool) -> str | None:
    """A stored playlist's text, cached like the master; None if not stored."""
    key = f"playback:text:{path}"
    text = cache.get(key)
    if text is None:
        text = read_text(path)
        if text is None:
            return None
        timeout = GROWING_CACHE_SECONDS if growing else PUBLISHED_CACHE_SECONDS
        cache.set(key, text, timeout=timeout)
    return text
