"""The files of a published revision, by name: what the pipeline writes and delivery serves.

Every file lives under the revision's prefix (``Video.revision_prefix``), named
relative to it. ffmpeg names init and media segments after the representation
(the rung's position in the ladder, then audio) and the segment number.
This module imports nothing of the worker, so delivery can use it freely.
"""

import posixpath
import re

MASTER_PLAYLIST = "master.m3u8"
MPD = "manifest.mpd"
AUDIO_PLAYLIST = "audio.m3u8"
INIT_NAME = "init-$RepresentationID$.m4s"
SEGMENT_NAME = "seg-$RepresentationID$-$Number%05d$.m4s"
POSTER = "poster.jpg"
STORYBOARD = "storyboard.jpg"
THUMBNAILS = "storyboard.vtt"  # the WebVTT thumbnails track over the storyboard
ARTWORK = (POSTER, THUMBNAILS, STORYBOARD)
TEXT_TRACKS_FOLDER = "subs"

_NUMBER = re.compile(r"\$Number%0(\d)d\$")


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
    digits = _NUMBER.search(SEGMENT_NAME)
    media = SEGMENT_NAME.replace(digits.group(0), "?" * int(digits.group(1)))
    return [
        name.replace("$RepresentationID$", str(representation))
        for name in (INIT_NAME, media)
    ]
