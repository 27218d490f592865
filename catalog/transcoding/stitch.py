"""Joining the stored chunks into one stream: playlists, MPD, storyboard.

The chunks' segments are already on the title's timeline under their final
names (``chunk_encode``); the stitch checks that the chunks agree (every
rung's init segment the same bytes, segment numbers following on) and
describes them as one stream: an HLS media playlist per rung and ffmpeg's
MPD with every chunk's segments in its timelines. ``stitched`` may take only
the first chunks (a preview of the contiguous run that is done).
"""

import re
from dataclasses import dataclass

from . import encode, packaging
from .chunk_encode import THUMBNAILS_FOLDER, init_name
from .errors import TranscodeError
from .job import Job
from .publish import STORAGE_ERRORS, files_under, storage_failure

_TIMELINE = re.compile(r"<SegmentTimeline>.*?</SegmentTimeline>", re.S)
_DURATION = re.compile(r'mediaPresentationDuration="[^"]*"')


@dataclass
class Stitched:
    playlists: list[packaging.MediaPlaylist]
    mpd: str
    codecs: list[str]


def stitched(records: list[dict], *, final: bool) -> Stitched:
    """One stream of the chunks' ``records``, in order from the first."""
    first = records[0]
    rung_count = len(first["rungs"])
    playlists = []
    timelines = []
    for rung in range(rung_count):
        playlist = packaging.MediaPlaylist(init=init_name(rung), ended=final)
        ticks: list[tuple[int, int]] = []  # (start, duration) per segment
        expected = 1
        for record in records:
            part = record["rungs"][rung]
            if part["init_sha256"] != first["rungs"][rung]["init_sha256"]:
                raise TranscodeError(
                    f"Chunk {record['chunk']['index']}'s rung {rung} was encoded "
                    "differently from the first chunk's."
                )
            if record["chunk"]["first_segment"] != expected:
                raise TranscodeError(
                    f"Chunk {record['chunk']['index']} does not follow on."
                )
            start = part["start"]
            for segment in part["segments"]:
                playlist.segments.append(
                    packaging.Segment(
                        name=segment["name"],
                        duration=segment["duration"],
                        size=segment["size"],
                    )
                )
                ticks.append((start, segment["ticks"]))
                start += segment["ticks"]
                expected += 1
        playlists.append(playlist)
        timelines.append(_timeline(ticks))
    duration = max(playlist.duration for playlist in playlists)
    return Stitched(
        playlists=playlists,
        mpd=_mpd(first["mpd"], timelines, duration),
        codecs=first["codecs"],
    )


def _timeline(ticks: list[tuple[int, int]]) -> str:
    """A SegmentTimeline: runs of equal, back-to-back segments as one S."""
    runs: list[list[int]] = []  # [start, duration, repeats]
    for start, duration in ticks:
        if runs:
            last = runs[-1]
            if last[1] == duration and last[0] + last[1] * (last[2] + 1) == start:
                last[2] += 1
                continue
        runs.append([start, duration, 0])
    entries = "".join(
        f'<S t="{start}" d="{duration}"' + (f' r="{repeat}"' if repeat else "") + " />"
        for start, duration, repeat in runs
    )
    return f"<SegmentTimeline>{entries}</SegmentTimeline>"


def _mpd(template: str, timelines: list[str], duration: float) -> str:
    found = _TIMELINE.findall(template)
    if len(found) != len(timelines):
        raise TranscodeError(
            "The first chunk's manifest has the wrong representations."
        )
    parts = _TIMELINE.split(template)
    mpd = parts[0]
    for timeline, rest in zip(timelines, parts[1:], strict=True):
        mpd += timeline + rest
    return _DURATION.sub(f'mediaPresentationDuration="PT{duration:.3f}S"', mpd, 1)


def fetch_thumbnails(job: Job) -> None:
    """Bring the chunks' thumbnails into scratch, where the storyboard reads them."""
    job.out.mkdir(parents=True, exist_ok=True)
    prefix = job.writer.path(THUMBNAILS_FOLDER)
    storage = job.writer.storage
    try:
        for name in files_under(prefix, storage):
            with storage.open(prefix + name, "rb") as handle:
                (job.out / name).write_bytes(handle.read())
            job.writer.keep_alive()  # a long film has thousands
    except STORAGE_ERRORS as exc:
        raise storage_failure(exc, "Could not read the chunks' thumbnails") from exc


def write_scratch_mpd(job: Job, stream: Stitched) -> None:
    """The stitched MPD where the unchunked encode leaves ffmpeg's."""
    job.out.mkdir(parents=True, exist_ok=True)
    (job.out / encode.MPD_NAME).write_text(stream.mpd)
