"""Installing npm packages into a scripts folder: package.json + hoody-lock.json + node_modules.

One install runs at a time per folder: an asyncio lock within the process and an
`fcntl` lock on `<folder>/.hoody-install.lock` across processes. The work is
ordered so that a failure leaves the folder as it was:

1. resolve (or take the lockfile's tree as it is when package.json still matches it);
2. fetch every missing tarball (tarball cache first, then the registry, a bounded
   number at a time) and verify its integrity;
3. unpack each into a staging folder next to node_modules;
4. only then swap each package into place with a rename, and write package.json and
   the lockfile atomically.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import time
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoody_exec.deps.cache import PackageCache, atomic_write
from hoody_exec.deps.errors import DependencyError
from hoody_exec.deps.integrity import parse_integrity
from hoody_exec.deps.lockfile import (
    InstallPath,
    Lockfile,
    LockfileError,
    ResolvedPackage,
    path_to_key,
    read_lockfile,
    write_lockfile,
)
from hoody_exec.deps.registry import RegistryClient
from hoody_exec.deps.resolve import Resolver
from hoody_exec.deps.specifiers import PackageSpecifier, is_dist_tag, parse_package_request
from hoody_exec.deps.tarball import ExtractLimits, extract_tarball, verify_tarball

__all__ = [
    "LOCK_NAME",
    "InstallResult",
    "Installer",
    "folder_lock",
    "install",
    "installed_version",
    "package_dir",
]

LOCK_NAME = ".hoody-install.lock"
STAGING_PREFIX = ".hoody-install-"
ProgressFn = Callable[[str], None]


@dataclass(slots=True)
class InstallResult:
    added: list[str] = field(default_factory=list)  # "name@version" newly written
    removed: list[str] = field(default_factory=list)
    total: int = 0  # packages in the tree
    from_lockfile: bool = False  # the lockfile's tree was installed as it is
    warnings: list[str] = field(default_factory=list)
    dependencies: dict[str, str] = field(default_factory=dict)  # package.json after install


def package_dir(folder: Path, path: InstallPath) -> Path:
    target = folder
    for name in path:
        target = target / "node_modules" / name
    return target


def installed_version(directory: Path) -> str | None:
    """The version in `directory/package.json`, or None if absent or unreadable."""
    try:
        data = json.loads((directory / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


@dataclass(frozen=True, slots=True)
class _Changes:
    stale: list[InstallPath]  # paths to (re)write, parents first
    removed: list[str]  # lockfile keys to delete
    tree: dict[InstallPath, ResolvedPackage]
    blobs: dict[str, bytes]  # verified tarballs by integrity
    package_json: bytes | None  # new package.json, if it changes
    lock: Lockfile | None  # new lockfile, if it changes


# Keyed by event loop, because an asyncio.Lock belongs to the loop it first waits on.
_folder_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


@contextlib.asynccontextmanager
async def _exclusive(folder: Path, timeout: float) -> AsyncIterator[None]:
    locks = _folder_locks.setdefault(asyncio.get_running_loop(), {})
    lock = locks.setdefault(str(folder), asyncio.Lock())
    async with lock:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise DependencyError(
                            str(folder), f"another process kept installing for over {timeout:.0f}s"
                        ) from None
                    await asyncio.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def folder_lock(
    folder: Path, timeout: float = 600.0
) -> contextlib.AbstractAsyncContextManager[None]:
    """The lock installs hold on `folder` (this process and others): take it to edit
    package.json without racing an install that rewrites it."""
    return _exclusive(folder.resolve(), timeout)


class Installer:
    """Installs into scripts folders. Holds the settings; each `install` call is independent.

    `progress` receives short human-readable lines; it may be called from a worker thread.
    """

    def __init__(
        self,
        *,
        registry: str | None = None,
        cache: PackageCache | None = None,
        concurrency: int = 8,
        limits: ExtractLimits | None = None,
        lock_timeout: float = 600.0,
        progress: ProgressFn | None = None,
    ) -> None:
        self.registry = registry
        self.cache = cache or PackageCache()
        self.concurrency = concurrency
        self.limits = limits or ExtractLimits()
        self.lock_timeout = lock_timeout
        self.progress = progress or (lambda _message: None)

    def __repr__(self) -> str:
        return f"Installer(registry={self.registry!r}, cache={self.cache!r})"

    async def install(self, folder: Path, packages: Sequence[str] = ()) -> InstallResult:
        """Install `packages` (`name`, `name@range`) plus everything package.json declares."""
        requests = [parse_package_request(p) for p in packages]
        folder = folder.resolve()
        if not folder.is_dir():
            raise DependencyError(str(folder), "the scripts folder does not exist")
        try:
            async with (
                _exclusive(folder, self.lock_timeout),
                RegistryClient(self.registry, cache=self.cache) as client,
            ):
                return await self._install(folder, requests, client)
        except OSError as error:
            raise DependencyError(
                str(folder), f"cannot write the scripts folder: {error}"
            ) from error

    async def _install(
        self, folder: Path, requests: list[PackageSpecifier], client: RegistryClient
    ) -> InstallResult:
        manifest = _read_package_json(folder)
        declared = _declared(manifest)
        root = dict(declared)
        for request in requests:
            if request.explicit_range or request.name not in root:
                root[request.name] = request.range
        try:
            lock = read_lockfile(folder)
        except LockfileError as error:
            raise DependencyError(str(folder / "hoody-lock.json"), str(error)) from None

        result = InstallResult()
        if lock is not None and lock.dependencies == root:
            tree = lock.tree()
            result.from_lockfile = True
        else:
            resolver = Resolver(client, lock.tree() if lock else None, self.progress)
            resolution = await resolver.resolve(root)
            tree = resolution.tree
            result.warnings.extend(resolution.warnings)
            # NOTE: like `npm install pkg@tag`, a dist-tag is saved as a caret range on the
            # version it pointed to, so the next install does not move with the tag.
            for name, spec in root.items():
                if is_dist_tag(spec) and (name,) in tree:
                    root[name] = f"^{tree[(name,)].version}"
        result.total = len(tree)
        result.dependencies = dict(sorted(root.items()))

        stale = _stale_paths(folder, tree)
        removed = _extraneous(lock, tree)
        blobs = await self._fetch_all(client, [(p, tree[p]) for p in stale])
        result.added = [f"{tree[p].name}@{tree[p].version}" for p in stale]
        result.removed = removed

        package_json: bytes | None = None
        if (
            manifest.get("dependencies") != result.dependencies
            or not (folder / "package.json").exists()
        ):
            manifest["dependencies"] = result.dependencies
            package_json = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
        new_lock = Lockfile.from_tree(result.dependencies, tree)
        # NOTE: from here on the folder changes; the whole step runs to its end even if the
        # caller is cancelled, so package.json, the lockfile and node_modules agree.
        await _in_thread(
            self._commit,
            folder,
            _Changes(
                stale, removed, tree, blobs, package_json, new_lock if lock != new_lock else None
            ),
        )
        self.progress(
            f"{len(stale)} package{'s' if len(stale) != 1 else ''} written, {len(tree)} in the tree"
        )
        return result

    async def _fetch_all(
        self, client: RegistryClient, items: list[tuple[InstallPath, ResolvedPackage]]
    ) -> dict[str, bytes]:
        """Tarballs by integrity: the cache first, then the registry; all verified."""
        semaphore = asyncio.Semaphore(self.concurrency)
        unique = {pkg.integrity: pkg for _, pkg in items}
        done = 0

        def report(verb: str, label: str) -> None:
            nonlocal done
            done += 1
            self.progress(f"{verb} {label} ({done}/{len(unique)})")

        async def fetch(pkg: ResolvedPackage) -> tuple[str, bytes]:
            label = f"{pkg.name}@{pkg.version}"
            checksum = parse_integrity(pkg.integrity)
            if checksum is None:
                raise DependencyError(label, f"unusable integrity {pkg.integrity!r}")
            cached = await asyncio.to_thread(self.cache.get_tarball, checksum)
            if cached is not None:
                report("cached", label)
                return pkg.integrity, cached
            async with semaphore:
                data = await client.tarball(label, pkg.resolved)
            report("downloaded", label)
            await asyncio.to_thread(self._verify_and_cache, label, data, pkg.integrity)
            return pkg.integrity, data

        tasks = [asyncio.ensure_future(fetch(pkg)) for _, pkg in sorted(unique.items())]
        try:
            return dict(await asyncio.gather(*tasks))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _verify_and_cache(self, label: str, data: bytes, integrity: str) -> None:
        verify_tarball(label, data, integrity)
        checksum = parse_integrity(integrity)
        assert checksum is not None
        self.cache.put_tarball(checksum, data)

    def _commit(self, folder: Path, changes: _Changes) -> None:
        """Unpack into a staging folder, swap packages in, then write package.json and the
        lockfile (runs in a thread)."""
        if changes.stale or changes.removed:
            staging = folder / f"{STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
            try:
                staged = self._stage(staging, changes.stale, changes.tree, changes.blobs)
                self._swap_in(folder, staging, staged, changes.removed)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        if changes.package_json is not None:
            atomic_write(folder / "package.json", changes.package_json)
        if changes.lock is not None:
            write_lockfile(folder, changes.lock)

    def _stage(
        self,
        staging: Path,
        stale: list[InstallPath],
        tree: dict[InstallPath, ResolvedPackage],
        blobs: dict[str, bytes],
    ) -> dict[InstallPath, Path]:
        staged: dict[InstallPath, Path] = {}
        staging.mkdir()
        for index, path in enumerate(stale):
            pkg = tree[path]
            self.progress(f"unpacking {pkg.name}@{pkg.version}")
            target = staging / str(index)
            extract_tarball(f"{pkg.name}@{pkg.version}", blobs[pkg.integrity], target, self.limits)
            staged[path] = target
        return staged

    def _swap_in(
        self,
        folder: Path,
        staging: Path,
        staged: dict[InstallPath, Path],
        removed: list[str],
    ) -> None:
        trash = staging / "trash"
        trash.mkdir(parents=True, exist_ok=True)
        counter = 0

        def discard(target: Path) -> None:
            nonlocal counter
            if target.is_symlink() or target.exists():
                counter += 1
                os.replace(target, trash / str(counter))

        for key in sorted(removed, key=lambda k: -k.count("node_modules/")):
            discard(folder / key)
        for path in sorted(staged, key=lambda p: (len(p), p)):
            target = package_dir(folder, path)
            discard(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged[path], target)


async def _in_thread(fn: Callable[..., None], *args: Any) -> None:
    """Run `fn` in a thread; if the caller is cancelled, still wait for it to finish so the
    folder lock is never released while files are being moved."""
    future = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([future])
        raise


def _read_package_json(folder: Path) -> dict[str, Any]:
    path = folder / "package.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {"private": True}
    except OSError as error:
        raise DependencyError(str(path), f"cannot read: {error}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise DependencyError(str(path), f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise DependencyError(str(path), "must hold a JSON object")
    return data


def _declared(manifest: dict[str, Any]) -> dict[str, str]:
    deps = manifest.get("dependencies") or {}
    if not isinstance(deps, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in deps.items()
    ):
        raise DependencyError("package.json", '"dependencies" must map names to version ranges')
    return dict(deps)


def _stale_paths(folder: Path, tree: dict[InstallPath, ResolvedPackage]) -> list[InstallPath]:
    """Paths whose installed copy is missing or another version, plus everything nested
    under them (replacing a folder replaces its node_modules too)."""
    stale: set[InstallPath] = set()
    for path in sorted(tree, key=lambda p: (len(p), p)):
        if any(path[:i] in stale for i in range(1, len(path))):
            stale.add(path)
            continue
        directory = package_dir(folder, path)
        if installed_version(directory) != tree[path].version:
            stale.add(path)
    return sorted(stale, key=lambda p: (len(p), p))


def _extraneous(lock: Lockfile | None, tree: dict[InstallPath, ResolvedPackage]) -> list[str]:
    """Packages the previous lockfile installed that the new tree no longer has."""
    if lock is None:
        return []
    keep = {path_to_key(p) for p in tree}
    return sorted(key for key in lock.packages if key not in keep)


async def install(
    folder: Path,
    packages: Sequence[str] = (),
    *,
    registry: str | None = None,
    cache_dir: Path | None = None,
    progress: ProgressFn | None = None,
) -> InstallResult:
    """Install into `folder` with default settings (see `Installer` for more)."""
    installer = Installer(
        registry=registry,
        cache=PackageCache(cache_dir) if cache_dir is not None else None,
        progress=progress,
    )
    return await installer.install(folder, packages)
