"""The checker isolate: typescript.js loaded once, a program per check.

One `TypeChecker` per process (`get_checker`) keeps its isolate warm: the
compiler, the parsed library files and every parsed script stay in the isolate,
and an unchanged file is never parsed twice. Files reach the isolate in rounds
(see js/checker.js): the compiler host is synchronous, so when a check asks for
a file the isolate has not seen, the host reads it here and calls again.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import json
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoody_exec.deps import Installer
from hoody_exec.deps.check import PROVIDED_PACKAGES
from hoody_exec.observability import get_logger
from hoody_exec.runtime import native
from hoody_exec.typecheck.install import TYPESCRIPT_VERSION, ensure_typescript
from hoody_exec.typecheck.options import (
    COMPILER_OPTIONS,
    Wrap,
    lib_closure,
    line_column,
    map_offset,
    utf16_length,
)

__all__ = ["CheckResult", "Diagnostic", "TypeCheckError", "TypeChecker", "get_checker"]

# NOTE: typescript.js is ~9 MB of source and the web-worker library files are
# large once parsed: far above a script isolate's cap.
log = get_logger("hoody_exec.typecheck")

MEMORY_LIMIT = 1024 * 1024 * 1024
CHECK_TIMEOUT = 120.0
MAX_ROUNDS = 64
MAX_FILE_BYTES = 16 * 1024 * 1024

LIB_DIR = "/__hoody/lib"
TYPES_DIR = "/__hoody/types"
TYPES_FILES = ("hoody.d.ts",)

_Stamp = tuple[int, int, int] | None


class TypeCheckError(Exception):
    """The checker could not run (TypeScript missing, isolate failure, timeout)."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: int
    category: str  # "error", "warning", "suggestion", "message"
    message: str
    file: str | None  # relative to the scripts folder; a library file's name; None: global
    line: int | None  # 1-based
    column: int | None  # 1-based, in code points

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "category": self.category,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }

    def render(self) -> str:
        where = self.file or "<options>"
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return f"{where} - {self.category} TS{self.code}: {self.message}"


@dataclass(slots=True)
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rounds: int = 0
    wrapped: bool = False  # checked as the body of an async function (top-level return)

    @property
    def ok(self) -> bool:
        return not any(d.category == "error" for d in self.diagnostics)


def _stamp(path: str) -> _Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _confined_stamp(root: str, path: str) -> tuple[str, _Stamp]:
    """The real path and stamp of a regular file whose real path stays in `root`;
    stamp None otherwise (missing, a folder, or a symlink leading out)."""
    real = os.path.realpath(path)
    if not _inside(root, real) or not os.path.isfile(real):
        return real, None
    return real, _stamp(real)


def _read_confined(root: str, path: str) -> tuple[_Stamp, str | None]:
    """A file's stamp and text if it is a regular file inside `root` (see above)."""
    real, stamp = _confined_stamp(root, path)
    if stamp is None or stamp[1] > MAX_FILE_BYTES:
        return stamp, None
    try:
        with open(real, encoding="utf-8", errors="replace") as handle:
            return stamp, handle.read()
    except OSError:
        return None, None


def _is_dir_confined(root: str, path: str) -> bool:
    real = os.path.realpath(path)
    return _inside(root, real) and os.path.isdir(real)


@dataclass(slots=True)
class _Update:
    """Files (path → (stamp, text or None)) and folders (path → exists) to send."""

    files: dict[str, tuple[_Stamp, str | None]] = field(default_factory=dict)
    dirs: dict[str, bool] = field(default_factory=dict)
    forced: bool = False  # asked for by the isolate: send even if already known


async def runtime_globals() -> list[str]:
    """Every global name of an isolate with the Web API prelude: what a script can
    really use (ECMAScript built-ins included)."""
    from hoody_exec.webapi import prelude_source

    code, filename = prelude_source()
    isolate = native.Isolate()
    try:
        await isolate.eval(code, filename)
        names = await isolate.eval("JSON.stringify(Object.getOwnPropertyNames(globalThis))")
    finally:
        isolate.close()
    return sorted(json.loads(str(names)))


