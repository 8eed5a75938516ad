"""Confining user-supplied paths to the scripts folder.

Every path the API accepts is relative to the scripts folder, in POSIX form.
Refused before touching the file system: NUL bytes and other control
characters, backslashes, absolute paths, `..` segments, percent-encoded
separators or dots (a client that double-encodes would otherwise smuggle `../`
past a proxy), and names or paths longer than the file system takes (the OS
would refuse them half-way through a write or a move). Refused after
resolving: anything whose real path leaves the folder (symlinks pointing out),
and the state folder `.hoody/` that holds the admin token.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hoody_exec.api.auth import STATE_DIR
from hoody_exec.api.errors import ApiError

_ENCODED = re.compile(r"%(?:2e|2f|5c|00|25)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x01-\x1f\x7f]")
MAX_PATH_BYTES = 1024
# NOTE: NAME_MAX of Linux and macOS file systems. Writes go through a temporary
# file whose name is longer (api/files.py keeps it within this limit too).
MAX_NAME_BYTES = 255
# Far more than any real scripts folder; deeper trees only serve to make every
# recursive walk (watcher, listing, route scan) slow.
MAX_DEPTH = 64


def _invalid(path: str, message: str) -> ApiError:
    return ApiError(400, "invalid_path", message, {"path": path})


def _forbidden(path: str, message: str) -> ApiError:
    return ApiError(403, "forbidden_path", message, {"path": path})


def normalize(path: str, *, allow_root: bool = False) -> str:
    """The clean POSIX relative form of `path`, or ApiError(400)."""
    if "\x00" in path:
        raise _invalid(path.replace("\x00", "\\0"), "NUL bytes are not allowed in paths")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise _invalid(
            path.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace"),
            "paths must be valid Unicode text (this one holds a lone surrogate)",
        ) from None
    if size > MAX_PATH_BYTES:
        raise _invalid(
            _shortened(path),
            f"paths are limited to {MAX_PATH_BYTES} bytes (UTF-8); this one has {size}",
        )
    if _CONTROL.search(path):
        raise _invalid(
            path.encode("unicode_escape").decode("ascii"),
            "control characters (newlines, tabs, escapes) are not allowed in paths",
        )
    if "\\" in path:
        raise _invalid(path, "backslashes are not allowed in paths; use '/'")
    if _ENCODED.search(path):
        raise _invalid(path, "percent-encoded '.', '/', '\\', '%' or NUL are not allowed in paths")
    if path.startswith("/") or _DRIVE.match(path):
        raise _invalid(path, "paths are relative to the scripts folder, not absolute")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise _invalid(path, "'..' is not allowed in paths")
    _check_lengths(path, parts)
    if not parts:
        if allow_root:
            return ""
        raise _invalid(path, "a path to a file in the scripts folder is required")
    if parts[0] == STATE_DIR:
        raise _forbidden(path, f"{STATE_DIR}/ holds the server's state and is not accessible")
    return "/".join(parts)


def _shortened(text: str) -> str:
    return text if len(text) <= 64 else text[:64] + "…"


def _check_lengths(path: str, parts: list[str]) -> None:
    long = next((part for part in parts if len(part.encode("utf-8")) > MAX_NAME_BYTES), None)
    if long is not None:
        size = len(long.encode("utf-8"))
        raise ApiError(
            400,
            "invalid_path",
            f"a file or folder name is {size} bytes long; names are limited to "
            f"{MAX_NAME_BYTES} bytes (UTF-8) per path segment",
            {
                "path": _shortened(path),
                "name": _shortened(long),
                "name_bytes": size,
                "max_name_bytes": MAX_NAME_BYTES,
            },
        )
    if len(parts) > MAX_DEPTH:
        raise ApiError(
            400,
            "invalid_path",
            f"the path is {len(parts)} folders deep; paths are limited to {MAX_DEPTH} segments",
            {"path": _shortened(path), "depth": len(parts), "max_depth": MAX_DEPTH},
        )


@dataclass(frozen=True)
class ScriptPath:
    relative: str  # POSIX, relative to the root ("" for the root itself)
    absolute: Path

    @property
    def name(self) -> str:
        return PurePosixPath(self.relative).name


class Confinement:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def resolve(self, path: str, *, allow_root: bool = False) -> ScriptPath:
        relative = normalize(path, allow_root=allow_root)
        absolute = self.root / relative if relative else self.root
        self._check_real(path, absolute)
        return ScriptPath(relative, absolute)

    def resolve_link(self, path: str) -> ScriptPath | None:
        """`path` if it names a symlink in a folder inside the root, whatever the
        link points to (to remove the link itself); else None."""
        relative = normalize(path)
        absolute = self.root / relative
        if not absolute.is_symlink():
            return None
        self._check_real(path, absolute.parent)
        return ScriptPath(relative, absolute)

    def _check_real(self, path: str, absolute: Path) -> None:
        # The real path of the deepest existing ancestor (or the file itself) must
        # stay inside the root; a dangling symlink is resolved as far as it goes.
        real = Path(os.path.realpath(absolute))
        if real != self.root and self.root not in real.parents:
            raise _forbidden(path, "the path leads outside the scripts folder (symlink)")

    def relative_of(self, absolute: Path) -> str:
        return absolute.relative_to(self.root).as_posix()
