"""Cutting a title's video timeline into chunks that encode independently.

A chunk is a whole number of segments, so it starts on a keyframe every rung
already forces (``encode.video_codec_args``): frame ``ceil(t * rate)`` where
``t`` is a multiple of the chunk length, exactly the frame the unchunked
encode makes a keyframe of. The last chunk runs to the end of the source (it
is one to two chunks long), so no chunk is a sliver; a source shorter than
two chunks is not cut at all.
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
    count = math.floor(duration / length)
    per_chunk = length // settings.TRANSCODE_SEGMENT_SECONDS
    starts = [math.ceil(index * length * rate) for index in range(count + 1)]
    chunks = []
    for index in range(count):
        last = index == count - 1
        chunks.append(
            Chunk(
                index=index,
                start_frame=starts[index],
                frames=None if last else starts[index + 1] - starts[index],
                first_segment=index * per_chunk + 1,
                segments=None if last else per_chunk,
            )
        )
    return chunks


def chunk_from_dict(data: dict) -> Chunk:
    return Chunk(**data)
