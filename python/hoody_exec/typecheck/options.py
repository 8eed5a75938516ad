"""Compiler options, library files and position mapping: the pure-Python parts of
the checker (tested without TypeScript or the network)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "COMPILER_OPTIONS",
    "LIBS",
    "Wrap",
    "lib_closure",
    "line_column",
    "map_offset",
]

# The `lib` entries: ECMAScript 2023 plus TypeScript's web-worker declarations,
# the closest standard set to the isolate's Web API prelude; the checker cuts the
# worker globals the runtime lacks (docs/typescript.md).
LIBS: tuple[str, ...] = ("es2023", "webworker", "webworker.iterable", "webworker.asynciterable")

# tsconfig.json-style options (the isolate converts them with the compiler's own
# parser). Choices are explained in docs/typescript.md.
COMPILER_OPTIONS: dict[str, Any] = {
    "target": "es2022",
    "module": "esnext",
    "moduleResolution": "bundler",
    "moduleDetection": "force",
    "lib": list(LIBS),
    # strict, but an untyped parameter or an npm package without types is `any`
    # rather than an error (scripts are often quick and untyped).
    "strict": True,
    "noImplicitAny": False,
    "noEmit": True,
    "allowJs": True,
    "checkJs": False,
    "jsx": "preserve",
    "allowImportingTsExtensions": True,
    "resolveJsonModule": True,
    "esModuleInterop": True,
    "skipLibCheck": True,
    # NOTE: no automatic inclusion of every node_modules/@types package: the
    # in-memory host cannot list folders, and a script gets types for what it imports.
    "types": [],
    # `import api from 'sdk:<id>'`: the module sdk/import generated (relative to the
    # compiler host's current directory, the scripts folder).
    "paths": {"sdk:*": ["./.hoody/sdk/*/index.ts"]},
}

_REFERENCE_LIB = re.compile(r'^/// <reference lib="([^"]+)" />', re.MULTILINE)


def lib_closure(read: Callable[[str], str], roots: tuple[str, ...] = LIBS) -> dict[str, str]:
    """Every `lib.<name>.d.ts` file the `roots` need (following `/// <reference lib>`),
    file name → text; `read(file_name)` returns a file's text."""
    out: dict[str, str] = {}
    pending = [f"lib.{name.lower()}.d.ts" for name in roots]
    while pending:
        name = pending.pop()
        if name in out:
            continue
        text = read(name)
        out[name] = text
        pending.extend(f"lib.{ref.lower()}.d.ts" for ref in _REFERENCE_LIB.findall(text))
    return out


@dataclass(frozen=True, slots=True)
class Wrap:
    """The checked text had `length` UTF-16 units inserted at `at` (body wrapper)."""

    at: int
    length: int


def map_offset(offset: int, wrap: Wrap | None, original_length: int) -> int:
    """An offset in the checked text → the offset in the original (UTF-16 units).
    Inside the inserted opening → its insertion point; in the appended closing →
    the end of the original text."""
    if wrap is None or offset < wrap.at:
        return offset
    if offset < wrap.at + wrap.length:
        return wrap.at
    return min(offset - wrap.length, original_length)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a UTF-16 `offset` (the compiler's unit) in `text`.
    The column counts code points, like the swc-based checks."""
    prefix = text.encode("utf-16-le")[: 2 * max(offset, 0)].decode("utf-16-le", errors="ignore")
    line_start = max(prefix.rfind("\n"), prefix.rfind("\r")) + 1
    # NOTE: "\r\n" counts once; a lone "\r" is a line break as for the compiler.
    line = prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1
    return line, len(prefix) - line_start + 1
