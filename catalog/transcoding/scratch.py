"""Per-job scratch folders on the worker's local disk, always removed.

A folder's name carries the worker's process id, so a worker starting after a
crash (SIGKILL leaves no chance to clean up) removes the folders of processes
that no longer exist.
"""

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

PREFIX = "vod-transcode-"
NAME = re.compile(rf"^{PREFIX}(\d+)-")


def scratch_root() -> Path:
    root = Path(settings.TRANSCODE_SCRATCH_DIR or tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def scratch_dir(label: str):
    """A fresh folder for one job, removed however the job ends."""
    path = Path(
        tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-{label}-", dir=scratch_root())
    )
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def kept_dir(label: str) -> Path:
    """A folder this process keeps across jobs (a source its next chunks
    share); asking for one drops the others it kept."""
    root = scratch_root()
    name = f"{PREFIX}{os.getpid()}-kept-{label}"
    for entry in root.glob(f"{PREFIX}{os.getpid()}-kept-*"):
        if entry.name != name:
            shutil.rmtree(entry, ignore_errors=True)
    path = root / name
    path.mkdir(exist_ok=True)
    return path


def drop_kept(label: str) -> None:
    shutil.rmtree(scratch_root() / f"{PREFIX}{os.getpid()}-kept-{label}", True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans() -> int:
    """Remove scratch folders left by processes that died; returns how many."""
    removed = 0
    for entry in scratch_root().iterdir():
        match = NAME.match(entry.name)
        if match and entry.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
