"""The commands of SPEC §8 as a user runs them (subprocesses): --version, new,
openapi, bench, validate on folders, run's folder discovery and streaming, the
problems serve prints, and help that reads at 80 columns."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import cli_env, start_server

SHORT_PYTHON_RUN = ("-s", "1", "--warmup", "0", "--tool", "python")
COMMANDS = ["serve", "run", "routes", "validate", "new", "openapi", "bench", "deps install"]


def cli(*args: str, cwd: Path | None = None, timeout: float = 120, **env: str):
    return subprocess.run(
        [sys.executable, "-m", "hoody_exec.cli", *args],
        capture_output=True,
        text=True,
        env=cli_env(env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def scripts_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text("{}\n")
    (root / "hello.ts").write_text("return { hello: 'world' };\n")
    return root


# ---------------------------------------------------------------- --version, help
def test_version_names_the_package_v8_and_typescript():
    result = cli("--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"hoody-exec \d+\.\d+\.\d+\S*", lines[0])
    assert re.match(r"V8 14\.\d+\.\d+", lines[1])
    assert re.match(r"TypeScript \d+\.\d+\.\d+", lines[2])


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_at_80_columns(command: str):
    result = cli(*command.split(), "--help", COLUMNS="80")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Usage: hoody-exec" in text
    assert max(len(line) for line in text.splitlines()) <= 80, text
    assert not re.search(r"<(list\[|str>|int|float|path|dir>|file>|bool>)", text), text
    assert "…" not in text and "╭" not in text


def test_serve_help_shows_environment_variables_whole():
    text = cli("serve", "--help", COLUMNS="80").stdout
    for name in ("HOODY_EXEC_ADMIN_TOKEN", "HOODY_EXEC_ISOLATE_MEMORY_BUDGET"):
        assert name in text


# ---------------------------------------------------------------- new
def test_new_lists_the_templates():
    result = cli("new", "--list")
    assert result.returncode == 0, result.stderr
    for name in ("hello", "crud", "webhook", "sse"):
        assert re.search(rf"^{name}  \(builtin\)", result.stdout, re.M)
    assert "--var resource=" in result.stdout


def test_new_writes_a_script_that_serves(tmp_path: Path):
    root = scripts_folder(tmp_path)
    result = cli("new", "items", "--template", "crud", "--var", "max_items=2", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "route /items" in result.stdout
    text = (root / "items.ts").read_text()
    assert "shared.items" in text or "items" in text
    assert "2" in text
    run = cli("run", str(root / "items.ts"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("HTTP 200")


def test_new_names_the_route_variable_after_nested_name(tmp_path: Path):
    root = scripts_folder(tmp_path)
    result = cli("new", "api/greet", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "route /api/greet" in result.stdout
    assert (root / "api" / "greet.ts").is_file()


def test_new_refuses_to_overwrite_without_force(tmp_path: Path):
    root = scripts_folder(tmp_path)
    before = (root / "hello.ts").read_text()
    refused = cli("new", "hello", cwd=root)
    assert refused.returncode == 1
    assert "exists; pass --force" in refused.stderr
    assert (root / "hello.ts").read_text() == before
    forced = cli("new", "hello", "--force", "--var", "greeting=Hi", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert "Hi" in (root / "hello.ts").read_text()


def test_new_unknown_template_and_bad_variables_are_usage_errors(tmp_path: Path):
    unknown = cli("new", "x", "--template", "nope", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "no template 'nope'" in unknown.stderr and "new --list" in unknown.stderr
    bad = cli("new", "x", "--var", "greeting=<script>", cwd=tmp_path)
    assert bad.returncode == 2
    assert "does not match the pattern" in bad.stderr
    undeclared = cli("new", "x", "--var", "colour=red", cwd=tmp_path)
    assert undeclared.returncode == 2
    assert "declares no variable 'colour'" in undeclared.stderr
    assert "route, greeting, default_name" in undeclared.stderr
    assert not (tmp_path / "x.ts").exists()


# ---------------------------------------------------------------- openapi
def test_openapi_prints_the_scripts_document(tmp_path: Path):
    root = scripts_folder(tmp_path)
    (root / "users").mkdir()
    (root / "users" / "[id].ts").write_text(
        "// One user by id.\nif (request.method !== 'GET') return 405;\nreturn params.id;\n"
    )
    result = cli("openapi", str(root))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/hello", "/users/{id}"}
    user = document["paths"]["/users/{id}"]
    assert user["get"]["summary"] == "One user by id."
    assert user["parameters"][0]["name"] == "id"


def test_openapi_out_and_management(tmp_path: Path):
    root = scripts_folder(tmp_path)
    out = tmp_path / "spec" / "scripts.json"
    written = cli("openapi", str(root), "--out", str(out), "--title", "Shop")
    assert written.returncode == 0, written.stderr
    assert json.loads(out.read_text())["info"]["title"] == "Shop"
    management = cli("openapi", "--management")
    assert management.returncode == 0, management.stderr
    document = json.loads(management.stdout)
    assert document["info"]["title"] == "hoody-exec management API"
    assert "/api/v1/exec/scripts/list" in document["paths"]
    assert len(document["paths"]) > 50


# ---------------------------------------------------------------- validate
def test_validate_a_folder_reports_its_broken_script(tmp_path: Path):
    root = scripts_folder(tmp_path)
    (root / "_lib").mkdir()
    (root / "_lib" / "util.ts").write_text("export const x = ;\n")
    (root / "nested").mkdir()
    (root / "nested" / "bad.ts").write_text("// @mode turbo\nreturn 1;\n")
    (root / "node_modules" / "p").mkdir(parents=True)
    (root / "node_modules" / "p" / "index.js").write_text("this is not ( javascript")
    result = cli("validate", str(root))
    assert result.returncode == 1
    assert f"{root / '_lib' / 'util.ts'}:1:" in result.stderr
    assert f"{root / 'nested' / 'bad.ts'}:1: @mode turbo" in result.stderr
    assert "node_modules" not in result.stderr


def test_validate_without_arguments_checks_the_current_folder(tmp_path: Path):
    root = scripts_folder(tmp_path)
    assert cli("validate", cwd=root).stdout.strip() == "1 file OK"
    (root / "worse.ts").write_text("return {;\n")
    result = cli("validate", cwd=root)
    assert result.returncode == 1
    assert "worse.ts:1:" in result.stderr


# ---------------------------------------------------------------- run
def test_run_finds_the_scripts_folder_of_a_nested_file(tmp_path: Path):
    root = scripts_folder(tmp_path)
    (root / "_lib").mkdir()
    (root / "_lib" / "greet.ts").write_text("export const greet = (n: string) => `hi ${n}`;\n")
    (root / "api" / "v1").mkdir(parents=True)
    (root / "api" / "v1" / "hi.ts").write_text(
        "import { greet } from '../../_lib/greet';\n"
        "return { text: greet('ann'), path: req.path };\n"
    )
    result = cli("run", str(root / "api" / "v1" / "hi.ts"), cwd=root / "api")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"text":"hi ann"' in result.stdout
    assert '"path":"/api/v1/hi"' in result.stdout


def test_run_prints_a_stream_as_it_arrives(tmp_path: Path):
    root = scripts_folder(tmp_path)
    (root / "ticks.ts").write_text(
        "return (async function* () {\n"
        "  yield 'first';\n"
        "  await new Promise((r) => setTimeout(r, 3000));\n"
        "  yield 'second';\n"
        "})();\n"
    )
    with subprocess.Popen(
        [sys.executable, "-m", "hoody_exec.cli", "run", str(root / "ticks.ts")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=cli_env(),
    ) as process:
        assert process.stdout is not None
        try:
            seen = _read_until(process, b"data: first")
            # The script still waits to yield 'second': the first event was not held back.
            assert process.poll() is None, seen
            assert b"second" not in seen
            rest = process.stdout.read()
        finally:
            if process.poll() is None:
                process.kill()
    assert b"data: second" in rest
    assert process.returncode == 0


def _read_until(process: subprocess.Popen[bytes], needle: bytes, timeout: float = 60) -> bytes:
    assert process.stdout is not None
    fd = process.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no {needle!r} within {timeout} s: {seen!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"the output ended before {needle!r}: {seen!r}"
        seen += chunk
    return seen


# ---------------------------------------------------------------- bench
def test_bench_a_url_prints_the_table(tmp_path: Path):
    root = scripts_folder(tmp_path / "scripts")
    server = start_server(root, tmp_path / "server.log")
    try:
        result = cli("bench", f"{server.url}/hello", "-c", "4", *SHORT_PYTHON_RUN)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    rows = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert set(rows) >= {"target", "load", "requests", "req/s", "p50", "p90", "p99", "errors"}
    assert int(rows["requests"]) > 0
    assert rows["statuses"].startswith("200: ")
    assert rows["errors"] == "0"
    assert rows["load"].startswith("4 connections") and rows["load"].endswith("python")
    p50, p99 = (float(rows[k].split()[0]) for k in ("p50", "p99"))
    assert 0 < p50 <= p99


def test_bench_a_file_serves_it_for_the_run(tmp_path: Path):
    root = scripts_folder(tmp_path)
    (root / "items").mkdir()
    (root / "items" / "[id].ts").write_text("return { id: params.id };\n")
    result = cli("bench", str(root / "items" / "[id].ts"), "--param", "id=7", *SHORT_PYTHON_RUN)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^target\s+GET http://127\.0\.0\.1:\d+/items/7$", result.stdout, re.M)
    assert "serving" in result.stderr


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_bench_uses_wrk_when_installed(tmp_path: Path):
    root = scripts_folder(tmp_path)
    result = cli("bench", str(root / "hello.ts"), "-c", "2", "-s", "1", "--warmup", "0")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^load\s+2 connections, \S+ s, wrk$", result.stdout, re.M)
    assert int(re.search(r"^requests\s+(\d+)", result.stdout, re.M).group(1)) > 0


def test_bench_bad_targets(tmp_path: Path):
    root = scripts_folder(tmp_path)
    (root / "_private.ts").write_text("return 1;\n")
    (root / "[id].ts").write_text("return 1;\n")
    assert "neither a URL nor a file" in cli("bench", str(root / "nope.ts")).stderr
    assert "not routable" in cli("bench", str(root / "_private.ts")).stderr
    assert "needs --param id=VALUE" in cli("bench", str(root / "[id].ts")).stderr
    https = cli("bench", "https://127.0.0.1:1/x", "-s", "0.1")
    assert https.returncode == 2 and "not an http:// URL" in https.stderr
    refused = cli("bench", "http://127.0.0.1:1/x", "-s", "0.5", "--warmup", "0", "--tool", "python")
    assert refused.returncode == 1
    assert re.search(r"^errors\s+connect: \d+", refused.stdout, re.M)


# ---------------------------------------------------------------- serve's problems
def test_serve_prints_scripts_that_do_not_load_at_start_and_on_save(tmp_path: Path):
    root = scripts_folder(tmp_path / "scripts")
    (root / "broken.ts").write_text("// @timeout soon\nreturn 1;\n")
    (root / "needs.ts").write_text("import { z } from 'zod';\nreturn z.string().parse('a');\n")
    server = start_server(root, tmp_path / "server.log", "--no-auto-install")
    try:
        log = server.log_text()
        assert "! broken.ts:1: @timeout soon" in log
        assert "! needs.ts:1: package zod: not installed" in log
        assert "2 scripts will not load until fixed" in log
        server.write("later.ts", "const a = ;\nreturn a;\n")
        assert "! later.ts:1:" in server.wait_for_log("! later.ts:1:", timeout=30)
        server.write("broken.ts", "return 2;\n")
        assert "ok broken.ts: loads again" in server.wait_for_log("loads again", timeout=30)
    finally:
        server.stop()
