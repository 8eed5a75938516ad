"""The one import of the native module in the Python layer.

Everything else imports these names from here, so the boundary to the Rust core
is one file (STYLE.md: only runtime/ imports `_native`).
"""

from __future__ import annotations

from hoody_exec._native import (
    Bundle,
    BundleError,
    EngineError,
    HoodyExecError,
    Isolate,
    IsolatePool,
    IsolateTerminated,
    JsError,
    MemoryLimitExceeded,
    SyntaxIssue,
    TranspileError,
    bundle,
    context_count,
    transpile,
    v8_version,
)

__all__ = [
    "Bundle",
    "BundleError",
    "EngineError",
    "HoodyExecError",
    "Isolate",
    "IsolatePool",
    "IsolateTerminated",
    "JsError",
    "MemoryLimitExceeded",
    "SyntaxIssue",
    "TranspileError",
    "bundle",
    "context_count",
    "transpile",
    "v8_version",
]
