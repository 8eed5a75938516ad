"""`hoody-exec deps install|check` against the local registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hoody_exec.cli import app

from .conftest import FakeRegistry


@pytest.fixture
def env(registry: FakeRegistry, cache_dir: Path) -> dict[str, str]:
    return {"HOODY_EXEC_NPM_REGISTRY": registry.url, "HOODY_EXEC_CACHE_DIR": str(cache_dir)}


def test_install_and_check(registry: FakeRegistry, env: dict[str, str], scripts: Path) -> None:
    registry.publish("ms", "2.1.3")
    registry.publish("zod", "3.23.8")
    (scripts / "hello.ts").write_text(
        "import ms from 'ms@2';\nimport { z } from 'zod';\nimport { helper } from './_lib';\n"
        "import fs from 'node:fs';\nreturn [ms(1), z, helper, fs];\n"
    )
    (scripts / "_lib.ts").write_text("export const helper = 1;\n")
    runner = CliRunner()

    checked = runner.invoke(app, ["deps", "check", str(scripts)], env=env)
    assert checked.exit_code == 1
    assert "hello.ts: ms@2 (not installed)" in checked.output
    assert "hello.ts: zod (not installed)" in checked.output

    installed = runner.invoke(app, ["deps", "install", str(scripts), "ms@2", "zod"], env=env)
    assert installed.exit_code == 0, installed.output
    # Off a terminal the progress line (each download) stays quiet: results only.
    assert "downloaded" not in installed.output
    assert "2 added" in installed.output
    deps = json.loads((scripts / "package.json").read_text())["dependencies"]
    assert deps == {"ms": "2", "zod": "^3.23.8"}

    checked = runner.invoke(app, ["deps", "check", str(scripts)], env=env)
    assert checked.exit_code == 0, checked.output
    assert "all imported packages are installed" in checked.output


def test_install_errors_are_one_clear_line(
    registry: FakeRegistry, env: dict[str, str], scripts: Path
) -> None:
    result = CliRunner().invoke(app, ["deps", "install", str(scripts), "nope"], env=env)
    assert result.exit_code == 1
    assert "error: nope: not found in the registry" in result.output


def test_install_defaults_to_the_current_folder(
    registry: FakeRegistry, env: dict[str, str], scripts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.publish("ms", "2.1.3")
    monkeypatch.chdir(scripts)
    result = CliRunner().invoke(app, ["deps", "install", "ms"], env=env)
    assert result.exit_code == 0, result.output
    assert (scripts / "node_modules/ms/package.json").exists()


def test_check_reports_a_version_the_import_rejects(
    registry: FakeRegistry, env: dict[str, str], scripts: Path
) -> None:
    registry.publish("ms", "2.1.3")
    runner = CliRunner()
    assert runner.invoke(app, ["deps", "install", str(scripts), "ms"], env=env).exit_code == 0
    (scripts / "a.ts").write_text("import ms from 'ms@3';\nexport default () => ms(1);\n")
    (scripts / "node_modules/ignored.ts").write_text("import x from 'nope';\nconsole.log(x);\n")
    result = runner.invoke(app, ["deps", "check", str(scripts)], env=env)
    assert result.exit_code == 1
    assert "a.ts: ms@3 (installed 2.1.3, the import wants 3)" in result.output
    assert "nope" not in result.output


def test_parallel_processes_install_once(
    registry: FakeRegistry, env: dict[str, str], scripts: Path
) -> None:
    import os
    import subprocess
    import sys

    registry.publish("leaf", "1.0.0")
    registry.publish("shared-pkg", "1.0.0", dependencies={"leaf": "^1"})
    command = [
        sys.executable,
        "-m",
        "hoody_exec.cli",
        "deps",
        "install",
        str(scripts),
        "shared-pkg",
    ]
    processes = [
        subprocess.Popen(
            command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert registry.tarball_hits() == 2  # leaf and shared-pkg, once each
    assert registry.hits["/shared-pkg"] == 1
    assert sum("2 added" in out for out in outputs) == 1
    assert sum("0 added" in out for out in outputs) == 2
