"""A scripts folder's installs inside a running server: one install per set of packages
at a time (single-flight), failures remembered briefly, and what an error means in HTTP.

The `Installer` already serialises installs into one folder (an asyncio lock and an
`fcntl` lock across processes); this adds what a server needs on top: many requests
that find the same package missing share one install instead of queueing one each,
and a package that just failed to install is not tried again on every request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from hoody_exec.deps.cache import PackageCache
from hoody_exec.deps.errors import (
    DependencyError,
    IntegrityMismatch,
    InvalidSpecifier,
    NoMatchingVersion,
    PackageNotFound,
    RegistryError,
    ResolutionConflict,
    UnsafeTarball,
)
from hoody_exec.deps.install import Installer, InstallResult
from hoody_exec.deps.registry import default_registry

__all__ = [
    "INSTALL_RETRY_SECONDS",
    "DependencyService",
    "http_status",
]

# NOTE: long enough that a burst of requests for a script whose import cannot be
# installed costs one registry round trip, short enough that a package published a
# moment later (or a registry back up) is picked up without a restart.
INSTALL_RETRY_SECONDS = 10.0


def http_status(error: DependencyError) -> int:
    """424 when the package itself cannot be had (not found, no matching version, a
    malformed specifier, a refused tarball); 502 when the registry failed us (down,
    HTTP errors, a tarball that does not match its published integrity); 500 for local
    trouble (the folder cannot be written, another install holds the lock too long)."""
    if isinstance(error, IntegrityMismatch | RegistryError):
        return 502
    if isinstance(
        error,
        PackageNotFound | NoMatchingVersion | InvalidSpecifier | UnsafeTarball | ResolutionConflict,
    ):
        return 424
    return 500


@dataclass(frozen=True, slots=True)
class _Failure:
    error: DependencyError
    at: float


class DependencyService:
    """Installs into one scripts folder for a server process (or any asyncio program)."""

    def __init__(
        self,
        root: Path,
        *,
        registry: str | None = None,
        cache_dir: str | None = None,
        auto_install: bool = False,
    ) -> None:
        self.root = root.resolve()
        self.registry = (registry or default_registry()).rstrip("/") + "/"
        self.auto_install = auto_install
        cache = PackageCache(Path(cache_dir)) if cache_dir else PackageCache()
        self.installer = Installer(registry=self.registry, cache=cache)
        self._flights: dict[tuple[str, ...], asyncio.Task[InstallResult]] = {}
        self._failures: dict[str, _Failure] = {}
        self.installs = 0  # installs this process ran (not joined), for tests and stats

    def __repr__(self) -> str:
        return f"DependencyService({str(self.root)!r}, auto_install={self.auto_install})"

    @property
    def public_registry(self) -> str:
        """The registry URL without credentials (`https://user:token@host/` is a way to
        configure a private registry), for answers and logs."""
        parts = urlsplit(self.registry)
        if parts.username is None and parts.password is None:
            return self.registry
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def scrub(self, text: str) -> str:
        """`text` (an error message) with the registry's credentials taken out."""
        return text.replace(self.registry, self.public_registry)

    async def install(self, packages: Sequence[str] = ()) -> InstallResult:
        """Install `packages` (plus what package.json declares). Callers asking for the
        same set while it runs share that one install; a caller that gives up (its
        request timed out) does not cancel it for the others."""
        key = tuple(sorted(set(packages)))
        task = self._flights.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._run(key))
            self._flights[key] = task
            task.add_done_callback(lambda t: self._land(key, t))
        return await asyncio.shield(task)

    async def _run(self, key: tuple[str, ...]) -> InstallResult:
        self.installs += 1
        return await self.installer.install(self.root, list(key))

    def _land(self, key: tuple[str, ...], task: asyncio.Task[InstallResult]) -> None:
        if self._flights.get(key) is task:
            del self._flights[key]
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, DependencyError):
            # Only single-package installs are remembered: the failure of a batch may
            # belong to another package of it.
            if len(key) == 1:
                self._failures[key[0]] = _Failure(error, time.monotonic())
        elif error is None:
            # Something changed in node_modules: any remembered failure may be stale.
            self._failures.clear()

    async def ensure(self, specifier: str) -> InstallResult:
        """Install one package a script imports; a failure from the last few seconds is
        raised again without asking the registry."""
        failure = self._failures.get(specifier)
        if failure is not None:
            if time.monotonic() - failure.at < INSTALL_RETRY_SECONDS:
                raise failure.error
            del self._failures[specifier]
        return await self.install([specifier])

    def forget_failures(self) -> None:
        """Files changed (a script was edited, package.json replaced): try again."""
        self._failures.clear()
