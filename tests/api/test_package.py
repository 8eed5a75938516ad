"""package/read, update, install, compare, pin, init over real HTTP, against a server on
a fresh folder that installs from a local FakeRegistry."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.conftest import error, ok
from deps.conftest import FakeRegistry
from deps.servers import basics_registry, deps_server, snapshot
from hoody_exec.api.dependencies import InstallReport
from hoody_exec.api.package import CompareReport, PackageJson, PinReport, UpdateReport
from hoody_exec.deps import read_lockfile
from integration.conftest import Server


@pytest.fixture(scope="module")
def registry() -> Iterator[FakeRegistry]:
    with basics_registry() as fake:
        yield fake


@pytest.fixture(scope="module")
def served(
    registry: FakeRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, httpx.Client]]:
    root = tmp_path_factory.mktemp("package-api")
    cache = tmp_path_factory.mktemp("package-api-cache")
    with deps_server(root, registry.url, cache) as pair:
        yield pair


@pytest.fixture
def api(served: tuple[Server, httpx.Client]) -> httpx.Client:
    return served[1]


@pytest.fixture
def root(served: tuple[Server, httpx.Client]) -> Iterator[Path]:
    """The served folder, emptied of package files before each test."""
    folder = served[0].root
    for name in ("package.json", "hoody-lock.json"):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder / "node_modules", ignore_errors=True)
    return folder


def test_read_without_package_json(api: httpx.Client, root: Path) -> None:
    read = ok(api.get("/package/read"), PackageJson)
    assert not read.exists and read.content == {} and read.dependencies == {}
    assert ok(api.post("/package/compare", json={}), CompareReport).packages == []
    pinned = ok(api.post("/package/pin", json={}), PinReport)
    assert pinned.pinned == {} and not pinned.package.exists
    assert not (root / "package.json").exists()


def test_init_creates_once(api: httpx.Client, root: Path) -> None:
    response = api.post("/package/init", json={"name": "my-scripts", "description": "demo"})
    assert response.status_code == 201, response.text
    created = PackageJson.model_validate(response.json())
    assert created.content == {
        "name": "my-scripts",
        "version": "1.0.0",
        "private": True,
        "description": "demo",
        "dependencies": {},
    }
    assert json.loads((root / "package.json").read_text()) == created.content
    error(api.post("/package/init", json={}), 409, "conflict")
    read = ok(api.get("/package/read"), PackageJson)
    assert read.exists and read.content == created.content and read.lockfile is False


def test_init_name_from_the_folder_and_bad_names(api: httpx.Client, root: Path) -> None:
    error(api.post("/package/init", json={"name": "Not A Name"}), 422, "invalid_name")
    assert not (root / "package.json").exists()
    response = api.post("/package/init", json={})
    assert response.status_code == 201, response.text
    name = response.json()["content"]["name"]
    assert name and name == name.lower()


def test_update_merges_and_keeps_other_fields(api: httpx.Client, root: Path) -> None:
    (root / "package.json").write_text(
        json.dumps({"name": "x", "scripts": {"a": "b"}, "dependencies": {"old": "^1"}})
    )
    report = ok(
        api.post(
            "/package/update",
            json={"dependencies": {"ms": "^2", "greet": "latest"}, "remove": ["old"]},
        ),
        UpdateReport,
    )
    assert report.added == ["greet", "ms"] and report.removed == ["old"] and report.changed == []
    assert report.install is None
    content = json.loads((root / "package.json").read_text())
    assert content == {
        "name": "x",
        "scripts": {"a": "b"},
        "dependencies": {"greet": "latest", "ms": "^2"},
    }
    assert report.package.installed == {"greet": None, "ms": None}
    changed = ok(api.post("/package/update", json={"dependencies": {"ms": "^3"}}), UpdateReport)
    assert changed.changed == ["ms"]


def test_update_refuses_bad_entries(api: httpx.Client, root: Path) -> None:
    (root / "package.json").write_text('{"dependencies": {}}\n')
    before = snapshot(root)
    for deps in (
        {"ms": "git+https://example.invalid/ms.git"},
        {"Bad Name": "^1"},
        {"ms": ">>2"},
        {"alias": "npm:not a name@1"},
    ):
        error(api.post("/package/update", json={"dependencies": deps}), 422, "invalid_specifier")
    error(
        api.post("/package/update", json={"dependencies": {"ms": "^2"}, "remove": ["ms"]}),
        422,
        "invalid_specifier",
    )
    error(api.post("/package/update", json={"extra": True}), 422, "validation_error")
    assert snapshot(root) == before


def test_update_with_install_and_install_everything(api: httpx.Client, root: Path) -> None:
    report = ok(
        api.post("/package/update", json={"dependencies": {"ms": "^2"}, "install": True}),
        UpdateReport,
    )
    assert report.install is not None and report.install.added == ["ms@2.1.3"]
    assert report.package.installed == {"ms": "2.1.3"} and report.package.lockfile
    # package.json gains a dependency by hand; package/install installs it.
    content = json.loads((root / "package.json").read_text())
    content["dependencies"]["greet"] = "^1"
    (root / "package.json").write_text(json.dumps(content))
    installed = ok(api.post("/package/install", json={}), InstallReport)
    assert installed.added == ["greet@1.0.0"] and installed.total == 2
    assert ok(api.get("/package/read"), PackageJson).installed == {"greet": "1.0.0", "ms": "2.1.3"}


def test_install_failure_changes_nothing(api: httpx.Client, root: Path) -> None:
    (root / "package.json").write_text('{"dependencies": {"ms": "^2", "ghost": "^1"}}\n')
    before = snapshot(root)
    body = error(api.post("/package/install", json={}), 424, "package_not_found")
    assert body["details"]["package"] == "ghost"
    assert snapshot(root) == before


def test_compare_declared_installed_latest(
    api: httpx.Client, root: Path, registry: FakeRegistry
) -> None:
    ok(
        api.post("/package/update", json={"dependencies": {"ms": "^2"}, "install": True}),
        UpdateReport,
    )
    content = json.loads((root / "package.json").read_text())
    content["dependencies"]["ghost"] = "^1"  # declared, never published
    (root / "package.json").write_text(json.dumps(content))
    report = ok(api.post("/package/compare", json={"timeout": 5}), CompareReport)
    by_name = {p.name: p for p in report.packages}
    ms = by_name["ms"]
    assert (ms.declared, ms.installed, ms.wanted, ms.latest) == ("^2", "2.1.3", "2.1.3", "3.0.0")
    assert ms.satisfies and ms.outdated and ms.error is None
    ghost = by_name["ghost"]
    assert ghost.installed is None and ghost.latest is None and not ghost.satisfies
    assert ghost.error is not None and "not found" in ghost.error
    error(api.post("/package/compare", json={"timeout": 0}), 422, "validation_error")


def test_pin_replaces_ranges_with_installed_versions(api: httpx.Client, root: Path) -> None:
    ok(
        api.post(
            "/package/update",
            json={"dependencies": {"ms": "^2", "greet": "latest"}, "install": True},
        ),
        UpdateReport,
    )
    content = json.loads((root / "package.json").read_text())
    report = ok(api.post("/package/pin", json={}), PinReport)
    assert report.pinned == {"greet": "1.0.0", "ms": "2.1.3"}
    assert report.package.dependencies == {"greet": "1.0.0", "ms": "2.1.3"}
    assert json.loads((root / "package.json").read_text())["dependencies"] == report.pinned
    assert content["dependencies"] != report.pinned
    lock = read_lockfile(root)
    assert lock is not None and lock.dependencies == report.pinned
    # The lockfile still matches package.json: the next install takes it as it is.
    again = ok(api.post("/package/install", json={}), InstallReport)
    assert again.from_lockfile and again.added == []
    second = ok(api.post("/package/pin", json={}), PinReport)
    assert second.pinned == {} and second.unchanged == ["greet", "ms"]


def test_pin_leaves_what_is_not_installed(api: httpx.Client, root: Path) -> None:
    (root / "package.json").write_text('{"dependencies": {"ms": "^2"}}\n')
    report = ok(api.post("/package/pin", json={}), PinReport)
    assert report.pinned == {} and report.not_installed == ["ms"]
    assert json.loads((root / "package.json").read_text())["dependencies"] == {"ms": "^2"}


def test_package_json_that_is_not_an_object(api: httpx.Client, root: Path) -> None:
    (root / "package.json").write_text("[1, 2]\n")
    error(api.get("/package/read"), 422, "invalid_package_json")
    (root / "package.json").write_text("{nope\n")
    error(api.post("/package/pin", json={}), 422, "invalid_package_json")


def test_operations_need_the_token_and_are_documented(
    served: tuple[Server, httpx.Client], api: httpx.Client
) -> None:
    server, _ = served
    assert server.client.get("/api/v1/exec/package/read").status_code == 401
    assert server.client.post("/api/v1/exec/package/init", json={}).status_code == 401
    paths = api.get("/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/exec/package/read"]
    for name in ("update", "install", "compare", "pin", "init"):
        assert "post" in paths[f"/api/v1/exec/package/{name}"], name
    assert "201" in paths["/api/v1/exec/package/init"]["post"]["responses"]
