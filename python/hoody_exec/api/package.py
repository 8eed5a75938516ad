"""package: read, update (merge dependencies), install (everything declared), compare
(declared vs installed vs newest), pin (exact installed versions), init.

package.json is edited under the installer's folder lock, so an edit never races an
install that rewrites the same file; writes are atomic (temporary file, rename).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
from pydantic import Field

from hoody_exec.api.dependencies import InstallReport, refuse_invalid, run_install
from hoody_exec.api.errors import ApiError
from hoody_exec.api.files import atomic_write
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation
from hoody_exec.deps import (
    DependencyError,
    InvalidSpecifier,
    RegistryClient,
    parse_package_request,
)
from hoody_exec.deps.install import folder_lock, installed_version
from hoody_exec.deps.lockfile import LOCKFILE_NAME, LockfileError, read_lockfile, write_lockfile
from hoody_exec.deps.semver import Range, Version, max_satisfying, satisfies
from hoody_exec.deps.specifiers import is_dist_tag, validate_package_name

PACKAGE_JSON = "package.json"
MAX_PACKAGE_JSON_BYTES = 1024 * 1024
# How long a folder edit waits for an install to finish before giving up.
LOCK_TIMEOUT = 120.0


# ---------------------------------------------------------------- models
class PackageJson(Out):
    path: str = Field(description="Always package.json, at the root of the scripts folder.")
    exists: bool = Field(description="false: the folder has none yet (content is {}).")
    content: dict[str, Any] = Field(description="The whole file as JSON.")
    dependencies: dict[str, str]
    installed: dict[str, str | None] = Field(
        description="Version in node_modules of each dependency, null if not installed."
    )
    lockfile: bool = Field(description="hoody-lock.json exists.")


class UpdateRequest(Model):
    dependencies: dict[str, str] = Field(
        default_factory=dict,
        description='Merged into "dependencies": name → npm range, dist-tag or npm:alias.',
    )
    remove: list[str] = Field(default_factory=list, description="Names to remove.")
    install: bool = Field(default=False, description="Install the result right away.")


class UpdateReport(Out):
    package: PackageJson
    added: list[str]
    changed: list[str]
    removed: list[str]
    install: InstallReport | None = None


class CompareRequest(Model):
    timeout: float = Field(
        default=10.0, gt=0, le=60, description="Seconds to wait for the registry."
    )


class Comparison(Out):
    name: str
    declared: str = Field(description="The range in package.json.")
    installed: str | None = Field(description="The version in node_modules.")
    wanted: str | None = Field(description="The newest version the declared range accepts.")
    latest: str | None = Field(description="The registry's `latest` dist-tag.")
    satisfies: bool = Field(description="The installed version is in the declared range.")
    outdated: bool = Field(description="A newer `latest` than the installed version exists.")
    error: str | None = Field(default=None, description="Why the registry gave no answer.")


class CompareReport(Out):
    packages: list[Comparison]
    registry: str


class PinReport(Out):
    pinned: dict[str, str] = Field(description="name → the exact version now declared.")
    unchanged: list[str] = Field(description="Already exact.")
    not_installed: list[str] = Field(description="Left as they were: nothing to pin to.")
    package: PackageJson


class InitRequest(Model):
    name: str | None = Field(
        default=None, description="Package name; default: derived from the folder's name."
    )
    description: str | None = None


# ---------------------------------------------------------------- helpers
def _path(ctx: Context) -> Path:
    return ctx.root / PACKAGE_JSON


def _load(ctx: Context) -> dict[str, Any] | None:
    """package.json as JSON; None when the folder has none (nothing declared)."""
    path = _path(ctx)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) > MAX_PACKAGE_JSON_BYTES:
        raise ApiError(422, "invalid_package_json", "package.json is larger than 1 MiB")
    try:
        content = json.loads(data)
    except ValueError as error:
        raise ApiError(
            422, "invalid_package_json", f"package.json is not valid JSON: {error}"
        ) from None
    if not isinstance(content, dict):
        raise ApiError(422, "invalid_package_json", "package.json must hold a JSON object")
    _dependencies(content)
    return content


def _dependencies(content: dict[str, Any]) -> dict[str, str]:
    deps = content.get("dependencies") or {}
    if not isinstance(deps, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in deps.items()
    ):
        raise ApiError(
            422, "invalid_package_json", 'package.json "dependencies" must map names to ranges'
        )
    return dict(deps)


def _describe(ctx: Context, content: dict[str, Any] | None) -> PackageJson:
    deps = _dependencies(content or {})
    return PackageJson(
        path=PACKAGE_JSON,
        exists=content is not None,
        content=content or {},
        dependencies=deps,
        installed={name: installed_version(ctx.root / "node_modules" / name) for name in deps},
        lockfile=(ctx.root / LOCKFILE_NAME).is_file(),
    )


def _write(ctx: Context, content: dict[str, Any]) -> None:
    atomic_write(_path(ctx), (json.dumps(content, indent=2, ensure_ascii=False) + "\n").encode())
    ctx.changed(_path(ctx))


def _check_spec(name: str, spec: str) -> str | None:
    """Why `name: spec` cannot be a dependency, or None."""
    try:
        validate_package_name(name)
    except InvalidSpecifier as error:
        return error.message
    spec = spec.strip()
    if spec.startswith("npm:"):
        try:
            target = parse_package_request(spec)
        except InvalidSpecifier as error:
            return error.message
        return f"{spec!r} names a subpath" if target.subpath else None
    if spec == "" or is_dist_tag(spec) or Range.try_parse(spec) is not None:
        return None
    return (
        f"{spec!r} is not an npm range, dist-tag or npm: alias "
        "(git, file and URL dependencies are not supported)"
    )


@contextlib.asynccontextmanager
async def _locked(ctx: Context) -> AsyncIterator[None]:
    """The installer's folder lock; waiting too long for an install is a 503."""
    entered = False
    try:
        async with folder_lock(ctx.root, LOCK_TIMEOUT):
            entered = True
            yield
    except DependencyError as error:
        if entered:
            raise
        raise ApiError(
            503, "install_in_progress", f"an install kept the folder busy: {error}"
        ) from None


