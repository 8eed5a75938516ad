"""A real server (subprocess) on a fresh scripts folder, installing from a FakeRegistry.

Shared by the dependency API tests and the auto-install integration tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from deps.conftest import FakeRegistry
from integration.conftest import Server, start_server

ADMIN_TOKEN = "deps-admin-token-0123456789"
PREFIX = "/api/v1/exec"

# Packages with real code, so a script that imports them runs.
MS_V2 = "module.exports = function ms(n) { return n * 1000; };\n"
MS_V3 = "module.exports = function ms(n) { return n * 1000 + 3; };\n"
GREET = "export function greet(name) { return 'hello ' + name; }\n"


def publish_basics(registry: FakeRegistry) -> None:
    """ms 2.1.3 and 3.0.0 (latest: 3.0.0, CommonJS), greet 1.0.0 (ESM), and a package
    whose tarball does not match its published integrity."""
    registry.publish("ms", "2.1.3", files={"index.js": MS_V2})
    registry.publish("ms", "3.0.0", files={"index.js": MS_V3})
    registry.publish(
        "greet",
        "1.0.0",
        files={
            "package.json": '{"name": "greet", "version": "1.0.0", "module": "index.mjs"}',
            "index.mjs": GREET,
        },
    )
    registry.publish("tampered", "1.0.0", integrity="sha512-" + "A" * 86 + "==")


@contextmanager
def basics_registry() -> Iterator[FakeRegistry]:
    """A running FakeRegistry with `publish_basics`; tests may publish more (it serves
    what is published at request time)."""
    fake = FakeRegistry()
    publish_basics(fake)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file an install could write, with its content (None: a folder)."""
    seen: dict[str, bytes | None] = {}
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = [d for d in subdirs if d != ".hoody"]
        for name in subdirs:
            seen[os.path.relpath(os.path.join(directory, name), folder)] = None
        for name in files:
            path = os.path.join(directory, name)
            if name == ".hoody-install.lock":
                continue
            seen[os.path.relpath(path, folder)] = Path(path).read_bytes()
    return seen


@contextmanager
def deps_server(
    root: Path, registry_url: str, cache_dir: Path, *args: str
) -> Iterator[tuple[Server, httpx.Client]]:
    """A server for `root` (which must exist) and an admin client of its API."""
    log = root.parent / f"{root.name}-server.log"
    server = start_server(
        root,
        log,
        "--admin-token",
        ADMIN_TOKEN,
        "--npm-registry",
        registry_url,
        "--npm-cache-dir",
        str(cache_dir),
        *args,
    )
    try:
        with httpx.Client(
            base_url=server.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=30
        ) as api:
            yield server, api
    finally:
        server.stop()
