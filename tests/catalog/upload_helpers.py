"""What upload tests share: files, checksums, and a client that follows the schema."""

import base64
import hashlib
import os
import struct
from pathlib import Path

from django.contrib.auth.models import Group

from accounts.models import User
from tests.helpers import make_test_clip


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def split(data: bytes, part_size: int) -> dict[int, bytes]:
    """The parts of ``data``, numbered from 1."""
    return {
        index + 1: data[offset : offset + part_size]
        for index, offset in enumerate(range(0, len(data), part_size))
    }


def padded_clip(path: Path, *, total_bytes: int) -> bytes:
    """A real, short video grown to ``total_bytes`` by a trailing MP4 ``free``
    box (which players and ffmpeg skip), for parts of S3's minimum size."""
    make_test_clip(path, size="320x240", rate=24, seconds=3)
    data = path.read_bytes()
    padding = total_bytes - len(data)
    assert padding > 8
    data += struct.pack(">I", padding) + b"free" + os.urandom(padding - 8)
    path.write_bytes(data)
    return data


def make_editor(email: str = "") -> User:
    user = User.objects.create_user(
        email=email or f"ed-{os.urandom(3).hex()}@example.com",
        password="x",
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def create_body(name: str, data: bytes, **extra) -> dict:
    return {
        "file_name": name,
        "size": len(data),
        "content_type": "video/mp4",
        "sha256": hashlib.sha256(data).hexdigest(),
        **extra,
    }


def checksums(parts: dict[int, bytes], numbers) -> list[dict]:
    return [
        {"part_number": n, "checksum_sha256": sha256_b64(parts[n])} for n in numbers
    ]
