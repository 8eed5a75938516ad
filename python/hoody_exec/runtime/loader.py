"""Script loading: source → magic comments + bundle, cached per file version.

A cached script stays valid while every file it was built from has the same
stat signature (inode, size, mtime); a changed signature with unchanged content
(a `touch`) only refreshes the signatures. Checking on every request makes a
saved file apply on the very next request, even before the watcher's event.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hoody_exec.runtime import native
from hoody_exec.runtime.limits import ScriptLoadFailed
from hoody_exec.runtime.protocol import INJECTED
from hoody_exec.scripts import MagicCommentError, MagicComments, parse_magic_comments

# NOTE: a failed load is retried at most this often (unless the watcher reports a
# change first): a missing import may appear without the entry file changing.
FAILURE_RETRY_SECONDS = 1.0

StatSignature = tuple[int, int, int]

# Builds retried when a file changes while it is read (an editor saving mid-build).
BUILD_ATTEMPTS = 3


class _ChangedWhileBuilding(Exception):
    pass


def stat_signature(path: str) -> StatSignature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class _Input:
    path: str
    sha256: str
    signature: StatSignature | None


@dataclass
class LoadedScript:
    """A script ready to run: its settings and its isolate-ready program."""

    file: str  # module id relative to the root
    magic: MagicComments
    code: str
    source_map: str
    hash: str  # the bundle's hash: identifies the program a worker isolate runs
    style: str
    inputs: list[_Input] = field(default_factory=list)
    loaded_at: float = field(default_factory=time.monotonic)

    def is_fresh(self) -> bool:
        return all(stat_signature(i.path) == i.signature for i in self.inputs)

    def refresh_if_unchanged(self) -> bool:
        """True if every changed input still has its old content (signatures renewed)."""
        for item in self.inputs:
            signature = stat_signature(item.path)
            if signature == item.signature:
                continue
            if signature is None or _sha256_file(item.path) != item.sha256:
                return False
            item.signature = signature
        return True

    def depends_on(self, path: str) -> bool:
        return any(item.path == path for item in self.inputs)


@dataclass(frozen=True)
class Cleared:
    bundles: list[str]
    failures: int
    pending: list[str]


@dataclass
class _Failure:
    error: ScriptLoadFailed
    entry_signature: StatSignature | None
    at: float

    def is_fresh(self, entry: str) -> bool:
        return (
            stat_signature(entry) == self.entry_signature
            and time.monotonic() - self.at < FAILURE_RETRY_SECONDS
        )


def _sha256_file(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class ScriptLoader:
    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.root = root.resolve()
        self.env = dict(env)
        self._scripts: dict[str, LoadedScript] = {}
        self._failures: dict[str, _Failure] = {}
        self._pending: dict[str, asyncio.Task[LoadedScript]] = {}
        # Bumped by clear(): a build that started before keeps no result.
        self._generation = 0

    def cached(self, file: str) -> LoadedScript | None:
        return self._scripts.get(file)

    async def load(self, file: str) -> LoadedScript:
        """The script for `file` (relative to the root); raises ScriptLoadFailed."""
        script = self._scripts.get(file)
        if script is not None and (script.is_fresh() or script.refresh_if_unchanged()):
            return script
        failure = self._failures.get(file)
        if failure is not None and failure.is_fresh(str(self.root / file)):
            raise failure.error
        task = self._pending.get(file) or self._start_build(file)
        # Shielded: one caller timing out must not cancel the build the others await.
        return await asyncio.shield(task)

    def preload(self, file: str) -> None:
        """Start building `file` now (a watcher event), without waiting for it.

        NOTE: a build already running may have read the file before this change;
        a new one replaces it, so nobody can be handed the old content as new.
        """
        self._start_build(file)

    def _start_build(self, file: str) -> asyncio.Task[LoadedScript]:
        task = asyncio.get_running_loop().create_task(self._build(file))
        self._pending[file] = task
        task.add_done_callback(_consume_failure)
        task.add_done_callback(lambda t: self._forget_pending(file, t))
        return task

    def _forget_pending(self, file: str, task: asyncio.Task[LoadedScript]) -> None:
        if self._pending.get(file) is task:
            del self._pending[file]

    def invalidate(self, paths: Iterable[Path]) -> list[str]:
        """Forget scripts built from any of `paths`; returns the affected files."""
        changed = {str(Path(p).resolve()) for p in paths}
        affected = [
            file
            for file, script in self._scripts.items()
            if any(script.depends_on(path) for path in changed)
        ]
        for file in affected:
            del self._scripts[file]
        self._failures.clear()
        return affected

    def clear(self, file: str | None = None) -> Cleared:
        """Forget compiled bundles, remembered failures and builds in progress
        (all, or `file`'s): the next request builds again from the files.

        NOTE: a build in progress is not cancelled (requests may be awaiting it);
        it is only no longer handed to new requests, nor cached when it ends.
        """
        if file is None:
            bundles = sorted(self._scripts)
            failures = len(self._failures)
            pending = sorted(self._pending)
            self._scripts.clear()
            self._failures.clear()
            self._pending.clear()
        else:
            bundles = [file] if self._scripts.pop(file, None) is not None else []
            failures = 1 if self._failures.pop(file, None) is not None else 0
            pending = [file] if self._pending.pop(file, None) is not None else []
        self._generation += 1
        return Cleared(bundles, failures, pending)

    def set_env(self, env: Mapping[str, str]) -> None:
        """New allowed environment (`.env` changed): every script reloads (tokens)."""
        self.env = dict(env)
        self._scripts.clear()
        self._failures.clear()

    async def _build(self, file: str) -> LoadedScript:
        entry = self.root / file
        signature = stat_signature(str(entry))
        generation = self._generation
        try:
            script = await asyncio.to_thread(self._build_until_stable, file)
        except ScriptLoadFailed as error:
            if generation == self._generation:
                self._failures[file] = _Failure(error, signature, time.monotonic())
                self._scripts.pop(file, None)
            raise
        if generation == self._generation:
            self._failures.pop(file, None)
            self._scripts[file] = script
        return script

    def _build_until_stable(self, file: str) -> LoadedScript:
        for _ in range(BUILD_ATTEMPTS - 1):
            try:
                return self._build_sync(file)
            except _ChangedWhileBuilding:
                continue
        try:
            return self._build_sync(file)
        except _ChangedWhileBuilding:
            raise ScriptLoadFailed(
                f"{file}: its files kept changing while it was being built; try again",
                script=file,
                problems=[],
            ) from None

    def _build_sync(self, file: str) -> LoadedScript:
        entry = self.root / file
        try:
            raw = entry.read_bytes()
        except OSError as error:
            raise ScriptLoadFailed(
                f"{file}: cannot read the script: {error.strerror}", script=file, problems=[]
            ) from error
        source = raw.decode("utf-8", errors="replace")
        try:
            magic = parse_magic_comments(source, env=self.env, filename=file)
        except MagicCommentError as error:
            raise ScriptLoadFailed(
                str(error),
                script=file,
                problems=[
                    {
                        "line": p.line,
                        "comment": p.comment,
                        "value": p.value,
                        "message": p.message,
                        "allowed": p.allowed,
                    }
                    for p in error.problems
                ],
            ) from error
        try:
            built = native.bundle(str(self.root), file, injected=INJECTED)
        except native.TranspileError as error:
            problems = [
                {"file": i.filename, "line": i.line, "column": i.column, "message": i.message}
                for i in error.errors
            ]
            lines = "\n".join(
                f"  {i.filename}:{i.line}:{i.column}: {i.message}" for i in error.errors
            )
            raise ScriptLoadFailed(
                f"{file}: syntax errors:\n{lines}", script=file, problems=problems
            ) from error
        except native.BundleError as error:
            raise ScriptLoadFailed(
                f"{error.filename}:{error.line}:{error.column}: {error}",
                script=file,
                problems=[
                    {
                        "file": error.filename,
                        "line": error.line,
                        "column": error.column,
                        "message": str(error),
                        "specifier": error.specifier,
                    }
                ],
            ) from error
        # NOTE: the signature is taken before the content is checked again, so a
        # file saved while the bundler read it is caught now or on the next request.
        inputs = [_Input(path, sha, stat_signature(path)) for path, sha in built.inputs]
        if any(_sha256_file(item.path) != item.sha256 for item in inputs):
            raise _ChangedWhileBuilding(file)
        if not any(item.path == str(entry) for item in inputs):
            inputs.append(
                _Input(str(entry), hashlib.sha256(raw).hexdigest(), stat_signature(str(entry)))
            )
        return LoadedScript(
            file=file,
            magic=magic,
            code=built.code,
            source_map=built.map,
            hash=built.hash,
            style=built.style,
            inputs=inputs,
        )


def _consume_failure(task: asyncio.Task[LoadedScript]) -> None:
    # A preload that fails is reported when a request asks for the script.
    if not task.cancelled():
        task.exception()
