"""Moving fMP4 fragments onto a title's timeline, on hand-made boxes."""

import struct

import pytest

from catalog.transcoding.fmp4 import BoxError, shift_fragment, timescale


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full(kind: bytes, version: int, body: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + body)


def segment(decode_time: int, *, version: int = 1) -> bytes:
    time = struct.pack(">Q" if version else ">I", decode_time)
    first_offset = bytes(len(time))  # where the fragment starts: never moved
    sidx = full(b"sidx", version, struct.pack(">II", 1, 12800) + time + first_offset)
    moof = box(
        b"moof",
        full(b"mfhd", 0, struct.pack(">I", 1))
        + box(
            b"traf",
            full(b"tfhd", 0, struct.pack(">I", 1)) + full(b"tfdt", version, time),
        ),
    )
    return box(b"styp", b"msdh") + sidx + moof + box(b"mdat", b"\x00" * 16)


def test_decode_times_and_sequence_move_and_nothing_else():
    shifted = shift_fragment(segment(25600), 51200, 7)
    assert len(shifted) == len(segment(0))
    assert shifted == segment(25600 + 51200).replace(
        full(b"mfhd", 0, struct.pack(">I", 1)), full(b"mfhd", 0, struct.pack(">I", 7))
    )


def test_a_time_that_no_longer_fits_a_version_0_box_is_refused():
    with pytest.raises(BoxError, match="does not fit"):
        shift_fragment(segment(2**32 - 10, version=0), 20, 1)


def test_bytes_that_are_not_a_fragment_are_refused():
    with pytest.raises(BoxError):
        shift_fragment(box(b"mdat", b"\x00" * 8), 1, 1)
    with pytest.raises(BoxError, match="bad size"):
        shift_fragment(struct.pack(">I4s", 400, b"moof"), 1, 1)


def test_timescale_is_read_from_the_media_header():
    mdhd = full(b"mdhd", 0, struct.pack(">IIII", 0, 0, 12800, 0))
    init = box(b"moov", box(b"trak", box(b"mdia", mdhd)))
    assert timescale(init) == 12800
    with pytest.raises(BoxError):
        timescale(box(b"moov", b""))
