"""Type checking with the real TypeScript compiler inside a warm V8 isolate.

The pinned `typescript` npm package is installed on first use into the user's
tools cache (install.py); the checker isolate (checker.py, js/checker.js) runs
it over an in-memory compiler host with the injected globals of types/hoody.d.ts.
See docs/typescript.md.
"""

from hoody_exec.typecheck.checker import (
    CheckResult,
    Diagnostic,
    TypeChecker,
    TypeCheckError,
    get_checker,
)
from hoody_exec.typecheck.install import (
    TYPESCRIPT_VERSION,
    ensure_typescript,
    installed_typescript,
    tools_dir,
)
from hoody_exec.typecheck.options import COMPILER_OPTIONS, LIBS

__all__ = [
    "COMPILER_OPTIONS",
    "LIBS",
    "TYPESCRIPT_VERSION",
    "CheckResult",
    "Diagnostic",
    "TypeCheckError",
    "TypeChecker",
    "ensure_typescript",
    "get_checker",
    "installed_typescript",
    "tools_dir",
]
