"""A script's first request installs what it imports (SPEC §5), over real HTTP.

Each server serves a fresh folder and installs from a local FakeRegistry, whose hit
counters show how often the registry was asked.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import watchfiles

from deps.conftest import FakeRegistry
from deps.servers import basics_registry, deps_server, snapshot
from hoody_exec.server.reload import ScriptsFilter
from integration.conftest import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def registry() -> Iterator[FakeRegistry]:
    with basics_registry() as fake:
        fake.publish("ranged", "1.0.0")
        fake.publish("first", "1.0.0", files={"index.js": "module.exports = 'first';\n"})
        fake.publish("second", "1.0.0", files={"index.js": "module.exports = 'second';\n"})
        yield fake


@pytest.fixture(scope="module")
def served(
    registry: FakeRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, httpx.Client]]:
    root = tmp_path_factory.mktemp("auto-install")
    cache = tmp_path_factory.mktemp("auto-install-cache")
    with deps_server(root, registry.url, cache) as pair:
        yield pair


def test_first_request_installs_and_runs(
    served: tuple[Server, httpx.Client], registry: FakeRegistry
) -> None:
    server, _ = served
    server.write(
        "uses_ms.ts",
        "import ms from 'ms@2';\nimport { greet } from 'greet';\n"
        "return { ms: ms(2), greet: greet('you') };\n",
    )
    response = server.get_when_routable("/uses_ms")
    assert response.status_code == 200, response.text
    assert response.json() == {"ms": 2000, "greet": "hello you"}
    manifest = json.loads((server.root / "package.json").read_text())
    assert manifest["dependencies"] == {"greet": "^1.0.0", "ms": "2"}
    assert (server.root / "hoody-lock.json").is_file()
    assert registry.hits["/ms"] == 1 and registry.hits["/greet"] == 1
    assert "package installed" in server.wait_for_log("package installed", "greet")
    # Warm: no registry traffic, same answer.
    before = sum(registry.hits.values())
    assert server.client.get("/uses_ms").json() == {"ms": 2000, "greet": "hello you"}
    assert sum(registry.hits.values()) == before


def test_concurrent_first_requests_install_once(
    served: tuple[Server, httpx.Client], registry: FakeRegistry
) -> None:
    server, _ = served
    # Six scripts, so six builds (not one shared build) find the package missing,
    # both from the watcher's eager builds and from the requests.
    for i in range(6):
        server.write(f"both{i}.ts", f"import a from 'first';\nreturn [a, {i}];\n")

    def get(i: int) -> httpx.Response:
        return server.get_when_routable(f"/both{i}")

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(get, range(6)))
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert [r.json() for r in responses] == [["first", i] for i in range(6)]
    assert registry.hits["/first"] == 1
    assert registry.hits["/-/tarballs/first-1.0.0.tgz"] == 1


def test_two_worker_processes_install_once(registry: FakeRegistry, tmp_path: Path) -> None:
    """Both processes build the new scripts at once (their watchers) and find the
    package missing; the installer's folder lock lets one install, the other then
    finds it installed and downloads nothing."""
    registry.publish("multi", "1.0.0", files={"index.js": "module.exports = 'multi';\n"})
    root = tmp_path / "scripts"
    root.mkdir()
    with deps_server(root, registry.url, tmp_path / "cache", "--workers", "2") as (server, _):
        for i in range(4):
            server.write(f"m{i}.ts", f"import m from 'multi';\nreturn [m, {i}];\n")

        def get(i: int) -> httpx.Response:
            return server.get_when_routable(f"/m{i % 4}")

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(get, range(16)))
    assert [r.status_code for r in responses] == [200] * 16, [r.text for r in responses]
    assert [r.json() for r in responses] == [["multi", i % 4] for i in range(16)]
    assert registry.hits["/multi"] == 1
    assert registry.hits["/-/tarballs/multi-1.0.0.tgz"] == 1


def test_unknown_package_fails_clearly_and_changes_nothing(
    served: tuple[Server, httpx.Client], registry: FakeRegistry
) -> None:
    server, _ = served
    before = snapshot(server.root)
    server.write("nope.ts", "import x from 'no-such-package';\nreturn x;\n")
    before = {**before, "nope.ts": (server.root / "nope.ts").read_bytes()}
    response = server.get_when_routable("/nope")
    assert response.status_code == 424, response.text
    body = response.json()
    assert body["error"] == "dependency_install_failed"
    assert body["package"] == "no-such-package"
    assert body["reason"] == "not found"
    assert "no-such-package" in body["message"] and "not found" in body["message"]
    assert snapshot(server.root) == before
    assert "no-such-package" in server.wait_for_log("package install failed", "no-such-package")
    # Remembered for a few seconds: the registry is not asked on every request.
    hits = registry.hits["/no-such-package"]
    assert server.client.get("/nope").status_code == 424
    assert registry.hits["/no-such-package"] == hits


def test_no_matching_version_is_424(served: tuple[Server, httpx.Client]) -> None:
    server, _ = served
    server.write("badrange.ts", "import r from 'ranged@^9';\nreturn r;\n")
    response = server.get_when_routable("/badrange")
    assert response.status_code == 424, response.text
    assert response.json()["reason"] == "no matching version"
    assert response.json()["package"] == "ranged@^9"
    assert "1.0.0" in response.json()["message"]  # the versions there are


def test_integrity_mismatch_is_502_and_changes_nothing(
    served: tuple[Server, httpx.Client],
) -> None:
    server, _ = served
    server.write("tampered.ts", "import t from 'tampered';\nreturn t;\n")
    before = snapshot(server.root)
    response = server.get_when_routable("/tampered")
    assert response.status_code == 502, response.text
    assert response.json()["reason"] == "integrity mismatch"
    assert response.json()["package"] == "tampered"
    assert snapshot(server.root) == before
    assert not (server.root / "node_modules" / "tampered").exists()


def test_an_install_reaches_scripts_already_built(
    served: tuple[Server, httpx.Client],
) -> None:
    """node_modules files are not stat'ed per request; the lockfile an install rewrites
    stands for them, so a script built on ms 2 runs on ms 3 right after the install."""
    server, api = served
    server.write("version.ts", "import ms from 'ms';\nreturn ms(1);\n")
    assert server.get_when_routable("/version").json() == 1000
    installed = api.post("/dependencies/install", json={"packages": ["ms@3"]})
    assert installed.status_code == 200, installed.text
    assert installed.json()["added"] == ["ms@3.0.0"]
    assert server.client.get("/version").json() == 1003


def test_an_import_range_the_installed_version_misses_installs_again(
    served: tuple[Server, httpx.Client], registry: FakeRegistry
) -> None:
    """`ms@2` while ms 3 is installed: the build notices and installs ms 2 first."""
    server, _ = served
    server.write("ranged_ms.ts", "import ms from 'ms@2';\nreturn ms(1);\n")
    response = server.get_when_routable("/ranged_ms")
    assert response.status_code == 200, response.text
    assert response.json() == 1000
    assert json.loads((server.root / "node_modules/ms/package.json").read_text())["version"] == (
        "2.1.3"
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_registry_unreachable_is_502(tmp_path: Path) -> None:
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "x.ts").write_text("import ms from 'ms';\nreturn ms(1);\n")
    # Credentials in the registry URL never reach an answer.
    url = f"http://robot:s3cret-token@127.0.0.1:{_closed_port()}/"
    with deps_server(root, url, tmp_path / "cache") as (server, api):
        response = server.client.get("/x")
        bundled = api.get("/dependencies/bundled").json()
    assert response.status_code == 502, response.text
    assert "s3cret" not in response.text and "robot" not in response.text
    assert "127.0.0.1" in response.json()["message"]
    assert "s3cret" not in bundled["registry"]
    assert response.json()["reason"] == "registry unreachable"
    assert response.json()["package"] == "ms"
    assert not (root / "node_modules").exists() and not (root / "package.json").exists()


def test_without_auto_install_an_api_install_lets_the_script_run(
    registry: FakeRegistry, tmp_path: Path
) -> None:
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "x.ts").write_text("import ms from 'ms@2';\nreturn ms(3);\n")
    with deps_server(root, registry.url, tmp_path / "cache", "--no-auto-install") as (
        server,
        api,
    ):
        response = server.client.get("/x")
        assert response.status_code == 500, response.text
        assert response.json()["error"] == "load_error"
        assert "deps install" in response.json()["message"]
        assert not (root / "node_modules").exists()
        installed = api.post("/dependencies/install", json={"packages": ["ms@2"]})
        assert installed.status_code == 200, installed.text
        # The failure remembered for x.ts is dropped at once, not after a retry delay.
        response = server.client.get("/x")
        assert response.status_code == 200, response.text
        assert response.json() == 3000


def test_watcher_ignores_install_work_but_not_its_results(tmp_path: Path) -> None:
    keep = ScriptsFilter(tmp_path)
    change = watchfiles.Change.added
    for ignored in (
        "node_modules/zod/index.js",
        "sub/node_modules/x/a.js",
        ".hoody-install.lock",
        ".hoody-install-123-abcd/0/package.json",
        ".hoody/logs/1.jsonl",
    ):
        assert not keep(change, str(tmp_path / ignored)), ignored
    for kept in ("a.ts", "package.json", "hoody-lock.json", ".env", "users/[id].ts"):
        assert keep(change, str(tmp_path / kept)), kept


@pytest.mark.network
def test_real_zod_on_the_first_request(tmp_path: Path) -> None:
    """The headline promise against the real npm registry."""
    from hoody_exec.deps.registry import default_registry

    root = tmp_path / "scripts"
    root.mkdir()
    (root / "user.ts").write_text(
        "import { z } from 'zod';\n"
        "const User = z.object({ name: z.string().min(1) });\n"
        "const parsed = User.safeParse(body ?? {});\n"
        "return parsed.success ? parsed.data : { issues: parsed.error.issues.length };\n"
    )
    with deps_server(root, default_registry(), tmp_path / "cache") as (server, _):
        response = server.client.post("/user", json={"name": "Ada"})
        assert response.status_code == 200, response.text
        assert response.json() == {"name": "Ada"}
        assert server.client.post("/user", json={"name": ""}).json() == {"issues": 1}
    assert json.loads((root / "package.json").read_text())["dependencies"]["zod"].startswith("^")
