"""Static checks of a script without running it (the CLI's `validate`)."""

from __future__ import annotations

from dataclasses import dataclass

from hoody_exec.runtime import native


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    column: int
    message: str


def check_syntax(source: str, filename: str) -> list[SyntaxProblem]:
    """Every syntax error swc recovers from, in source order (empty when fine)."""
    try:
        native.transpile(source, filename)
    except native.TranspileError as error:
        return [SyntaxProblem(i.line, i.column, i.message) for i in error.errors] or [
            SyntaxProblem(error.line, error.column, str(error))
        ]
    return []
