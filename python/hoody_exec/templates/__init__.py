"""Script templates: built-ins shipped as package data, custom ones in `.hoody/templates/`."""

from hoody_exec.templates.catalog import (
    Template,
    TemplateMeta,
    Variable,
    builtins,
    customs,
    declaration_problems,
    find,
)
from hoody_exec.templates.render import RenderProblem, render, resolve_values

__all__ = [
    "RenderProblem",
    "Template",
    "TemplateMeta",
    "Variable",
    "builtins",
    "customs",
    "declaration_problems",
    "find",
    "render",
    "resolve_values",
]
