"""Just enough of ISO BMFF (fMP4) to join separately encoded chunks.

Each chunk is encoded from time zero, so its fragments' decode times
(``tfdt``'s baseMediaDecodeTime, and ``sidx``'s earliest presentation time)
start at zero; ``shift_fragment`` moves a fragment to its place on the whole
title's timeline and gives it its sequence number, byte for byte otherwise.
"""

import struct

CONTAINERS = {b"moov", b"trak", b"mdia", b"moof", b"traf"}


class BoxError(ValueError):
    """The bytes are not the fMP4 ffmpeg writes."""


def _boxes(data: bytearray, start: int, end: int):
    """(type, offset, size) of each box between ``start`` and ``end``."""
    offset = start
    while offset < end:
        if end - offset < 8:
            raise BoxError("A box is cut short.")
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise BoxError(f"The {kind!r} box has a bad size.")
        yield kind, offset, size, header
        offset += size


def _walk(data: bytearray, start: int, end: int):
    for kind, offset, size, header in _boxes(data, start, end):
        yield kind, offset, size, header
        if kind in CONTAINERS:
            yield from _walk(data, offset + header, offset + size)


def _add(data: bytearray, at: int, version: int, offset: int) -> None:
    """Add ``offset`` to the 32- (version 0) or 64-bit (version 1) time at ``at``."""
    fmt = ">Q" if version == 1 else ">I"
    (value,) = struct.unpack_from(fmt, data, at)
    value += offset
    if value < 0 or (version == 0 and value >= 2**32):
        raise BoxError("A shifted decode time does not fit its box.")
    struct.pack_into(fmt, data, at, value)


def shift_fragment(segment: bytes, offset: int, sequence: int) -> bytes:
    """The media segment with its decode times moved by ``offset`` (in the
    track's timescale) and its fragment sequence number set to ``sequence``."""
    data = bytearray(segment)
    fragments = 0
    for kind, at, _size, header in _walk(data, 0, len(data)):
        body = at + header
        version = data[body]
        if kind == b"tfdt":
            _add(data, body + 4, version, offset)
            fragments += 1
        elif kind == b"sidx":
            # version, flags, reference_ID, timescale, earliest_presentation_time
            _add(data, body + 12, version, offset)
        elif kind == b"mfhd":
            struct.pack_into(">I", data, body + 4, sequence)
    if not fragments:
        raise BoxError("The segment has no fragment with a decode time.")
    return bytes(data)


def timescale(init: bytes) -> int:
    """The media timescale of the (single) track of an init segment."""
    data = bytearray(init)
    for kind, at, _size, header in _walk(data, 0, len(data)):
        if kind == b"mdhd":
            body = at + header
            # version 1: 8-byte creation and modification times, else 4-byte.
            field = body + (20 if data[body] == 1 else 12)
            return struct.unpack_from(">I", data, field)[0]
    raise BoxError("The init segment has no media header.")
