"""The template renderer and the custom-template store, without a server."""

from __future__ import annotations

from pathlib import Path

from hoody_exec.api.files import create_exclusive
from hoody_exec.templates import builtins, declaration_problems, render, resolve_values
from hoody_exec.templates.render import VariableSpec, placeholders


def test_render_substitutes_declared_placeholders_once() -> None:
    text = "a={{ a }} b={{b}} again={{a}}"
    assert placeholders(text) == ["a", "b"]
    # A value that looks like a placeholder stays literal: one pass only.
    assert render(text, {"a": "{{b}}", "b": "2"}) == "a={{b}} b=2 again={{b}}"


def test_resolve_values_reports_every_problem() -> None:
    specs = [
        VariableSpec("n", "1", "[0-9]+"),
        VariableSpec("word", None, "[a-z]+"),
        VariableSpec("line", "x", r"[^\r\n]*"),
    ]
    values, problems = resolve_values(specs, {"n": "12"})
    assert [(p.code, p.variable) for p in problems] == [("missing_variable", "word")]
    values, problems = resolve_values(specs, {"n": "1 ", "word": "ok", "line": "a\nb", "x": "?"})
    assert sorted((p.code, p.variable) for p in problems) == [
        ("invalid_variable", "line"),
        ("invalid_variable", "n"),
        ("unknown_variable", "x"),
    ]
    assert values == {"word": "ok"}
    values, problems = resolve_values(specs, {"word": "w" * 1001})
    assert problems[0].code == "invalid_variable" and "longer" in problems[0].message


def test_builtins_are_well_declared() -> None:
    found = builtins()
    assert len(found) >= 8
    for template in found.values():
        assert declaration_problems(template.meta, template.content) == [], template.name
        values, problems = resolve_values(template.specs(), {})
        assert problems == [], template.name  # every built-in works with its defaults
        assert "{{" not in render(template.content, values)


def test_create_exclusive_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "t" / "x.json"
    assert create_exclusive(target, b"first")
    assert not create_exclusive(target, b"second")
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]
