"""Built-in and custom templates: where they live and what they declare.

Built-ins are package data (`builtin/<name>.ts` + `builtin/<name>.json`).
Custom templates are JSON files in the scripts folder's state folder,
`.hoody/templates/<name>.json`, written atomically, never routed.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hoody_exec.api.auth import STATE_DIR
from hoody_exec.templates.render import (
    DEFAULT_PATTERN,
    TEMPLATE_NAME,
    VARIABLE_NAME,
    VariableSpec,
    placeholders,
)

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
CUSTOM_DIR = "templates"  # below the state folder
MAX_VARIABLES = 32


class Variable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Used as {{name}} in the template; [a-z_][a-z0-9_]*.")
    description: str = Field(default="", max_length=500)
    default: str | None = Field(default=None, description="null: the variable is required.")
    pattern: str = Field(
        default=DEFAULT_PATTERN,
        max_length=500,
        description="A regular expression every value must match in full.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if VARIABLE_NAME.fullmatch(value) is None:
            raise ValueError("a variable name is [a-z_][a-z0-9_]*, at most 64 characters")
        return value

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        return value

    def spec(self) -> VariableSpec:
        return VariableSpec(self.name, self.default, self.pattern)


class TemplateMeta(BaseModel):
    """What a template declares besides its text."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    default_path: str = Field(
        min_length=1,
        max_length=512,
        description="Where generate writes when no path is given; may use {{variables}}.",
    )
    variables: list[Variable] = Field(default_factory=list, max_length=MAX_VARIABLES)
    tags: list[str] = Field(default_factory=list, max_length=16)
    requires: list[str] = Field(
        default_factory=list,
        description="Server features the script needs to do its job (websocket, ai, schedule).",
    )


class Template(BaseModel):
    name: str
    source: Literal["builtin", "custom"]
    meta: TemplateMeta
    content: str
    created: float | None = None
    modified: float | None = None

    def specs(self) -> list[VariableSpec]:
        return [variable.spec() for variable in self.meta.variables]


class StoredTemplate(TemplateMeta):
    """The JSON file of one custom template."""

    name: str
    content: str
    created: float
    modified: float


def declaration_problems(meta: TemplateMeta, content: str) -> list[str]:
    """What is wrong with a template as declared (empty: fine)."""
    problems: list[str] = []
    names = [variable.name for variable in meta.variables]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"variable {name} is declared more than once")
    declared = set(names)
    for where, text in (("content", content), ("default_path", meta.default_path)):
        problems.extend(
            f"{where} uses {{{{{name}}}}}, which is not a declared variable"
            for name in placeholders(text)
            if name not in declared
        )
    for variable in meta.variables:
        if variable.default is not None and not re.fullmatch(variable.pattern, variable.default):
            problems.append(
                f"the default of {variable.name} ({variable.default!r}) does not match "
                f"its pattern {variable.pattern}"
            )
    return problems


def valid_name(name: str) -> bool:
    return TEMPLATE_NAME.fullmatch(name) is not None


@cache
def builtins() -> dict[str, Template]:
    """Every built-in template, by name (read once: package data never changes)."""
    found: dict[str, Template] = {}
    for meta_file in sorted(BUILTIN_DIR.glob("*.json")):
        name = meta_file.stem
        meta = TemplateMeta.model_validate_json(meta_file.read_bytes())
        content = meta_file.with_suffix(".ts").read_text(encoding="utf-8")
        found[name] = Template(name=name, source="builtin", meta=meta, content=content)
    return found


def custom_dir(root: Path) -> Path:
    return root / STATE_DIR / CUSTOM_DIR


def custom_file(root: Path, name: str) -> Path:
    # NOTE: callers check `valid_name` first, so `name` has no '/' or '.'.
    return custom_dir(root) / f"{name}.json"


def load_custom(path: Path) -> Template | None:
    """One stored custom template; None if the file is missing or damaged."""
    try:
        stored = StoredTemplate.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None
    meta = TemplateMeta.model_validate(stored.model_dump(include=set(TemplateMeta.model_fields)))
    return Template(
        name=stored.name,
        source="custom",
        meta=meta,
        content=stored.content,
        created=stored.created,
        modified=stored.modified,
    )


def customs(root: Path) -> dict[str, Template]:
    found: dict[str, Template] = {}
    folder = custom_dir(root)
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(".") or not valid_name(path.stem):
            continue
        template = load_custom(path)
        if template is not None and template.name == path.stem:
            found[template.name] = template
    return found


def find(root: Path, name: str) -> Template | None:
    if not valid_name(name):
        return None
    if name in builtins():
        return builtins()[name]
    return load_custom(custom_file(root, name))


def stored_json(name: str, meta: TemplateMeta, content: str, created: float, now: float) -> bytes:
    stored = StoredTemplate(
        **meta.model_dump(), name=name, content=content, created=created, modified=now
    )
    return json.dumps(stored.model_dump(mode="json"), indent=2).encode("utf-8") + b"\n"
