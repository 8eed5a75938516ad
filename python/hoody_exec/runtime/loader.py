"""Script loading: source → magic comments + bundle, cached per file version.

A cached script stays valid while every file it was built from has the same
stat signature (inode, size, mtime); a changed signature with unchanged content
(a `touch`) only refreshes the signatures. Who looks is the server's choice
(`recheck_s`): while its file watcher runs, the watcher's events invalidate
scripts and requests make no file-system call; with `--no-reload` nothing is
re-checked; otherwise a request re-checks a script at most every `recheck_s`
seconds (0: on every request).

A changed file is built once it has been left alone for SETTLE_SECONDS: a file
saved in place (truncated, then written, maybe in several calls) is empty or
half-written in between, and a request must never run that state. A build that
still fails, or finds the file empty, while the file changed less than
INTERMEDIATE_SECONDS ago may be such a save pausing longer: the last good build
answers until then (and the failure or the empty script after, if the file is
still the same).

Files under `node_modules/` are not stat'ed on each request (a package can bring
hundreds): while the folder has a `hoody-lock.json`, they are covered by its
signature, which every install rewrites after it has moved packages into place.
Their content still goes into the bundle hash.

A bundle that fails because a package is not installed installs it (when
auto-install is on) and builds again, up to MAX_INSTALL_ROUNDS packages per build.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoody_exec.ai.sdk import SdkBundle, ensure_sdk
from hoody_exec.config import CONFIG_ENV, ServerConfig
from hoody_exec.deps.check import PROVIDED_PACKAGES, SCRIPT_SUFFIXES, unsatisfied_ranges
from hoody_exec.deps.errors import DependencyError
from hoody_exec.deps.lockfile import LOCKFILE_NAME
from hoody_exec.deps.service import DependencyService, http_status
from hoody_exec.observability import get_logger
from hoody_exec.runtime import native
from hoody_exec.runtime.limits import ScriptLoadFailed
from hoody_exec.runtime.protocol import AI_INJECTED, INJECTED
from hoody_exec.scripts import MagicCommentError, MagicComments, parse_magic_comments
from hoody_exec.webapi import gateway

log = get_logger("hoody_exec.loader")

# NOTE: a failed load is retried at most this often (unless the watcher reports a
# change first): a missing import may appear without the entry file changing.
FAILURE_RETRY_SECONDS = 1.0

StatSignature = tuple[int, int, int]

SETTLE_SECONDS = 0.03
# A file that never stops changing is built anyway after this long; requests for a
# script with a last good build wait at most FALLBACK_AFTER_SECONDS for the new one
# and get the last good build after that.
MAX_SETTLE_SECONDS = 1.0
FALLBACK_AFTER_SECONDS = 0.5
INTERMEDIATE_SECONDS = 0.5

_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# Builds retried when a file changes while it is read (an editor saving mid-build).
BUILD_ATTEMPTS = 3

# Packages one build may install, one at a time as the bundler meets them (a script
# importing more than this many uninstalled packages gets them over several requests
# or from `hoody-exec deps install`).
MAX_INSTALL_ROUNDS = 20

_IN_PACKAGES = os.sep + "node_modules" + os.sep
# Module ids of the packages the runtime provides (the bundler's `provided`).
PROVIDED_PREFIX = "<provided>/"


class _ChangedWhileBuilding(Exception):
    pass


class MissingPackage(ScriptLoadFailed):
    """The bundle imports a package that is not in node_modules."""

    def __init__(
        self, message: str, *, script: str, problems: list[dict[str, Any]], package: str
    ) -> None:
        super().__init__(message, script=script, problems=problems)
        self.package = package  # the installer specifier: "zod", "ms@2", "buffer@^6"

    @property
    def code(self) -> str:
        return "missing_package"

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "package": self.package}


class DependencyInstallFailed(ScriptLoadFailed):
    """Installing a package the script imports failed: names the package and why."""

    def __init__(
        self, error: DependencyError, *, script: str, package: str, deps: DependencyService
    ) -> None:
        text = deps.scrub(str(error))
        super().__init__(
            f"{script}: could not install {package}: {text}",
            script=script,
            problems=[{"package": error.package, "reason": error.reason, "message": text}],
        )
        self.status = http_status(error)
        self.package = package
        self.reason = error.reason

    @property
    def code(self) -> str:
        return "dependency_install_failed"

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "package": self.package, "reason": self.reason}


def _service_for(root: Path) -> DependencyService:
    """The install settings of the server serving `root` (its ServerConfig travels to
    worker processes as JSON in the environment); elsewhere (the CLI's `run`, tests)
    installs use the default registry and nothing is installed automatically."""
    raw = os.environ.get(CONFIG_ENV)
    if raw:
        try:
            config: ServerConfig | None = ServerConfig.from_env()
        except Exception:  # a malformed variable is create_app's to report
            config = None
        if config is not None and Path(config.root).resolve() == root:
            return DependencyService(
                root,
                registry=config.npm_registry,
                cache_dir=config.npm_cache_dir,
                auto_install=config.auto_install,
            )
    return DependencyService(root)


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
    modules: list[str] = field(default_factory=list)  # the bundle's module ids
    inputs: list[_Input] = field(default_factory=list)  # stat'ed on every request
    covered: list[_Input] = field(default_factory=list)  # node_modules files: the lockfile's
    loaded_at: float = field(default_factory=time.monotonic)
    checked_at: float = field(default_factory=time.monotonic)  # inputs last stat'ed
    # The pre-bundled AI SDK its isolates evaluate first (`@ai true` with a gateway).
    ai_sdk: SdkBundle | None = None

    def needs_ai_sdk(self) -> bool:
        """`@ai true` on a server with a gateway, or an import of a provided package."""
        if self.magic.ai and gateway.current() is not None:
            return True
        return any(module.startswith(PROVIDED_PREFIX) for module in self.modules)

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
        return any(item.path == path for item in self.inputs) or any(
            item.path == path for item in self.covered
        )


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


@dataclass
class _Provisional:
    """A build of a file changed a moment ago that failed or came out empty: maybe a
    save still in progress. `fallback` (the last good build) answers until `until`;
    after that `outcome` stands, as long as the file has not changed again."""

    outcome: LoadedScript | ScriptLoadFailed
    fallback: LoadedScript
    entry_signature: StatSignature | None
    until: float


def _sha256_file(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class ScriptLoader:
    def __init__(
        self, root: Path, env: Mapping[str, str], deps: DependencyService | None = None
    ) -> None:
        self.root = root.resolve()
        self.env = dict(env)
        self.deps = deps or _service_for(self.root)
        # Seconds between re-checks of a cached script's files; None: never (the
        # watcher's events or a server that does not follow changes).
        self.recheck_s: float | None = 0.0
        self._scripts: dict[str, LoadedScript] = {}
        self._failures: dict[str, _Failure] = {}
        self._pending: dict[str, asyncio.Task[LoadedScript]] = {}
        # The last build that was served as the script's current version, kept across
        # file changes: what answers while a new save settles (see _Provisional).
        self._good: dict[str, LoadedScript] = {}
        self._provisional: dict[str, _Provisional] = {}
        # Bumped by clear(): a build that started before keeps no result.
        self._generation = 0

    def cached(self, file: str) -> LoadedScript | None:
        return self._scripts.get(file)

    async def load(self, file: str) -> LoadedScript:
        """The script for `file` (relative to the root); raises ScriptLoadFailed."""
        script = self._scripts.get(file)
        if script is not None and self._still_fresh(script):
            return script
        settled = self._provisional_answer(file)
        if settled is not None:
            return settled
        failure = self._failures.get(file)
        if failure is not None and failure.is_fresh(str(self.root / file)):
            raise failure.error
        task = self._pending.get(file) or self._start_build(file)
        # Shielded: one caller timing out must not cancel the build the others await.
        previous = self._good.get(file)
        if previous is None:
            return await asyncio.shield(task)
        try:
            async with asyncio.timeout(FALLBACK_AFTER_SECONDS):
                return await asyncio.shield(task)
        except TimeoutError:
            return previous  # a file that keeps changing: the build goes on meanwhile

    def _still_fresh(self, script: LoadedScript) -> bool:
        recheck = self.recheck_s
        if recheck is None:
            return True
        now = time.monotonic()
        if recheck and now - script.checked_at < recheck:
            return True
        if script.is_fresh() or script.refresh_if_unchanged():
            script.checked_at = now
            return True
        return False

    def _provisional_answer(self, file: str) -> LoadedScript | None:
        """The last good build while `file`'s provisional outcome is young; once it
        is not, that outcome (cached, or raised as the failure it is)."""
        provisional = self._provisional.get(file)
        if provisional is None:
            return None
        entry = str(self.root / file)
        if stat_signature(entry) != provisional.entry_signature:
            del self._provisional[file]  # changed again: build the new content
            return None
        if time.monotonic() < provisional.until:
            return provisional.fallback
        del self._provisional[file]
        outcome = provisional.outcome
        if isinstance(outcome, ScriptLoadFailed):
            self._failures[file] = _Failure(outcome, provisional.entry_signature, time.monotonic())
            self._good.pop(file, None)
            raise outcome
        self._keep(file, outcome)
        return outcome

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
        for file in [f for f in self._good if not (self.root / f).is_file()]:
            del self._good[file]
        self._failures.clear()
        self._provisional.clear()
        self.deps.forget_failures()
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
            self._good.clear()
            self._provisional.clear()
        else:
            bundles = [file] if self._scripts.pop(file, None) is not None else []
            failures = 1 if self._failures.pop(file, None) is not None else 0
            pending = [file] if self._pending.pop(file, None) is not None else []
            self._good.pop(file, None)
            self._provisional.pop(file, None)
        self._generation += 1
        # Install failures too: a cleared script tries its missing package again at once.
        self.deps.forget_failures()
        return Cleared(bundles, failures, pending)

    def set_env(self, env: Mapping[str, str]) -> None:
        """New allowed environment (`.env` changed): every script reloads (tokens)."""
        self.env = dict(env)
        self._scripts.clear()
        self._failures.clear()
        self._good.clear()
        self._provisional.clear()

    async def _build(self, file: str) -> LoadedScript:
        entry = str(self.root / file)
        generation = self._generation
        previous = self._good.get(file)
        watched = [entry, *(item.path for item in previous.inputs)] if previous else [entry]
        await _settle(watched)
        signature = stat_signature(entry)
        outcome: LoadedScript | ScriptLoadFailed
        try:
            outcome = await self._build_installing(file)
        except ScriptLoadFailed as error:
            outcome = error
        if generation != self._generation:
            if isinstance(outcome, ScriptLoadFailed):
                raise outcome
            return outcome
        until = _intermediate_until(watched) if previous is not None else None
        if previous is not None and until is not None and _looks_unfinished(outcome, entry):
            self._provisional[file] = _Provisional(outcome, previous, signature, until)
            self._scripts.pop(file, None)
            log.info(
                "a changed script failed to build or is empty a moment after it was saved; "
                "its last good build answers while the save settles",
                script=file,
                error=outcome.message if isinstance(outcome, ScriptLoadFailed) else "empty file",
            )
            return previous
        self._provisional.pop(file, None)
        if isinstance(outcome, ScriptLoadFailed):
            self._failures[file] = _Failure(outcome, signature, time.monotonic())
            self._scripts.pop(file, None)
            self._good.pop(file, None)
            raise outcome
        self._keep(file, outcome)
        return outcome

    def _keep(self, file: str, script: LoadedScript) -> None:
        self._failures.pop(file, None)
        self._scripts[file] = script
        self._good[file] = script

    async def _build_installing(self, file: str) -> LoadedScript:
        """Build; each time the bundler reports a package missing, install it (shared
        with every other build waiting for the same package) and build again."""
        installed: set[str] = set()
        while True:
            try:
                script = await asyncio.to_thread(self._build_until_stable, file)
                if script.needs_ai_sdk():
                    script.ai_sdk = await self._ai_sdk(file)
                return script
            except MissingPackage as missing:
                if not self.deps.auto_install:
                    raise ScriptLoadFailed(
                        f"{missing.message} (automatic installs are off: "
                        f"run `hoody-exec deps install {self.root} {missing.package}`)",
                        script=file,
                        problems=missing.problems,
                    ) from missing
                # The same package missing again after its install: the bundler wants
                # something the installed package does not provide; installing again
                # would not change that.
                if missing.package in installed or len(installed) >= MAX_INSTALL_ROUNDS:
                    raise
                installed.add(missing.package)
                started = time.monotonic()
                log.info("installing a package", package=missing.package, script=file)
                try:
                    result = await self.deps.ensure(missing.package)
                except DependencyError as error:
                    failed = DependencyInstallFailed(
                        error, script=file, package=missing.package, deps=self.deps
                    )
                    log.warning(
                        "package install failed",
                        package=missing.package,
                        script=file,
                        reason=error.reason,
                        error=failed.problems[0]["message"],
                    )
                    raise failed from error
                log.info(
                    "package installed",
                    package=missing.package,
                    script=file,
                    added=len(result.added),
                    total=result.total,
                    duration_ms=round((time.monotonic() - started) * 1000, 1),
                )
                # Other scripts may have failed for this same package a moment ago.
                self._failures.clear()

    async def _ai_sdk(self, file: str) -> SdkBundle:
        """The SDK an `@ai` script needs, installed on first use (shared by all)."""
        try:
            return await ensure_sdk(installer=self.deps.installer)
        except DependencyError as error:
            raise DependencyInstallFailed(
                error, script=file, package="ai (the pre-bundled AI SDK)", deps=self.deps
            ) from error
        except native.BundleError as error:
            raise ScriptLoadFailed(
                f"{file}: the pre-bundled AI SDK does not bundle: {error}", script=file, problems=[]
            ) from error

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
        lockfile = str(self.root / LOCKFILE_NAME)
        lock_sha = _sha256_file(lockfile)
        lock_signature = stat_signature(lockfile)
        try:
            injected = (*INJECTED, *AI_INJECTED) if magic.ai else INJECTED
            built = native.bundle(
                str(self.root), file, injected=injected, provided=PROVIDED_PACKAGES
            )
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
            message = f"{error.filename}:{error.line}:{error.column}: {error}"
            found: list[dict[str, Any]] = [
                {
                    "file": error.filename,
                    "line": error.line,
                    "column": error.column,
                    "message": str(error),
                    "specifier": error.specifier,
                }
            ]
            if error.missing_package is not None:
                raise MissingPackage(
                    message, script=file, problems=found, package=error.missing_package
                ) from error
            raise ScriptLoadFailed(message, script=file, problems=found) from error
        try:
            _check_ranges_of(self.root, file, built.inputs)
        except native.TranspileError:
            # It bundled a moment ago: the file read again is a newer, unfinished save.
            raise _ChangedWhileBuilding(file) from None
        # NOTE: the signature is taken before the content is checked again, so a
        # file saved while the bundler read it is caught now or on the next request.
        inputs: list[_Input] = []
        covered: list[_Input] = []
        for path, sha in built.inputs:
            if lock_sha is not None and _IN_PACKAGES in path[len(str(self.root)) :]:
                covered.append(_Input(path, sha, None))
            else:
                inputs.append(_Input(path, sha, stat_signature(path)))
        if covered and lock_sha is not None:
            inputs.append(_Input(lockfile, lock_sha, lock_signature))
        if any(_sha256_file(item.path) != item.sha256 for item in [*inputs, *covered]):
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
            modules=list(built.modules),
            inputs=inputs,
            covered=covered,
        )


def _mtime_ns(path: str) -> int | None:
    signature = stat_signature(path)
    return None if signature is None else signature[2]


async def _settle(paths: list[str]) -> None:
    """Return once none of `paths` changed for SETTLE_SECONDS (or MAX_SETTLE_SECONDS
    have passed): a file modified that long ago is not being written any more.

    NOTE: the signatures are compared across the wait as well, for a writer that sets
    mtimes itself (`touch -d`, `cp -p`, rsync) or a clock stepping back.
    """
    give_up = time.monotonic() + MAX_SETTLE_SECONDS
    while True:
        signatures = [stat_signature(path) for path in paths]
        newest = max((sig[2] for sig in signatures if sig is not None), default=None)
        if newest is None:
            return
        age = (time.time_ns() - newest) / 1e9
        wait = min(SETTLE_SECONDS - age, SETTLE_SECONDS)
        if wait <= 0 or time.monotonic() + wait > give_up:
            return
        await asyncio.sleep(wait)
        if [stat_signature(path) for path in paths] == signatures:
            return


def _intermediate_until(paths: list[str]) -> float | None:
    """The monotonic time until which a change to `paths` counts as a save that may
    still be in progress; None when the newest change is older than that."""
    mtimes = [m for m in map(_mtime_ns, paths) if m is not None]
    if not mtimes:
        return None
    age = (time.time_ns() - max(mtimes)) / 1e9
    if age >= INTERMEDIATE_SECONDS:
        return None
    return time.monotonic() + INTERMEDIATE_SECONDS - max(age, 0.0)


def _looks_unfinished(outcome: LoadedScript | ScriptLoadFailed, entry: str) -> bool:
    """A failed build, or a script whose file was empty: what a half-done save gives."""
    if isinstance(outcome, ScriptLoadFailed):
        # A missing package is fetched, not fixed by waiting; its own errors say so.
        return not isinstance(outcome, (MissingPackage, DependencyInstallFailed))
    return any(item.path == entry and item.sha256 == _EMPTY_SHA256 for item in outcome.inputs)


def node_builtins() -> dict[str, str | None]:
    """Every Node built-in → the installer specifier of the npm package bundled in its
    place, or None when unavailable in isolates (the bundler's own table)."""
    from hoody_exec import _native

    return dict(_native.node_builtins())


def _check_ranges_of(root: Path, file: str, inputs: Iterable[tuple[str, str]]) -> None:
    """An import naming a range the installed package is outside (`ms@^3` with ms 2
    installed) is a missing package: the bundler took whatever node_modules holds."""
    prefix = str(root) + os.sep
    own = [
        Path(path)
        for path, _ in inputs
        if path.startswith(prefix)
        and _IN_PACKAGES not in path[len(prefix) - 1 :]
        and path.endswith(SCRIPT_SUFFIXES)
    ]
    sources = [(path, path.read_text(encoding="utf-8", errors="replace")) for path in own]
    wrong = unsatisfied_ranges(root, sources)
    if wrong:
        first = wrong[0]
        where = first.file.relative_to(root).as_posix()
        message = f'{where}: imports "{first.specifier}" but {first.reason}'
        raise MissingPackage(
            message,
            script=file,
            problems=[{"file": where, "message": message, "specifier": first.specifier}],
            package=first.package,
        )


def _consume_failure(task: asyncio.Task[LoadedScript]) -> None:
    # A preload that fails is reported when a request asks for the script.
    if not task.cancelled():
        task.exception()
