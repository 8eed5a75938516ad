"""The CLI commands (SPEC §8): routes, validate, run."""

from .conftest import FIXTURES, run_cli


def test_routes_prints_the_table():
    result = run_cli("routes", str(FIXTURES / "routing"))
    assert result.returncode == 0, result.stderr
    assert "/users/[id]" in result.stdout and "users/[id].ts" in result.stdout
    assert "_private" not in result.stdout
    assert "twin.js: shadowed by twin.ts" in result.stderr


def test_validate_ok():
    result = run_cli("validate", str(FIXTURES / "responses" / "object.ts"))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_validate_reports_each_problem_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.ts"
    bad.write_text("// @mode turbo\n// @timeout soon\nconst x = ;\n")
    result = run_cli("validate", str(bad), str(FIXTURES / "responses" / "object.ts"))
    assert result.returncode == 1
    assert f"{bad}:1: @mode turbo" in result.stderr
    assert f"{bad}:2: @timeout soon" in result.stderr
    assert f"{bad}:3:" in result.stderr


def test_run_prints_status_headers_and_body():
    result = run_cli("run", str(FIXTURES / "responses" / "object.ts"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP 200")
    assert "content-type: application/json" in result.stdout
    assert '{"message":"hi","n":1}' in result.stdout


def test_run_with_method_header_body_and_params():
    result = run_cli(
        "run",
        str(FIXTURES / "request" / "echo.ts"),
        "--method",
        "POST",
        "--header",
        "content-type: application/json",
        "--header",
        "x-demo: cli",
        "--body",
        '{"a": 1}',
    )
    assert result.returncode == 0, result.stderr
    assert '"method":"POST"' in result.stdout
    assert '"header":"cli"' in result.stdout
    assert '"body":{"a":1}' in result.stdout


def test_run_reports_errors_with_exit_code():
    result = run_cli("run", str(FIXTURES / "errors" / "throw.ts"))
    assert result.returncode == 1
    assert "HTTP 500" in result.stdout and '"line":7' in result.stdout


def test_every_example_validates():
    examples = sorted(str(p) for p in (FIXTURES.parents[2] / "examples").rglob("*.ts"))
    result = run_cli("validate", *examples)
    assert result.returncode == 0, result.stderr
