"""dependencies/bundled, check, install and validate/dependencies over real HTTP, against
a server on a fresh folder that installs from a local FakeRegistry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.conftest import error, ok
from deps.conftest import FakeRegistry
from deps.servers import basics_registry, deps_server, snapshot
from hoody_exec.api.dependencies import (
    BundledReport,
    CheckReport,
    InstallReport,
    ValidateDependenciesReport,
)
from integration.conftest import Server


@pytest.fixture(scope="module")
def registry() -> Iterator[FakeRegistry]:
    with basics_registry() as fake:
        yield fake


@pytest.fixture(scope="module")
def served(
    registry: FakeRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, httpx.Client]]:
    root = tmp_path_factory.mktemp("deps-api")
    cache = tmp_path_factory.mktemp("deps-api-cache")
    # Requests in these tests never install by themselves: the API does.
    with deps_server(root, registry.url, cache, "--no-auto-install") as pair:
        yield pair


@pytest.fixture
def api(served: tuple[Server, httpx.Client]) -> httpx.Client:
    return served[1]


@pytest.fixture
def root(served: tuple[Server, httpx.Client]) -> Path:
    return served[0].root


def test_needs_the_admin_token(served: tuple[Server, httpx.Client]) -> None:
    server, _ = served
    anon = server.client
    assert anon.get("/api/v1/exec/dependencies/bundled").status_code == 401
    response = anon.post("/api/v1/exec/dependencies/install", json={"packages": ["ms"]})
    assert response.status_code == 401
    assert not (server.root / "node_modules").exists()


def test_bundled_reports_what_the_runtime_provides(api: httpx.Client) -> None:
    report = ok(api.get("/dependencies/bundled"), BundledReport)
    assert {"fetch", "Request", "Response", "URL", "TextEncoder", "crypto"} <= set(report.web_apis)
    # Plain JavaScript is not listed as something the runtime adds.
    assert "Array" not in report.web_apis and "JSON" not in report.web_apis
    assert {"request", "env", "fetch"} <= set(report.injected)
    builtins = {b.module: b for b in report.node_builtins}
    assert builtins["path"].available and builtins["path"].package == "path-browserify@^1"
    assert builtins["path"].installed is None
    assert not builtins["fs"].available and builtins["fs"].package is None
    assert builtins["buffer"].package == "buffer@^6"
    assert report.auto_install is False
    assert report.registry.startswith("http://127.0.0.1:")


def test_check_lists_missing_packages_and_unavailable_builtins(
    api: httpx.Client, root: Path
) -> None:
    (root / "needs.ts").write_text(
        "import ms from 'ms@2';\nimport { greet } from 'greet';\nimport fs from 'node:fs';\n"
        "import { join } from 'path';\nreturn [ms, greet, fs, join];\n"
    )
    report = ok(api.post("/dependencies/check", json={"path": "needs.ts"}), CheckReport)
    assert report.scripts == 1 and not report.ok
    found = {(m.specifier, m.package, m.reason, m.installable) for m in report.missing}
    assert found == {
        ("ms@2", "ms@2", "not installed", True),
        ("greet", "greet", "not installed", True),
        ("node:fs", "node:fs", "not available in isolates", False),
        ("path", "path-browserify@^1", "not installed", True),
    }
    assert report.install == ["greet", "ms@2", "path-browserify@^1"]
    # Every script when no path is given.
    everything = ok(api.post("/dependencies/check", json={}), CheckReport)
    assert everything.scripts >= 1
    assert {m.file for m in everything.missing} >= {"needs.ts"}
    (root / "needs.ts").unlink()


def test_check_errors(api: httpx.Client) -> None:
    error(api.post("/dependencies/check", json={"path": "nope.ts"}), 404, "not_found")
    error(api.post("/dependencies/check", json={"path": "../etc/passwd"}), 400, "invalid_path")
    error(api.post("/dependencies/check", json={"bogus": 1}), 422, "validation_error")


def test_install_then_check_is_clean(api: httpx.Client, root: Path) -> None:
    (root / "uses.ts").write_text("import ms from 'ms@2';\nreturn ms(1);\n")
    report = ok(api.post("/dependencies/install", json={"packages": ["ms@2"]}), InstallReport)
    assert report.added == ["ms@2.1.3"] and report.total == 1
    assert report.dependencies == {"ms": "2"}
    assert json.loads((root / "package.json").read_text())["dependencies"] == {"ms": "2"}
    assert (root / "node_modules/ms/index.js").is_file()
    check = ok(api.post("/dependencies/check", json={"path": "uses.ts"}), CheckReport)
    assert check.ok and check.missing == []
    # Again: nothing to do.
    again = ok(api.post("/dependencies/install", json={"packages": ["ms@2"]}), InstallReport)
    assert again.added == []
    (root / "uses.ts").unlink()


def test_install_errors_name_the_package_and_change_nothing(
    api: httpx.Client, root: Path, registry: FakeRegistry
) -> None:
    before = snapshot(root)
    body = error(
        api.post("/dependencies/install", json={"packages": ["no-such-pkg"]}),
        424,
        "package_not_found",
    )
    assert body["details"] == {"package": "no-such-pkg", "reason": "not found"}
    assert "no-such-pkg" in body["message"]
    body = error(
        api.post("/dependencies/install", json={"packages": ["ms@^7"]}),
        424,
        "no_matching_version",
    )
    assert body["details"]["package"] == "ms"
    body = error(
        api.post("/dependencies/install", json={"packages": ["tampered"]}),
        502,
        "integrity_mismatch",
    )
    assert body["details"] == {"package": "tampered@1.0.0", "reason": "integrity mismatch"}
    assert snapshot(root) == before


def test_install_validation(api: httpx.Client, root: Path) -> None:
    before = snapshot(root)
    body = error(
        api.post("/dependencies/install", json={"packages": ["Bad Name", "ms@>>1", "node:fs"]}),
        422,
        "invalid_specifier",
    )
    assert [d["package"] for d in body["details"]] == ["Bad Name", "ms@>>1", "node:fs"]
    error(api.post("/dependencies/install", json={"packages": []}), 422, "validation_error")
    error(api.post("/dependencies/install", json={}), 422, "validation_error")
    assert snapshot(root) == before


def test_validate_dependencies_gives_file_and_line(api: httpx.Client, root: Path) -> None:
    (root / "helper.ts").write_text("export const x = 1;\n")
    (root / "broken.ts").write_text(
        "import { x } from './helper';\n"
        "// a comment\n"
        "import { greet } from 'greet';\n"
        "import fs from 'node:fs';\n"
        "return [x, greet, fs];\n"
    )
    (root / "relative.ts").write_text("import { y } from './missing-file';\nreturn y;\n")
    report = ok(
        api.post("/validate/dependencies", json={"path": "broken.ts"}), ValidateDependenciesReport
    )
    assert not report.ok and report.scripts == 1
    problems = {(p.specifier, p.kind, p.line, p.package) for p in report.problems}
    assert ("greet", "missing_package", 3, "greet") in problems
    assert ("node:fs", "unavailable_builtin", 4, None) in problems
    assert all(p.file == "broken.ts" for p in report.problems)
    rel = ok(
        api.post("/validate/dependencies", json={"path": "relative.ts"}),
        ValidateDependenciesReport,
    )
    assert [(p.kind, p.line, p.specifier) for p in rel.problems] == [
        ("unresolved", 1, "./missing-file")
    ]
    clean = ok(
        api.post("/validate/dependencies", json={"path": "helper.ts"}), ValidateDependenciesReport
    )
    assert clean.ok and clean.problems == []
    everything = ok(api.post("/validate/dependencies", json={}), ValidateDependenciesReport)
    assert {p.file for p in everything.problems} >= {"broken.ts", "relative.ts"}
    error(api.post("/validate/dependencies", json={"path": "none.ts"}), 404, "not_found")
    for name in ("helper.ts", "broken.ts", "relative.ts"):
        (root / name).unlink()


def test_operations_are_in_the_openapi_document(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    paths = document["paths"]
    assert "get" in paths["/api/v1/exec/dependencies/bundled"]
    for path in ("check", "install"):
        assert "post" in paths[f"/api/v1/exec/dependencies/{path}"]
    assert "post" in paths["/api/v1/exec/validate/dependencies"]
    responses = paths["/api/v1/exec/dependencies/install"]["post"]["responses"]
    assert {"200", "424", "502"} <= set(responses)


def test_validate_dependencies_of_inline_content(api: httpx.Client, root: Path) -> None:
    source = (
        "// inline\nimport { greet } from 'greet';\nimport { y } from './nowhere';\n"
        "return [greet, y];\n"
    )
    report = ok(
        api.post("/validate/dependencies", json={"content": source, "filename": "inline.ts"}),
        ValidateDependenciesReport,
    )
    assert not report.ok and report.scripts == 1
    assert ("inline.ts", 2, "greet", "missing_package") in {
        (p.file, p.line, p.specifier, p.kind) for p in report.problems
    }
    assert all(".validate-" not in p.message and p.file == "inline.ts" for p in report.problems)
    assert not [p for p in root.iterdir() if p.name.startswith(".validate-")]
    error(
        api.post("/validate/dependencies", json={"content": "return 1;", "filename": "a/b.ts"}),
        400,
        "invalid_filename",
    )
    error(
        api.post("/validate/dependencies", json={"content": "return 1;", "path": "x.ts"}),
        422,
        "validation_error",
    )
