"""Conventions: the admin token, JSON in and out, errors, limits, path confinement."""

from __future__ import annotations

import os
import shutil
import stat

import httpx
import pytest

from api.conftest import ADMIN_TOKEN, PREFIX, error, ok
from hoody_exec.api.models import HealthResult, ScriptContent
from integration.conftest import start_server


# ---------------------------------------------------------------- auth
def test_health_is_open_and_reports_the_engine(anon):
    health = ok(anon.get("/health"), HealthResult)
    assert health.status == "ok"
    assert health.engine.ready and health.engine.v8_version
    assert health.pool.size >= 0 and health.pool.last_error is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-token": "wrong"},
        {"authorization": "Bearer wrong"},
        {"authorization": f"Basic {ADMIN_TOKEN}"},
        {"authorization": f"Bearer {ADMIN_TOKEN}x"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/scripts/list"),
        ("GET", "/openapi.json"),
        ("POST", "/route/discover"),
        ("GET", "/magic-comments/schema"),
    ],
)
def test_missing_or_wrong_token_is_401(anon, headers, method, path):
    response = anon.request(method, path, headers=headers)
    error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers", [{"x-token": ADMIN_TOKEN}, {"authorization": f"Bearer {ADMIN_TOKEN}"}]
)
def test_bearer_and_x_token_both_work(anon, headers):
    assert anon.get("/scripts/list", headers=headers).status_code == 200


def test_the_token_never_reaches_the_log(api, api_server):
    api.get("/scripts/list")
    api.get("/scripts/read", params={"path": "nope.ts"})
    api_server.wait_for_log("/scripts/read", "404")
    assert ADMIN_TOKEN not in api_server.log_text()


def test_generated_token_is_stored_private_and_printed_once(tmp_path):
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "hello.ts").write_text("return 1")
    first = start_server(root, tmp_path / "first.log")
    try:
        token_file = root / ".hoody" / "admin-token"
        token = token_file.read_text().strip()
        assert len(token) >= 32
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
        assert first.log_text().count(token) == 1  # printed once, by one process
        anon = first.client
        assert anon.get(f"{PREFIX}/scripts/list").status_code == 401
        listed = anon.get(f"{PREFIX}/scripts/list", headers={"x-token": token}).json()
        assert [s["path"] for s in listed["scripts"]] == ["hello.ts"]  # .hoody is not listed
        assert anon.get("/.hoody/admin-token").status_code == 404  # private: not routable
    finally:
        first.stop()
    again = start_server(root, tmp_path / "second.log")
    try:
        assert root.joinpath(".hoody", "admin-token").read_text().strip() == token
        assert token not in again.log_text()  # only at the first start
    finally:
        again.stop()


# ---------------------------------------------------------------- requests
def test_unknown_operation_is_404_and_wrong_method_405(api):
    error(api.get("/scripts/nothing"), 404, "not_found")
    response = api.get("/scripts/write")
    error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"],
    ids=["broken", "array", "string", "bytes", "deeply-nested"],
)
def test_invalid_json_is_400(api, body):
    response = api.post(
        "/scripts/write", content=body, headers={"content-type": "application/json"}
    )
    error(response, 400, "invalid_json")


def test_schema_mismatch_is_422_with_details(api):
    details = error(api.post("/scripts/write", json={"path": "x.ts"}), 422, "validation_error")[
        "details"
    ]
    assert any(d["loc"] == ["content"] for d in details)
    error(api.post("/scripts/write", json={"path": "x.ts", "content": "", "typo": 1}), 422)
    error(api.get("/scripts/read"), 422, "validation_error")


def test_oversized_body_is_413(api):
    big = b'{"path": "big.ts", "content": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    response = api.post("/scripts/write", content=big, headers={"content-type": "application/json"})
    error(response, 413, "payload_too_large")


def test_oversized_script_is_413_and_not_written(api, api_server):
    response = api.post(
        "/scripts/write", json={"path": "big.ts", "content": "x" * (1024 * 1024 + 1)}
    )
    error(response, 413, "payload_too_large")
    assert not (api_server.root / "big.ts").exists()


# ---------------------------------------------------------------- confinement
TRAVERSALS = [
    ("../outside.ts", 400),
    ("a/../../outside.ts", 400),
    ("/etc/passwd", 400),
    ("%2e%2e%2foutside.ts", 400),
    ("%2E%2E/outside.ts", 400),
    ("..%2Foutside.ts", 400),
    ("%252e%252e%252foutside.ts", 400),
    ("..\\outside.ts", 400),
    ("a\\..\\..\\outside.ts", 400),
    ("hello\x00.ts", 400),
    ("C:/windows/x.ts", 400),
    (".hoody/admin-token", 403),
]


@pytest.mark.parametrize(("path", "status"), TRAVERSALS)
def test_traversal_is_refused_on_read(api, path, status):
    error(api.get("/scripts/read", params={"path": path}), status)


@pytest.mark.parametrize(("path", "status"), TRAVERSALS)
def test_traversal_is_refused_on_write_delete_move(api, api_server, path, status):
    error(api.post("/scripts/write", json={"path": path, "content": "return 1"}), status)
    error(api.request("DELETE", "/scripts/delete", json={"path": path}), status)
    error(api.delete("/scripts/delete", params={"path": path}), status)
    error(api.post("/scripts/move", json={"path": "routing/index.ts", "to": path}), status)
    error(api.post("/validate/syntax", json={"path": path}), status)
    assert not (api_server.root.parent / "outside.ts").exists()


def test_query_string_traversal_decoded_once(api, api_server):
    # ?path=%2e%2e%2f… decodes to ../… (refused as '..'); a raw URL keeps encodings intact.
    response = httpx.get(
        f"{api_server.url}{PREFIX}/scripts/read?path=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        headers={"x-token": ADMIN_TOKEN},
    )
    error(response, 400, "invalid_path")


def test_symlink_pointing_out_is_403(api, api_server, tmp_path):
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "s.ts").write_text("return 'secret'")
    link = api_server.root / "escape"
    os.symlink(outside, link)
    file_link = api_server.root / "escape.ts"
    os.symlink(outside / "s.ts", file_link)
    try:
        error(api.get("/scripts/read", params={"path": "escape/s.ts"}), 403, "forbidden_path")
        error(api.get("/scripts/read", params={"path": "escape.ts"}), 403, "forbidden_path")
        error(
            api.post("/scripts/write", json={"path": "escape/new.ts", "content": "1"}),
            403,
            "forbidden_path",
        )
        error(api.request("DELETE", "/scripts/delete", json={"path": "escape/s.ts"}), 403)
        assert not (outside / "new.ts").exists() and (outside / "s.ts").exists()
    finally:
        link.unlink()
        file_link.unlink()
        shutil.rmtree(outside)


def test_symlink_inside_the_folder_is_fine(api, api_server):
    link = api_server.root / "alias.ts"
    os.symlink(api_server.root / "responses" / "object.ts", link)
    try:
        ok(api.get("/scripts/read", params={"path": "alias.ts"}), ScriptContent)
    finally:
        link.unlink()
