"""Writing one revision's files to storage, only ever through the storage API."""

import logging
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

from .errors import TransientFailure

logger = logging.getLogger(__name__)


def video_storage() -> Storage:
    return storages["videos"]


class RevisionWriter:
    """Puts files under ``prefix`` and remembers which are already stored."""

    def __init__(self, prefix: str, storage: Storage | None = None):
        self.prefix = prefix
        self.storage = storage or video_storage()
        self.stored: set[str] = set()

    def path(self, name: str) -> str:
        return self.prefix + name

    def put_file(self, local: Path, name: str) -> str:
        """Store a local file once (segments and init files never change)."""
        if name in self.stored:
            return self.path(name)
        with open(local, "rb") as handle:
            self._save(name, File(handle))
        self.stored.add(name)
        return self.path(name)

    def put_text(self, text: str, name: str) -> str:
        """Store (or replace) a small text file such as a playlist."""
        self._save(name, ContentFile(text.encode()))
        self.stored.add(name)
        return self.path(name)

    def _save(self, name: str, content) -> None:
        try:
            saved = self.storage.save(self.path(name), content)
        except OSError as exc:
            raise TransientFailure(f"Storage refused {self.path(name)}: {exc}") from exc
        if saved != self.path(name):
            raise TransientFailure(f"Storage renamed {self.path(name)} to {saved}.")


def delete_prefix(prefix: str, storage: Storage | None = None) -> int:
    """Delete every file under ``prefix``; returns how many were deleted."""
    storage = storage or video_storage()
    deleted = 0
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        storage.delete(prefix + name)
        deleted += 1
    for directory in directories:
        deleted += delete_prefix(f"{prefix}{directory}/", storage)
    return deleted
