"""Where an upload's parts go: the sources' bucket on S3, or local disk.

Both stores speak the same protocol to clients (S3's: a PUT of each part to a
signed URL, with its SHA-256 in ``x-amz-checksum-sha256``), so a client has one
way to upload whatever the deployment. ``store_for`` picks the one that holds
video sources.
"""

from dataclasses import dataclass

from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

CHECKSUM_HEADER = "x-amz-checksum-sha256"


@dataclass(frozen=True)
class StoredPart:
    """A part the store holds: its number, size, ETag and SHA-256 (base64; empty
    when the store does not say)."""

    number: int
    size: int
    etag: str
    checksum_sha256: str


@dataclass(frozen=True)
class Assembled:
    """The object the parts made: its size, and its SHA-256 (hex) when the
    store computed it while assembling."""

    size: int
    sha256: str | None


class PartsRefused(Exception):
    """The store will not assemble these parts; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sources_storage():
    """The storage video sources live in (``Video.source``'s)."""
    from catalog.models import Video

    return Video._meta.get_field("source").storage


def store_for(storage=None):
    """The upload store over ``storage`` (by default the sources' storage)."""
    from .local import LocalStore
    from .s3 import S3Store

    storage = storage if storage is not None else sources_storage()
    if isinstance(storage, S3Storage):
        return S3Store(storage)
    if isinstance(storage, FileSystemStorage):
        return LocalStore(storage)
    raise TypeError(f"Uploads cannot go to a {type(storage).__name__}.")
