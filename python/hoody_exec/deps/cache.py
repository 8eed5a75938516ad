"""The on-disk cache shared by every scripts folder of a user.

    <cache>/tarballs/<algorithm>/<hex digest>   tarballs, addressed by integrity
    <cache>/packuments/<name>.json              last packument seen (offline fallback)

Writes are atomic (temp + fsync + rename), so concurrent processes can share it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from hoody_exec.deps.integrity import Integrity, check_integrity

__all__ = ["PackageCache", "atomic_write", "default_cache_dir"]

CACHE_DIR_ENV = "HOODY_EXEC_CACHE_DIR"


def default_cache_dir() -> Path:
    """`$HOODY_EXEC_CACHE_DIR`, else `$XDG_CACHE_HOME/hoody-exec/npm`, else `~/.cache/…`."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hoody-exec" / "npm"


def atomic_write(path: Path, data: bytes, mode: int = 0o644, *, durable: bool = True) -> None:
    """Write `data` to `path` so readers see either the old or the new file, never half.
    `durable` also fsyncs, so the new content survives a power cut (not needed for caches)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class PackageCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_cache_dir()

    def __repr__(self) -> str:
        return f"PackageCache({str(self.root)!r})"

    def _tarball_path(self, integrity: Integrity) -> Path:
        return self.root / "tarballs" / integrity.algorithm / integrity.hexdigest

    def get_tarball(self, integrity: Integrity) -> bytes | None:
        """The cached tarball, re-verified (a corrupt entry is dropped, not returned)."""
        path = self._tarball_path(integrity)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if check_integrity(data, integrity):
            return data
        path.unlink(missing_ok=True)
        return None

    def put_tarball(self, integrity: Integrity, data: bytes) -> None:
        # NOTE: a read-only or full cache slows installs down; it never fails them.
        with contextlib.suppress(OSError):
            atomic_write(self._tarball_path(integrity), data, durable=False)

    def _packument_path(self, name: str) -> Path:
        return self.root / "packuments" / f"{name.replace('/', '%2f')}.json"

    def get_packument(self, name: str) -> bytes | None:
        try:
            return self._packument_path(name).read_bytes()
        except OSError:
            return None

    def put_packument(self, name: str, data: bytes) -> None:
        with contextlib.suppress(OSError):
            atomic_write(self._packument_path(name), data, durable=False)
