"""POST /validate/typescript over real HTTP against a running server."""

from __future__ import annotations

import httpx
import pytest

from api.conftest import error, ok
from hoody_exec.api.typescript import TypeScriptValidation
from hoody_exec.typecheck import TYPESCRIPT_VERSION
from integration.conftest import start_server
from typecheck.conftest import ADMIN_TOKEN

network = pytest.mark.network


@network
def test_path_of_a_clean_script(ts_api: httpx.Client):
    result = ok(ts_api.post("/validate/typescript", json={"path": "good.ts"}), TypeScriptValidation)
    assert result.ok and result.wrapped and result.diagnostics == []
    assert (result.filename, result.typescript_version) == ("good.ts", TYPESCRIPT_VERSION)
    assert (result.errors, result.warnings) == (0, 0)


@network
def test_path_with_a_type_error(ts_api: httpx.Client):
    result = ok(ts_api.post("/validate/typescript", json={"path": "bad.ts"}), TypeScriptValidation)
    assert not result.ok and result.errors == 1
    (d,) = result.diagnostics
    assert (d.code, d.category, d.file, d.line, d.column) == (2322, "error", "bad.ts", 1, 7)
    assert d.message == "Type 'string' is not assignable to type 'number'."


@network
def test_inline_content_with_relative_and_package_imports(ts_api: httpx.Client):
    content = (
        'import { greet } from "typed";\n'
        'import { add } from "./_lib/math";\n'
        "const s: string = greet(String(add(1, 2)));\n"
        "return s.length > 2 ? s : add(s, 1);\n"
    )
    response = ts_api.post(
        "/validate/typescript", json={"content": content, "filename": "inline.ts"}
    )
    result = ok(response, TypeScriptValidation)
    assert result.filename == "inline.ts"
    assert [(d.code, d.file, d.line, d.column) for d in result.diagnostics] == [
        (2345, "inline.ts", 4, 31)
    ]
    default_name = ok(
        ts_api.post("/validate/typescript", json={"content": "return 1;"}), TypeScriptValidation
    )
    assert default_name.ok and default_name.filename == "script.ts"


@network
def test_errors(ts_api: httpx.Client):
    error(ts_api.post("/validate/typescript", json={"path": "missing.ts"}), 404)
    error(ts_api.post("/validate/typescript", json={"path": "../outside.ts"}), 400)
    error(ts_api.post("/validate/typescript", json={"path": ".hoody/admin-token"}), 403)
    error(ts_api.post("/validate/typescript", json={}), 422, "validation_error")
    both = {"path": "good.ts", "content": "return 1"}
    error(ts_api.post("/validate/typescript", json=both), 422, "validation_error")
    error(
        ts_api.post("/validate/typescript", json={"content": "1", "filename": "../x.ts"}),
        400,
        "invalid_filename",
    )


@network
def test_needs_the_admin_token(ts_server):
    response = httpx.post(
        f"{ts_server.url}/api/v1/exec/validate/typescript", json={"content": "return 1"}
    )
    error(response, 401, "unauthorized")


@network
def test_in_the_openapi_document(ts_api: httpx.Client):
    document = ts_api.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/exec/validate/typescript"]["post"]
    assert "503" in operation["responses"]


def test_unavailable_typescript_is_a_503(tmp_path_factory: pytest.TempPathFactory):
    """No TypeScript in the (empty) tools folder and no registry to install it from:
    the compiler is installed from the server's own `--npm-registry`."""
    root = tmp_path_factory.mktemp("no-ts-scripts")
    logs = tmp_path_factory.mktemp("no-ts-logs") / "server.log"
    env = {"HOODY_EXEC_CACHE_DIR": str(tmp_path_factory.mktemp("empty-cache"))}
    refused = "http://127.0.0.1:9/"  # the discard port: connections are refused
    server = start_server(
        root, logs, "--admin-token", ADMIN_TOKEN, "--npm-registry", refused, env=env
    )
    try:
        response = server.client.post(
            "/api/v1/exec/validate/typescript",
            json={"content": "return 1;"},
            headers={"x-token": ADMIN_TOKEN},
        )
        details = error(response, 503, "typescript_unavailable")
        assert TYPESCRIPT_VERSION in details["message"]
    finally:
        server.stop()
