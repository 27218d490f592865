"""The files of a published revision, by name: what the pipeline writes and delivery serves.

Every file lives under the revision's prefix (``Video.revision_prefix``), named
relative to it. ffmpeg names the video's init and media segments after the
representation (the rung's position in the ladder) and the segment number; each
audio rendition (a source track in one channel layout) has a stem of its own,
``audio-<track position>-<channels>ch``, that its playlist and segments share.
This module imports nothing of the worker, so delivery can use it freely.
"""

import posixpath
import re

MASTER_PLAYLIST = "master.m3u8"
MPD = "manifest.mpd"
INIT_NAME = "init-$RepresentationID$.m4s"
SEGMENT_NAME = "seg-$RepresentationID$-$Number%05d$.m4s"
POSTER = "poster.jpg"
STORYBOARD = "storyboard.jpg"
THUMBNAILS = "storyboard.vtt"  # the WebVTT thumbnails track over the storyboard
ARTWORK = (POSTER, THUMBNAILS, STORYBOARD)
TEXT_TRACKS_FOLDER = "subs"

_NUMBER = re.compile(r"\$Number%0(\d)d\$")
_AUDIO_STEM = re.compile(r"^audio-(\d+)-(\d)ch$")


def rung_playlist(rung_name: str) -> str:
    """The variant playlist of a rung named e.g. ``480p``."""
    return f"{rung_name}.m3u8"


def text_track_name(language: str, kind: str) -> str:
    """A text track's WebVTT file name, without its folder."""
    return f"{language}-{kind}.vtt"


def text_track_playlist(language: str, kind: str) -> str:
    """The HLS playlist around a text track's WebVTT file."""
    return f"{TEXT_TRACKS_FOLDER}/{language}-{kind}.m3u8"


def text_track_file(playlist: str) -> str:
    """The WebVTT file beside a text track's playlist."""
    return posixpath.splitext(playlist)[0] + ".vtt"


def text_track_kind(playlist: str) -> str:
    """The kind a text track's playlist name carries (``text_track_playlist``)."""
    stem = posixpath.splitext(posixpath.basename(playlist))[0]
    return stem.rpartition("-")[2]


def representation_files(representation: int) -> list[str]:
    """Init and media segments of one representation, as patterns: the segment
    number is exactly its digits (``?`` each), so rung 1 never matches rung 10."""
    media = _number_pattern(SEGMENT_NAME)
    return [
        name.replace("$RepresentationID$", str(representation))
        for name in (INIT_NAME, media)
    ]


def _number_pattern(template: str) -> str:
    digits = _NUMBER.search(template)
    return template.replace(digits.group(0), "?" * int(digits.group(1)))


def audio_stem(position: int, channels: int) -> str:
    """The stem of a source track's rendition in one channel layout."""
    return f"audio-{position}-{channels}ch"


def audio_stem_parts(stem: str) -> tuple[int, int] | None:
    """(track position, channels) an ``audio_stem`` carries; None for another name."""
    match = _AUDIO_STEM.match(stem)
    return (int(match.group(1)), int(match.group(2))) if match else None


def audio_playlist(stem: str) -> str:
    """The HLS media playlist of an audio rendition."""
    return f"{stem}.m3u8"


def audio_init_name(stem: str) -> str:
    return f"{stem}-init.m4s"


def audio_segment_name(stem: str) -> str:
    """The audio rendition's media segments, as ffmpeg's DASH template."""
    return f"{stem}-$Number%05d$.m4s"


def audio_files(stem: str) -> list[str]:
    """Init and media segments of one audio rendition, as patterns (digit for
    digit, so track 1's never match track 11's)."""
    return [audio_init_name(stem), _number_pattern(audio_segment_name(stem))]
