"""Real packages from the public registry (skipped unless HOODY_TEST_NETWORK=1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hoody_exec.deps import Installer, PackageCache, installed_version, read_lockfile

pytestmark = pytest.mark.network


async def test_esm_package(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    installer = Installer(cache=PackageCache(tmp_path / "cache"))
    await installer.install(folder, ["nanoid@5"])  # ESM only ("type": "module")
    manifest = json.loads((folder / "node_modules/nanoid/package.json").read_text())
    assert manifest["type"] == "module"
    lock = read_lockfile(folder)
    assert lock is not None and lock.packages["node_modules/nanoid"].integrity.startswith("sha512-")


async def test_commonjs_package_with_dependencies(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    installer = Installer(cache=PackageCache(tmp_path / "cache"))
    await installer.install(folder, ["debug@4"])  # CommonJS, depends on ms
    assert (installed_version(folder / "node_modules/debug") or "").startswith("4.")
    assert installed_version(folder / "node_modules/ms") is not None
