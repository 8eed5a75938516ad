"""Help that reads well at 80 columns.

NOTE: typer (>=0.29) prints a type marker after every value option and argument
(`--env <list[str]>`, `FILES <list[Path]>`) and, with rich installed, boxes that
cut long environment variable names. The app uses click's plain layout
(`rich_markup_mode=None`) and this pass gives every value parameter a plain
metavar instead of the marker, for every command, whoever registered it.
"""

from __future__ import annotations

import re
from typing import Any

# By typer's type label, without its brackets and list[...] wrapper.
_METAVARS = {
    "int": "N",
    "int range": "N",
    "float": "NUMBER",
    "float range": "NUMBER",
    "dir": "DIR",
    "file": "FILE",
    "path": "PATH",
    "bool": "BOOL",
}
_LABEL = re.compile(r"<(?:list\[)?([^\]>]*)\]?>")


def plain_metavars(command: Any, ctx: Any) -> None:
    """Give `command` and every command below it plain metavars (idempotent)."""
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument":
            if param.metavar is None:
                param.metavar = param.name.upper()
            # An argument prints its type label after its name unless told otherwise.
            param.display_type_rich = _no_type
        elif param.metavar is None and not getattr(param, "is_flag", False):
            param.metavar = _metavar(param.display_type(ctx))
    for child in getattr(command, "commands", {}).values():
        plain_metavars(child, ctx)


def _metavar(label: str) -> str:
    match = _LABEL.fullmatch(label)
    kind = match.group(1) if match else ""
    if "|" in kind:  # a choice: its values are the best metavar
        return kind
    return _METAVARS.get(kind.lower(), "TEXT")


def _no_type(ctx: Any) -> None:
    return None