# ---------------------------------------------------------------- handlers
async def read(ctx: Context, _: NoInput) -> PackageJson:
    return _describe(ctx, _load(ctx))


async def update(ctx: Context, body: UpdateRequest) -> UpdateReport:
    bad = [
        {"package": name, "message": problem}
        for name, spec in body.dependencies.items()
        if (problem := _check_spec(name, spec)) is not None
    ]
    bad += [
        {"package": name, "message": "is both added and removed"}
        for name in body.remove
        if name in body.dependencies
    ]
    refuse_invalid(bad)
    async with _locked(ctx):
        content = _load(ctx) or {"private": True}
        deps = _dependencies(content)
        added = sorted(n for n in body.dependencies if n not in deps)
        changed = sorted(
            n for n, spec in body.dependencies.items() if n in deps and deps[n] != spec.strip()
        )
        removed = sorted(n for n in body.remove if n in deps)
        for name, spec in body.dependencies.items():
            deps[name] = spec.strip()
        for name in removed:
            del deps[name]
        content["dependencies"] = dict(sorted(deps.items()))
        _write(ctx, content)
    report = None
    if body.install:
        report = await run_install(ctx, [])
    return UpdateReport(
        package=_describe(ctx, _load(ctx)),
        added=added,
        changed=changed,
        removed=removed,
        install=report,
    )


async def install(ctx: Context, _: NoInput) -> InstallReport:
    return await run_install(ctx, [])


async def compare(ctx: Context, body: CompareRequest) -> CompareReport:
    deps = _dependencies(_load(ctx) or {})
    service = ctx.app.runtime.loader.deps

    async with RegistryClient(service.registry, cache=service.installer.cache) as client:

        async def one(name: str, declared: str) -> Comparison:
            target, range_ = name, declared
            if declared.startswith("npm:"):
                alias = declared[4:]
                at = alias.rfind("@")
                target, range_ = (alias[:at], alias[at + 1 :]) if at > 0 else (alias, "latest")
            installed = installed_version(ctx.root / "node_modules" / name)
            latest = wanted = error = None
            try:
                packument = await asyncio.wait_for(client.packument(target), body.timeout)
                latest = packument.dist_tags.get("latest")
                if is_dist_tag(range_):
                    wanted = packument.dist_tags.get(range_)
                elif Range.try_parse(range_) is not None:
                    best = max_satisfying(packument.versions, range_)
                    wanted = str(best) if best is not None else None
            except TimeoutError:
                error = f"the registry did not answer within {body.timeout:g}s"
            except DependencyError as failure:
                error = service.scrub(str(failure))
            in_range = installed is not None and (
                is_dist_tag(range_)
                or (Range.try_parse(range_) is not None and satisfies(installed, range_))
            )
            outdated = False
            if installed is not None and latest is not None:
                now, newest = Version.try_parse(installed), Version.try_parse(latest)
                outdated = now is not None and newest is not None and newest > now
            return Comparison(
                name=name,
                declared=declared,
                installed=installed,
                wanted=wanted,
                latest=latest,
                satisfies=in_range,
                outdated=outdated,
                error=error,
            )

        packages = await asyncio.gather(*(one(n, d) for n, d in sorted(deps.items())))
    return CompareReport(packages=list(packages), registry=service.public_registry)


_EXACT = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+].*)?$")


