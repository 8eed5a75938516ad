"""The one import of the native module in the Python layer.

Everything else imports these names from here, so the boundary to the Rust core
is one file (STYLE.md: only runtime/ imports `_native`).
"""

from __future__ import annotations

from hoody_exec._native import (
    FAULT_OP,
    Bundle,
    BundleError,
    CpuLimitExceeded,
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
    engine_threads,
    protection_keys,
    register_source,
    transpile,
    v8_version,
)

__all__ = [
    "FAULT_OP",
    "Bundle",
    "BundleError",
    "CpuLimitExceeded",
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
    "engine_threads",
    "protection_keys",
    "register_source",
    "transpile",
    "v8_version",
]