class TypeChecker:
    """A warm TypeScript checker. Create with `await TypeChecker.start(package_dir)`."""

    def __init__(
        self, package_dir: Path, isolate: native.Isolate, ai_sdk: Path | None = None
    ) -> None:
        self.package_dir = package_dir
        self._isolate = isolate
        # The pre-bundled AI SDK's folder: readable besides a check's root, and where
        # "ai" resolves (hoody.d.ts declares the `@ai` names with its types).
        self.ai_sdk = os.path.realpath(ai_sdk) if ai_sdk is not None else None
        self._libs: dict[str, str] = {}
        self._types: dict[str, str] = {}
        # What the isolate was told: absolute path → (stamp, text or None).
        self._files: dict[str, tuple[_Stamp, str | None]] = {}
        self._dirs: dict[str, bool] = {}
        self.checks = 0
        # Global names of a runtime isolate, and the web-worker globals cut for lack of them.
        self.runtime_globals: list[str] = []
        self.removed_globals: list[str] = []

    def __repr__(self) -> str:
        return f"TypeChecker(typescript {TYPESCRIPT_VERSION}, isolate {self.isolate_id})"

    @property
    def isolate_id(self) -> int:
        return self._isolate.id

    @property
    def alive(self) -> bool:
        return self._isolate.alive

    def _roots(self, root: str) -> list[str]:
        return [root] if self.ai_sdk is None else [root, self.ai_sdk]

    @classmethod
    async def start(cls, package_dir: Path, ai_sdk: Path | None = None) -> TypeChecker:
        lib = package_dir / "lib"
        code = (lib / "typescript.js").read_text(encoding="utf-8")
        glue = (
            importlib.resources.files(__package__)
            .joinpath("js/checker.js")
            .read_text(encoding="utf-8")
        )
        isolate = native.Isolate(memory_limit=MEMORY_LIMIT)
        checker = cls(package_dir, isolate, ai_sdk)
        try:
            await isolate.eval(code, "typescript.js")
            await isolate.eval(glue, "checker.js")
            libs = await asyncio.to_thread(
                lib_closure, lambda name: (lib / name).read_text(encoding="utf-8")
            )
            checker._libs = {f"{LIB_DIR}/{name}": text for name, text in libs.items()}
            types = importlib.resources.files(__package__).joinpath("types")
            checker._types = {
                f"{TYPES_DIR}/{name}": types.joinpath(name).read_text(encoding="utf-8")
                for name in TYPES_FILES
            }
            checker.runtime_globals = await runtime_globals()
            reply = await checker._call(
                {
                    "op": "init",
                    "globals": checker.runtime_globals,
                    "lib_dir": LIB_DIR,
                    "libs": checker._libs,
                    "types": checker._types,
                    "options": checker._options(),
                    "extra_roots": checker._roots("/")[1:],
                }
            )
            checker.removed_globals = list(reply["removed"])
        except (native.HoodyExecError, OSError) as error:
            isolate.close()
            raise TypeCheckError(f"the checker could not start: {error}") from error
        except BaseException:
            isolate.close()
            raise
        return checker

    def _options(self) -> dict[str, Any]:
        if self.ai_sdk is None:
            return COMPILER_OPTIONS
        modules = os.path.join(self.ai_sdk, "node_modules")
        paths = {name: [os.path.join(modules, name)] for name in PROVIDED_PACKAGES}
        # NOTE: added to the `sdk:*` mapping of the shared options, never replacing it.
        return {**COMPILER_OPTIONS, "paths": {**COMPILER_OPTIONS["paths"], **paths}}

    async def _call(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self._isolate.call(json.dumps(payload)), CHECK_TIMEOUT)
        except TimeoutError:
            self._isolate.terminate()
            raise TypeCheckError(f"the type check took longer than {CHECK_TIMEOUT:.0f} s") from None
        except native.HoodyExecError as error:
            raise TypeCheckError(f"the checker failed: {error}") from error
        return json.loads(raw)

    # NOTE: files are read off the loop (`_scan`, `_read`) but what the isolate was
    # told is updated on the loop right before the call is posted (`_commit`), so
    # concurrent checks post their updates in the order they record them.
    def _scan(self, root: str) -> _Update:
        """Known files and folders of `root` whose state on disk differs from what
        the isolate was told, read again."""
        update = _Update()
        for base in self._roots(root):
            for path, (stamp, _) in list(self._files.items()):
                if _inside(base, path) and _confined_stamp(base, path)[1] != stamp:
                    update.files[path] = _read_confined(base, path)
            for path, exists in list(self._dirs.items()):
                if _inside(base, path) and _is_dir_confined(base, path) != exists:
                    update.dirs[path] = not exists
        return update

    def _read(self, root: str, need: dict[str, list[str]]) -> _Update:
        """What the isolate asked for; anything outside `root` does not exist."""
        update = _Update(forced=True)
        roots = self._roots(root)
        for path in need.get("files", []):
            base = next((r for r in roots if _inside(r, path)), None)
            update.files[path] = _read_confined(base, path) if base else (None, None)
        for path in need.get("dirs", []):
            base = next((r for r in roots if _inside(r, path)), None)
            update.dirs[path] = base is not None and _is_dir_confined(base, path)
        return update

    def _commit(self, update: _Update) -> tuple[dict[str, str | None], dict[str, bool]]:
        files: dict[str, str | None] = {}
        for path, (stamp, text) in update.files.items():
            known = self._files.get(path)
            if update.forced or known is None or known[0] != stamp:
                self._files[path] = (stamp, text)
                files[path] = text
        dirs: dict[str, bool] = {}
        for path, exists in update.dirs.items():
            if update.forced or self._dirs.get(path) != exists:
                self._dirs[path] = exists
                dirs[path] = exists
        return files, dirs

    async def check(self, root: Path, entry: str, text: str | None = None) -> CheckResult:
        """Type-check `entry` (a path relative to `root`) and what it imports. `text`
        replaces the file's content (inline content need not exist on disk)."""
        root_real = os.path.realpath(root)
        entry_path = os.path.normpath(os.path.join(root_real, entry))
        if not _inside(root_real, entry_path):
            raise TypeCheckError(f"{entry} is outside the scripts folder")
        if text is None:
            _, text = _read_confined(root_real, entry_path)
            if text is None:
                raise TypeCheckError(f"cannot read {entry}")
        update = await asyncio.to_thread(self._scan, root_real)
        result = CheckResult()
        while True:
            result.rounds += 1
            if result.rounds > MAX_ROUNDS:
                raise TypeCheckError("the checker kept asking for files; giving up")
            files, dirs = self._commit(update)
            reply = await self._call(
                {
                    "op": "check",
                    "root": root_real,
                    "entry": entry_path,
                    "text": text,
                    "files": files,
                    "dirs": dirs,
                }
            )
            need = reply.get("need")
            if need is None:
                break
            update = await asyncio.to_thread(self._read, root_real, need)
        self.checks = int(reply["checks"])
        wrap = Wrap(**reply["wrap"]) if reply.get("wrap") else None
        result.wrapped = wrap is not None
        result.diagnostics = [
            self._diagnostic(d, root_real, entry_path, entry, text, wrap)
            for d in reply["diagnostics"]
        ]
        return result

    def _diagnostic(
        self,
        raw: dict[str, Any],
        root: str,
        entry_path: str,
        entry: str,
        text: str,
        wrap: Wrap | None,
    ) -> Diagnostic:
        path: str | None = raw.get("file")
        start: int | None = raw.get("start")
        line = column = None
        name: str | None = None
        if path is not None:
            if path == entry_path:
                name, source = entry, text
                if start is not None:
                    start = map_offset(start, wrap, utf16_length(text))
            else:
                source = self._files.get(path, (None, None))[1]
                source = source or self._libs.get(path) or self._types.get(path)
                if _inside(root, path):
                    name = os.path.relpath(path, root)
                else:
                    name = path.rsplit("/", 1)[-1]
            if start is not None and source is not None:
                line, column = line_column(source, start)
        return Diagnostic(
            code=int(raw["code"]),
            category=str(raw["category"]),
            message=str(raw["message"]),
            file=name,
            line=line,
            column=column,
        )

    async def stats(self) -> dict[str, int]:
        """Counters kept inside the isolate (checks, programs, files, parsed)."""
        return await self._call({"op": "stats"})

    def close(self) -> None:
        self._isolate.close()


_checker: TypeChecker | None = None
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


async def _ai_sdk_folder(installer: Installer | None) -> Path | None:
    """The AI SDK's folder (installed if needed); None if it cannot be had, and the
    `@ai` names are then `any` to the checker."""
    from hoody_exec.ai.sdk import ensure_sdk_installed

    try:
        return await ensure_sdk_installed(installer)
    except Exception as error:  # offline and never installed: check without its types
        log.warning("type checks go on without the AI SDK's types", error=str(error))
        return None


async def get_checker(installer: Installer | None = None) -> TypeChecker:
    """The process's warm checker, started (and TypeScript installed, by `installer`:
    a server passes its own, with its registry and cache) on first use; a checker whose
    isolate died (memory cap, timeout) is replaced."""
    global _checker
    lock = _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        if _checker is not None and not _checker.alive:
            _checker = None
        if _checker is None:
            package = await ensure_typescript(installer=installer)
            _checker = await TypeChecker.start(package, await _ai_sdk_folder(installer))
        return _checker
