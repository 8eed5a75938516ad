"""validate: script, syntax, return-type, magic-comments (by path or inline content)."""

from __future__ import annotations

import pytest

from api.conftest import error, ok
from hoody_exec.api.models import (
    MagicValidation,
    ReturnTypeResult,
    ScriptValidation,
    SyntaxResult,
)


def test_syntax_reports_every_error_with_position(api):
    result = ok(
        api.post(
            "/validate/syntax",
            json={"content": "const a;\nconst b = 1;\nconst c;\n", "filename": "x.ts"},
        ),
        SyntaxResult,
    )
    assert not result.ok and len(result.errors) >= 2
    first = result.errors[0]
    assert (first.line, first.column) == (1, 7) and "^" in first.frame
    assert result.errors[1].line == 3
    assert ok(api.post("/validate/syntax", json={"content": "return 1"}), SyntaxResult).ok
    by_path = ok(api.post("/validate/syntax", json={"path": "errors/syntax.ts"}), SyntaxResult)
    assert not by_path.ok and by_path.filename == "syntax.ts"


def test_source_must_be_path_xor_content(api):
    error(api.post("/validate/syntax", json={}), 422, "validation_error")
    error(api.post("/validate/syntax", json={"path": "a.ts", "content": "1"}), 422)
    error(api.post("/validate/syntax", json={"content": "1", "filename": "../x.ts"}), 400)
    error(api.post("/validate/syntax", json={"content": "1", "filename": "x.py"}), 400)
    error(api.post("/validate/syntax", json={"path": "missing.ts"}), 404)


@pytest.mark.parametrize(
    ("source", "ok_", "style", "kinds"),
    [
        ("return { a: 1 }", True, "body", ["value"]),
        ("if (x) { return 'a' }\nreturn new Response('b')", True, "body", ["value", "value"]),
        ("const f = () => { return () => 1 };\nreturn f()", True, "body", ["value"]),
        ("return () => 1", False, "body", ["function"]),
        ("return class {}", False, "body", ["class"]),
        ("return Symbol('x')", False, "body", ["symbol"]),
        ("export default async (request: Request) => new Response('x')", True, "module", []),
        (
            "export default { async fetch(request) { return new Response('x') } }",
            True,
            "module",
            [],
        ),
        ("export default { a: 1 }", False, "module", []),
        ("export default class Handler {}", False, "module", []),
        ("export default 42", False, "module", []),
        ("function handler(r: Request) { return 1 }\nexport default handler", True, "module", []),
        ("const s = '}' + `${'{'}`; const r = /[}]/;\nreturn s", True, "body", ["value"]),
    ],
)
def test_return_type_rule(api, source, ok_, style, kinds):
    result = ok(api.post("/validate/return-type", json={"content": source}), ReturnTypeResult)
    assert (result.ok, result.style) == (ok_, style), result.problems
    assert [r.kind for r in result.returns] == kinds
    assert result.rule


def test_return_type_positions_are_in_the_original_source(api):
    source = "// @mode serverless\nconst n: number = 1;\n\nif (n) {\n  return () => n;\n}\n"
    result = ok(api.post("/validate/return-type", json={"content": source}), ReturnTypeResult)
    assert (result.returns[0].line, result.returns[0].column) == (5, 3)


def test_return_type_warnings_and_named_exports(api):
    silent = ok(api.post("/validate/return-type", json={"content": "log('x')"}), ReturnTypeResult)
    assert (
        silent.ok
        and silent.problems[0].severity == "warning"
        and "204" in silent.problems[0].message
    )
    named = ok(
        api.post("/validate/return-type", json={"content": "export const x = 1"}), ReturnTypeResult
    )
    assert not named.ok and "export default" in named.problems[0].message
    error(api.post("/validate/return-type", json={"content": "return {"}), 422, "syntax_error")
    fixture = ok(
        api.post("/validate/return-type", json={"path": "styles/module_fetch.ts"}), ReturnTypeResult
    )
    assert fixture.ok and fixture.style == "module"


def test_magic_comments(api):
    good = ok(
        api.post(
            "/validate/magic-comments",
            json={"content": "// @mode worker\n// @cors *\n// @token s3cret\nreturn 1"},
        ),
        MagicValidation,
    )
    assert good.ok and good.effective is not None and good.effective.mode == "worker"
    assert good.effective.token == "literal"
    assert [c.value for c in good.comments] == ["worker", "*", "<redacted>"]
    bad = ok(
        api.post(
            "/validate/magic-comments",
            json={"content": "// @mode worker\n// @concurrent 2\n// @colour red\nreturn 1"},
        ),
        MagicValidation,
    )
    assert not bad.ok and bad.effective is None
    assert {(p.line, p.comment) for p in bad.problems} == {(2, "@concurrent"), (3, "@colour")}
    env = ok(api.post("/validate/magic-comments", json={"path": "auth/env.ts"}), MagicValidation)
    assert env.ok and env.effective is not None and env.effective.token == "env"


def test_script_runs_every_check_with_a_summary(api):
    good = ok(
        api.post("/validate/script", json={"path": "routing/users/[id].ts"}), ScriptValidation
    )
    assert good.ok and good.summary.errors == 0 and good.route == "/routing/users/[id]"
    assert good.imports is not None and good.imports.ok
    helper = ok(api.post("/validate/script", json={"path": "styles/helper.ts"}), ScriptValidation)
    assert helper.ok and helper.imports is not None and helper.imports.modules
    bad = ok(
        api.post(
            "/validate/script",
            json={"content": "// @mode nope\nimport { x } from './_missing';\nreturn () => x"},
        ),
        ScriptValidation,
    )
    assert not bad.ok
    assert set(bad.summary.failed) == {"magic_comments", "return_type", "imports"}
    assert bad.summary.errors == 3
    assert bad.imports is not None and bad.imports.error is not None
    assert ".validate-" not in bad.imports.error.message
    broken = ok(api.post("/validate/script", json={"content": "return {"}), ScriptValidation)
    assert broken.summary.failed == ["syntax"] and broken.return_type is None
