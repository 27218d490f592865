"""Writing one revision's files to storage, only ever through the storage API."""

import logging
from collections.abc import Callable
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

from vod.storage import STORAGE_ERRORS, is_transient

from .errors import StorageRefused, TranscodeError, TransientFailure

logger = logging.getLogger(__name__)


def video_storage() -> Storage:
    return storages["videos"]


def storage_failure(exc: BaseException, doing: str) -> TranscodeError:
    """What a failed storage call means for the job: retry later, or stop."""
    if is_transient(exc):
        return TransientFailure(f"{doing}: {exc}")
    return StorageRefused(f"{doing}: the store refused it: {exc}")


class RevisionWriter:
    """Puts files under ``prefix`` and remembers which are already stored.

    ``keep_alive`` is called after every file stored: storing a chunk's
    hundreds of fragments to a slow store takes long enough for a lease (the
    job's, the chunk's) to look dead, and the writer is what knows a long
    store is still moving. Whoever holds a lease passes its rate-limited
    heartbeat; loops that only read call it too."""

    def __init__(
        self,
        prefix: str,
        storage: Storage | None = None,
        *,
        keep_alive: Callable[[], None] = lambda: None,
    ):
        self.prefix = prefix
        self.storage = storage or video_storage()
        self.stored: set[str] = set()
        self.keep_alive = keep_alive

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

    def put_text(self, text: str, name: str, *, growing: bool = False) -> str:
        """Store (or replace) a small text file such as a playlist.

        ``growing`` marks a playlist that will change as the revision grows, so
        stores that keep per-file caching headers (S3) keep it briefly.
        """
        content = ContentFile(text.encode())
        content.growing = growing
        self._save(name, content)
        self.stored.add(name)
        return self.path(name)

    def copy_in(self, source: str, name: str) -> str:
        """Store a copy of the stored file ``source`` as ``name``, the same bytes:
        on the server side where the storage can (S3), else a plain copy."""
        copy = getattr(self.storage, "copy", None)
        try:
            if copy is not None:
                copy(source, self.path(name))
            else:
                with self.storage.open(source, "rb") as handle:
                    self._save(name, File(handle))
        except STORAGE_ERRORS as exc:
            raise storage_failure(exc, f"Could not copy {source}") from exc
        self.stored.add(name)
        self.keep_alive()
        return self.path(name)

    def _save(self, name: str, content) -> None:
        try:
            saved = self.storage.save(self.path(name), content)
        except STORAGE_ERRORS as exc:
            raise storage_failure(exc, f"Could not store {self.path(name)}") from exc
        if saved != self.path(name):
            raise TransientFailure(f"Storage renamed {self.path(name)} to {saved}.")
        self.keep_alive()


def files_under(prefix: str, storage: Storage | None = None) -> list[str]:
    """Every stored file under ``prefix``, named relative to it."""
    storage = storage or video_storage()
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return []
    found = list(files)
    for directory in directories:
        found += [
            f"{directory}/{name}"
            for name in files_under(f"{prefix}{directory}/", storage)
        ]
    return found


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
