"""Atomic, bounded file writes: temporary file in the same folder, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

# NOTE: 1 MiB of source is far beyond any hand-written script; bundles of npm
# packages live in node_modules and are never written through the API.
MAX_SCRIPT_BYTES = 1024 * 1024


def atomic_write(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically (folders created); True if it was created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    mode = 0o644
    if not created:
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode & 0o777
    tmp = _temp_name(path)
    try:
        _write_new(tmp, data, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return created


def create_exclusive(path: Path, data: bytes, mode: int = 0o644) -> bool:
    """Publish `data` at `path` only if nothing is there; False if something is.

    The file is complete (written and fsynced) before `link` makes it visible, and
    `link` refuses an existing name, so two processes creating the same file at once
    cannot both succeed and no reader sees half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        _write_new(tmp, data, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _fsync_dir(path.parent)
    return True


def _temp_name(path: Path) -> Path:
    # The leading '.' keeps the temporary file private to routing and the watcher.
    # NOTE: cut to fit NAME_MAX (255 bytes) with the 18 bytes added, so a name the
    # API accepts is never refused because of its temporary twin.
    stem = path.name.encode("utf-8")[:_TEMP_STEM_BYTES].decode("utf-8", "ignore")
    return path.with_name(f".{stem}.{secrets.token_hex(6)}.tmp")


_TEMP_STEM_BYTES = 255 - len(".." + "0" * 12 + ".tmp")


def _write_new(tmp: Path, data: bytes, mode: int) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
