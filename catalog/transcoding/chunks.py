"""Cutting a title's video timeline into chunks that encode independently.

A chunk is a whole number of segments, so it starts on a keyframe every rung
already forces (``encode.video_codec_args``): frame ``ceil(t * rate)`` where
``t`` is a segment boundary, exactly the frame the unchunked encode makes a
keyframe of. The title is cut into about ``duration / TRANSCODE_CHUNK_SECONDS``
chunks of equal length (to within a segment; the last one also runs to the
end of the source): the workers finish together only if no chunk is longer
than the others, since a title is ready when its longest chain of chunks is.
Cutting whole chunks from the start and leaving the rest to the last (120 s
at 32 s chunks: 32 + 32 + 56) made the last chunk the whole run's critical
path. A source shorter than two chunks is not cut at all.
"""

import math
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings


@dataclass(frozen=True)
class Chunk:
    index: int
    start_frame: int
    frames: int | None  # None: to the end of the source
    first_segment: int  # the title's number of the chunk's first segment
    segments: int | None  # how many it makes; None for the last chunk

    @property
    def last(self) -> bool:
        return self.frames is None

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "start_frame": self.start_frame,
            "frames": self.frames,
            "first_segment": self.first_segment,
            "segments": self.segments,
        }


def exact_rate(frame_rate: float) -> Fraction:
    """The frame rate as a fraction (29.97 is 30000/1001)."""
    return Fraction(frame_rate).limit_denominator(1001)


def chunk_seconds() -> int:
    """``TRANSCODE_CHUNK_SECONDS`` as a whole number of segments; 0 when off."""
    wanted = settings.TRANSCODE_CHUNK_SECONDS
    if wanted <= 0:
        return 0
    segment = settings.TRANSCODE_SEGMENT_SECONDS
    return segment * max(1, round(wanted / segment))


def plan_chunks(duration: float, frame_rate: float) -> list[Chunk]:
    """The chunks of a source; empty when it is encoded in one run."""
    length = chunk_seconds()
    if not length or duration < 2 * length:
        return []
    rate = exact_rate(frame_rate)
    segment = settings.TRANSCODE_SEGMENT_SECONDS
    whole = math.floor(duration / segment)  # the segments the source fills
    count = max(2, min(whole, round(duration / settings.TRANSCODE_CHUNK_SECONDS)))
    # Each chunk's first segment (from 0): the whole segments shared out evenly.
    firsts = [index * whole // count for index in range(count + 1)]
    starts = [math.ceil(first * segment * rate) for first in firsts]
    chunks = []
    for index in range(count):
        last = index == count - 1
        chunks.append(
            Chunk(
                index=index,
                start_frame=starts[index],
                frames=None if last else starts[index + 1] - starts[index],
                first_segment=firsts[index] + 1,
                segments=None if last else firsts[index + 1] - firsts[index],
            )
        )
    return chunks


def chunk_from_dict(data: dict) -> Chunk:
    return Chunk(**data)
