"""A small, safe template renderer: `{{name}}` substitution, nothing else.

No expressions, loops or includes, so rendering can never run code. Only
declared variables are substituted; every value must fully match its
variable's pattern before anything is rendered. Substitution is a single pass,
so a value containing `{{other}}` stays literal text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
VARIABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,63}")
TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# Without a pattern a value may be anything on one line: a line break could end a
# `//` comment and turn the rest of the value into code.
DEFAULT_PATTERN = r"[^\r\n]*"
MAX_VALUE_CHARS = 1000


@dataclass(frozen=True)
class VariableSpec:
    name: str
    default: str | None
    pattern: str


@dataclass(frozen=True)
class RenderProblem:
    """Why a set of values cannot be rendered; `code` is the API error code."""

    code: str  # unknown_variable, missing_variable, invalid_variable
    variable: str
    message: str


def placeholders(text: str) -> list[str]:
    """The variable names used in `text`, in first-use order."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (re.error if it is not a valid regular expression)."""
    return re.compile(pattern)


def resolve_values(
    specs: Iterable[VariableSpec], given: Mapping[str, str]
) -> tuple[dict[str, str], list[RenderProblem]]:
    """The values to render with (defaults filled in) and every problem found."""
    by_name = {spec.name: spec for spec in specs}
    problems = [
        RenderProblem("unknown_variable", name, f"the template declares no variable {name!r}")
        for name in given
        if name not in by_name
    ]
    values: dict[str, str] = {}
    for spec in by_name.values():
        value = given.get(spec.name, spec.default)
        if value is None:
            problems.append(
                RenderProblem(
                    "missing_variable", spec.name, f"{spec.name} is required (no default)"
                )
            )
            continue
        if len(value) > MAX_VALUE_CHARS:
            problems.append(
                RenderProblem(
                    "invalid_variable",
                    spec.name,
                    f"{spec.name} is longer than {MAX_VALUE_CHARS} characters",
                )
            )
            continue
        if compile_pattern(spec.pattern).fullmatch(value) is None:
            problems.append(
                RenderProblem(
                    "invalid_variable",
                    spec.name,
                    f"{spec.name}={value!r} does not match the pattern {spec.pattern}",
                )
            )
            continue
        values[spec.name] = value
    return values, problems


def render(text: str, values: Mapping[str, str]) -> str:
    """`text` with every `{{name}}` replaced; names must all be in `values`."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