async def pin(ctx: Context, _: NoInput) -> PinReport:
    async with _locked(ctx):
        content = _load(ctx)
        deps = _dependencies(content or {})
        pinned: dict[str, str] = {}
        unchanged: list[str] = []
        missing: list[str] = []
        for name, spec in sorted(deps.items()):
            prefix = ""
            if spec.startswith("npm:"):
                alias = spec[4:]
                at = alias.rfind("@")
                prefix, spec = (
                    (f"npm:{alias[:at]}@", alias[at + 1 :]) if at > 0 else (f"npm:{alias}@", "")
                )
            if _EXACT.match(spec):
                unchanged.append(name)
                continue
            version = installed_version(ctx.root / "node_modules" / name)
            if version is None:
                missing.append(name)
                continue
            pinned[name] = f"{prefix}{version}"
            deps[name] = pinned[name]
        if pinned and content is not None:
            content["dependencies"] = deps
            _write(ctx, content)
            _pin_lockfile(ctx, deps)
    return PinReport(
        pinned=pinned,
        unchanged=unchanged,
        not_installed=missing,
        package=_describe(ctx, _load(ctx)),
    )


def _pin_lockfile(ctx: Context, deps: dict[str, str]) -> None:
    """Keep the lockfile's copy of the declared dependencies in step, so the next
    install still takes the locked tree as it is (no registry needed). Only when the
    pinned versions are exactly the locked ones (they are: pin reads node_modules)."""
    try:
        lock = read_lockfile(ctx.root)
    except LockfileError:
        return
    if lock is None or set(lock.dependencies) != set(deps):
        return
    for name, spec in deps.items():
        entry = lock.packages.get(f"node_modules/{name}")
        exact = spec.rpartition("@")[2] if spec.startswith("npm:") else spec
        if entry is None or entry.version != exact.lstrip("v"):
            return
    write_lockfile(ctx.root, msgspec.structs.replace(lock, dependencies=dict(sorted(deps.items()))))
    ctx.changed(ctx.root / LOCKFILE_NAME)


def _default_name(folder: Path) -> str:
    name = re.sub(r"[^a-z0-9._~-]+", "-", folder.name.lower()).strip("-._~") or "scripts"
    return name[:214]


async def init(ctx: Context, body: InitRequest) -> tuple[int, PackageJson]:
    name = body.name if body.name is not None else _default_name(ctx.root)
    try:
        validate_package_name(name)
    except InvalidSpecifier as error:
        raise ApiError(422, "invalid_name", error.message, {"name": name}) from None
    async with _locked(ctx):
        if _path(ctx).exists():
            raise ApiError(
                409,
                "conflict",
                "package.json already exists; change it with package/update",
                {"path": PACKAGE_JSON},
            )
        content: dict[str, Any] = {"name": name, "version": "1.0.0", "private": True}
        if body.description:
            content["description"] = body.description
        content["dependencies"] = {}
        _write(ctx, content)
    return 201, _describe(ctx, content)


_ERRORS = (400, 401, 422)
_LOCKED_ERRORS = (400, 401, 422, 503)
_INSTALL_ERRORS = (400, 401, 422, 424, 500, 502, 503)

OPERATIONS = (
    Operation(
        "GET",
        "/package/read",
        "dependencies",
        "Read package.json (with the installed version of each dependency)",
        NoInput,
        PackageJson,
        read,
        errors=(401, 422),
    ),
    Operation(
        "POST",
        "/package/update",
        "dependencies",
        "Merge dependencies into package.json (and optionally install them)",
        UpdateRequest,
        UpdateReport,
        update,
        errors=_INSTALL_ERRORS,
        description="Creates package.json when there is none. Other fields are kept.",
    ),
    Operation(
        "POST",
        "/package/install",
        "dependencies",
        "Install everything package.json declares",
        NoInput,
        InstallReport,
        install,
        errors=_INSTALL_ERRORS,
        description="Takes hoody-lock.json's tree as it is when it matches package.json.",
    ),
    Operation(
        "POST",
        "/package/compare",
        "dependencies",
        "Declared vs installed vs the registry's newest, per dependency",
        CompareRequest,
        CompareReport,
        compare,
        errors=_ERRORS,
        description="Asks the registry for every dependency at once; a package it does "
        "not answer for within `timeout` carries an `error` instead of `latest`.",
    ),
    Operation(
        "POST",
        "/package/pin",
        "dependencies",
        "Replace ranges with the exact installed versions",
        NoInput,
        PinReport,
        pin,
        errors=_LOCKED_ERRORS,
    ),
    Operation(
        "POST",
        "/package/init",
        "dependencies",
        "Create package.json",
        InitRequest,
        PackageJson,
        init,
        errors=(400, 401, 409, 422, 503),
        success=201,
    ),
)
