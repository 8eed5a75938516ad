"""hoody-exec: a folder of TypeScript files becomes a live HTTP API.

The public names: the TypeScript pipeline of the native core (`transpile`,
`bundle`), its error tree (rooted at `HoodyExecError`), and the magic-comment
parser. Importing this package starts no thread and no V8: V8 starts with the
first isolate, after a server has forked its workers.
"""

from __future__ import annotations

from hoody_exec._native import (
    Bundle,
    BundleError,
    CpuLimitExceeded,
    EngineError,
    HoodyExecError,
    IsolateTerminated,
    JsError,
    MemoryLimitExceeded,
    SyntaxIssue,
    Transpiled,
    TranspileError,
    __version__,
    bundle,
    transpile,
)
from hoody_exec.scripts import MagicCommentError, MagicComments, parse_magic_comments

__all__ = [
    "Bundle",
    "BundleError",
    "CpuLimitExceeded",
    "EngineError",
    "HoodyExecError",
    "IsolateTerminated",
    "JsError",
    "MagicCommentError",
    "MagicComments",
    "MemoryLimitExceeded",
    "SyntaxIssue",
    "TranspileError",
    "Transpiled",
    "__version__",
    "bundle",
    "parse_magic_comments",
    "transpile",
]
