"""Fixtures for the type checker: the pinned TypeScript package and a served folder.

Tests that need TypeScript are marked `network` (installing it needs the npm
registry; the opt-in skip lives in tests/conftest.py: HOODY_TEST_NETWORK=1).
TypeScript goes to the normal per-user tools folder, so it is downloaded once
per machine, not once per run.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integration.conftest import Server, start_server

ADMIN_TOKEN = "typecheck-admin-token-0123456789"
PREFIX = "/api/v1/exec"

LIB = "export function add(a: number, b: number): number {\n  return a + b;\n}\n"
TYPED_DTS = "export declare function greet(name: string): string;\n"


def make_folder(root: Path) -> Path:
    """A scripts folder with a helper module, a typed and an untyped package."""
    (root / "_lib").mkdir(parents=True, exist_ok=True)
    (root / "_lib" / "math.ts").write_text(LIB)
    typed = root / "node_modules" / "typed"
    typed.mkdir(parents=True, exist_ok=True)
    (typed / "package.json").write_text(
        json.dumps({"name": "typed", "version": "1.0.0", "main": "index.js", "types": "index.d.ts"})
    )
    (typed / "index.js").write_text('exports.greet = (n) => "hi " + n;\n')
    (typed / "index.d.ts").write_text(TYPED_DTS)
    untyped = root / "node_modules" / "untyped"
    untyped.mkdir(parents=True, exist_ok=True)
    (untyped / "package.json").write_text(
        json.dumps({"name": "untyped", "version": "1.0.0", "main": "index.js"})
    )
    (untyped / "index.js").write_text("exports.value = 1;\n")
    return root


@pytest.fixture(scope="session")
def typescript_package() -> Path:
    from hoody_exec.typecheck import ensure_typescript

    return asyncio.run(ensure_typescript())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path / "scripts")


@pytest.fixture(scope="module")
def ts_server(
    typescript_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    root = make_folder(tmp_path_factory.mktemp("typecheck-scripts"))
    (root / "good.ts").write_text(
        'import { add } from "./_lib/math";\n'
        "if (!query.n) return { n: 0 };\n"
        "return { n: add(1, 2) };\n"
    )
    (root / "bad.ts").write_text('const n: number = "one";\nreturn n;\n')
    logs = tmp_path_factory.mktemp("typecheck-logs") / "server.log"
    server = start_server(root, logs, "--admin-token", ADMIN_TOKEN)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ts_api(ts_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=ts_server.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=120
    ) as client:
        yield client
