"""The pinned `typescript` npm package, installed once per user into a tools folder.

    $HOODY_EXEC_CACHE_DIR/tools/typescript-<version>/      (when the override is set)
    $XDG_CACHE_HOME/hoody-exec/tools/typescript-<version>/ (else ~/.cache/…)

The folder is an ordinary scripts-style folder (package.json, hoody-lock.json,
node_modules/) filled by `hoody_exec.deps.Installer`, which already takes a
folder lock, so parallel processes install it once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hoody_exec.deps import Installer
from hoody_exec.deps.cache import CACHE_DIR_ENV

__all__ = ["TYPESCRIPT_VERSION", "ensure_typescript", "installed_typescript", "tools_dir"]

# NOTE: 5.9 is the last TypeScript line with the JavaScript compiler API (7.x is
# the native port); one constant so an upgrade is a one-line change plus a test run.
TYPESCRIPT_VERSION = "5.9.3"


def tools_dir() -> Path:
    """Where hoody-exec keeps its own npm tools (not the tarball cache)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser() / "tools"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hoody-exec" / "tools"


def _package_dir(folder: Path) -> Path:
    return folder / "node_modules" / "typescript"


def installed_typescript(folder: Path | None = None) -> Path | None:
    """The installed package folder if the pinned version is there, else None."""
    folder = folder or tools_dir() / f"typescript-{TYPESCRIPT_VERSION}"
    package = _package_dir(folder)
    try:
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("version") != TYPESCRIPT_VERSION:
        return None
    if not (package / "lib" / "typescript.js").is_file():
        return None
    return package


async def ensure_typescript(
    folder: Path | None = None, *, installer: Installer | None = None
) -> Path:
    """The pinned package folder, installing it from the npm registry if needed."""
    folder = folder or tools_dir() / f"typescript-{TYPESCRIPT_VERSION}"
    found = installed_typescript(folder)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    await (installer or Installer()).install(folder, [f"typescript@{TYPESCRIPT_VERSION}"])
    found = installed_typescript(folder)
    if found is None:  # pragma: no cover - the installer reported success
        raise RuntimeError(f"typescript {TYPESCRIPT_VERSION} is not in {folder} after install")
    return found
