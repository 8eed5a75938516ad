"""hoody-exec: a folder of TypeScript files becomes a live HTTP API.

The native names (`transpile`, `bundle` and the error types) are loaded on first
use, so `import hoody_exec` works — and routing, magic comments and the CLI's
`routes` command run — even where the Rust extension is not built yet.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hoody_exec.scripts import MagicCommentError, MagicComments, parse_magic_comments

if TYPE_CHECKING:
    from hoody_exec._native import (
        Bundle,
        BundleError,
        EngineError,
        HoodyExecError,
        IsolateTerminated,
        JsError,
        MemoryLimitExceeded,
        Transpiled,
        TranspileError,
        bundle,
        transpile,
    )

_NATIVE_NAMES = frozenset(
    {
        "Bundle",
        "BundleError",
        "EngineError",
        "HoodyExecError",
        "IsolateTerminated",
        "JsError",
        "MemoryLimitExceeded",
        "Transpiled",
        "TranspileError",
        "bundle",
        "transpile",
    }
)

__all__ = [
    "Bundle",
    "BundleError",
    "EngineError",
    "HoodyExecError",
    "IsolateTerminated",
    "JsError",
    "MagicCommentError",
    "MagicComments",
    "MemoryLimitExceeded",
    "TranspileError",
    "Transpiled",
    "bundle",
    "parse_magic_comments",
    "transpile",
]


def __getattr__(name: str) -> Any:
    if name in _NATIVE_NAMES:
        native = importlib.import_module("hoody_exec._native")
        value = getattr(native, name)
        globals()[name] = value
        return value
    if name == "__version__":
        try:
            from importlib.metadata import version

            return version("hoody-exec")
        except Exception:
            return "0.0.0+unknown"
    raise AttributeError(f"module 'hoody_exec' has no attribute {name!r}")
