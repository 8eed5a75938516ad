"""dependencies: bundled (what the runtime provides), check (missing packages), install;
validate/dependencies (imports that cannot be resolved, with file:line).

Installs go through the serving loader's `DependencyService`, so an install asked for
here and one started by a request for a script share the same single flight, and a
finished install lets scripts that failed for a missing package build again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from hoody_exec.ai.sdk import AI_SDK_PACKAGES, installed_sdk
from hoody_exec.api.errors import ApiError
from hoody_exec.api.files import MAX_SCRIPT_BYTES
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation
from hoody_exec.deps import DependencyError, InvalidSpecifier, parse_package_request
from hoody_exec.deps.check import (
    PROVIDED_PACKAGES,
    SCRIPT_SUFFIXES,
    iter_scripts,
    package_imports,
    why_missing,
)
from hoody_exec.deps.install import InstallResult, installed_version
from hoody_exec.deps.lockfile import LOCKFILE_NAME
from hoody_exec.deps.service import DependencyService, http_status
from hoody_exec.deps.specifiers import (
    BuiltinSpecifier,
    PackageSpecifier,
    parse_specifier,
)
from hoody_exec.runtime import native
from hoody_exec.runtime.loader import node_builtins
from hoody_exec.runtime.protocol import AI_INJECTED, INJECTED

MAX_PACKAGES = 100


# ---------------------------------------------------------------- models
class NodeBuiltin(Out):
    module: str = Field(description="The built-in, without `node:` (e.g. path, fs/promises).")
    available: bool = Field(description="false: importing it fails at bundle time.")
    package: str | None = Field(
        description="The npm package bundled in its place (installer specifier, "
        "e.g. path-browserify@^1); null when unavailable."
    )
    installed: str | None = Field(
        description="The version of that package in node_modules, null if not installed yet "
        "(it is installed on first use)."
    )


class PrebundledPackage(Out):
    name: str = Field(description="The npm package (ai, @ai-sdk/openai-compatible, zod).")
    version: str = Field(description="The pinned version every `@ai` script runs.")
    importable: bool = Field(
        description='A script\'s `import … from "<name>"` gets this same copy (no install).'
    )
    installed: bool = Field(
        description="In the tools cache already; false: installed on the first `@ai` request."
    )


class AiReport(Out):
    configured: bool = Field(description="A gateway is set (--ai-base-url): `@ai` scripts run.")
    base_url: str | None = Field(description="The gateway's base URL (its key is never shown).")
    key_env: str = Field(description="The variable the gateway's key is read from.")
    key_set: bool = Field(description="That variable is set (the key itself is never shown).")
    default_model: str = Field(description="`model` for scripts without `@ai-model`.")
    injected: list[str] = Field(description="Names an `@ai true` script gets.")


class BundledReport(Out):
    web_apis: list[str] = Field(
        description="Globals the isolate prelude defines beyond plain JavaScript "
        "(fetch, Request, URL, TextEncoder, crypto, …)."
    )
    injected: list[str] = Field(
        description="Names every script sees without importing them (request, env, …)."
    )
    node_builtins: list[NodeBuiltin]
    auto_install: bool = Field(description="Missing packages are installed on first use.")
    registry: str = Field(description="The npm registry installs use.")
    prebundled: list[PrebundledPackage] = Field(
        description="Packages the runtime itself provides: the AI SDK (docs/ai.md)."
    )
    ai: AiReport


class CheckRequest(Model):
    path: str | None = Field(
        default=None,
        min_length=1,
        description="One script (relative to the folder); omitted: every script.",
    )


class MissingItem(Out):
    file: str
    specifier: str = Field(description="The import as written.")
    package: str = Field(description="What to install: name or name@range.")
    reason: str = Field(
        description="not installed; installed X, the import wants R; "
        "not available in isolates; invalid specifier: …"
    )
    installable: bool = Field(description="false for unavailable built-ins and bad specifiers.")


class CheckReport(Out):
    ok: bool
    scripts: int = Field(description="Scripts looked at.")
    missing: list[MissingItem]
    install: list[str] = Field(description="The packages to pass to dependencies/install.")
    problems: list[str] = Field(description="Scripts that could not be read or parsed.")


class InstallRequest(Model):
    packages: list[str] = Field(
        min_length=1,
        max_length=MAX_PACKAGES,
        description='name, name@range or npm:name@range, e.g. ["zod", "ms@^2"].',
    )


class InstallReport(Out):
    added: list[str] = Field(description="name@version written to node_modules.")
    removed: list[str] = Field(description="Lockfile entries removed.")
    total: int = Field(description="Packages in the tree.")
    from_lockfile: bool
    warnings: list[str]
    dependencies: dict[str, str] = Field(description="package.json dependencies after it.")
    seconds: float


class ValidateDependenciesRequest(Model):
    path: str | None = Field(
        default=None,
        min_length=1,
        description="One script (relative to the folder); omitted (and no content): every script.",
    )
    content: str | None = Field(
        default=None,
        max_length=MAX_SCRIPT_BYTES,
        description="Inline source to check instead, as if it were a file at the root.",
    )
    filename: str | None = Field(
        default=None, description="Name used for inline content; default script.ts."
    )

    @model_validator(mode="after")
    def _one_source(self) -> ValidateDependenciesRequest:
        if self.path is not None and self.content is not None:
            raise ValueError("give `path` or `content`, not both")
        return self


class ImportProblem(Out):
    file: str
    line: int | None
    column: int | None
    specifier: str | None
    package: str | None = Field(description="What to install, when installing would fix it.")
    kind: Literal["missing_package", "unavailable_builtin", "invalid_specifier", "unresolved"]
    message: str


class ValidateDependenciesReport(Out):
    ok: bool
    scripts: int
    problems: list[ImportProblem]


# ---------------------------------------------------------------- bundled
_web_apis: list[str] | None = None

_GLOBALS_JS = "JSON.stringify(Object.getOwnPropertyNames(globalThis).sort())"


async def _global_names(prelude: tuple[str, str] | None) -> list[str]:
    isolate = native.Isolate(memory_limit=64 * 1024 * 1024)
    try:
        if prelude is not None:
            await isolate.eval(prelude[0], prelude[1])
        names = await isolate.eval(_GLOBALS_JS)
    finally:
        await asyncio.to_thread(isolate.close)
    return list(json.loads(str(names)))


async def web_apis() -> list[str]:
    """What the prelude adds to a plain V8 context, measured once per process (the
    prelude is the single source of truth; a list kept here would drift)."""
    global _web_apis
    if _web_apis is None:
        from hoody_exec.webapi import prelude_source

        plain = set(await _global_names(None))
        served = await _global_names(prelude_source())
        _web_apis = sorted(name for name in served if name not in plain and name != "__hoody")
    return _web_apis


async def bundled(ctx: Context, _: NoInput) -> BundledReport:
    deps = ctx.app.runtime.loader.deps
    builtins = []
    for module, specifier in sorted(native_builtins().items()):
        installed = None
        if specifier is not None:
            name = parse_package_request(specifier).name
            installed = installed_version(ctx.root / "node_modules" / name)
        builtins.append(
            NodeBuiltin(
                module=module,
                available=specifier is not None,
                package=specifier,
                installed=installed,
            )
        )
    return BundledReport(
        web_apis=await web_apis(),
        injected=list(INJECTED),
        node_builtins=builtins,
        auto_install=deps.auto_install,
        registry=deps.public_registry,
        prebundled=_prebundled(),
        ai=_ai_report(ctx),
    )


def _prebundled() -> list[PrebundledPackage]:
    installed = installed_sdk() is not None
    return [
        PrebundledPackage(
            name=name, version=version, importable=name in PROVIDED_PACKAGES, installed=installed
        )
        for name, version in AI_SDK_PACKAGES.items()
    ]


def _ai_report(ctx: Context) -> AiReport:
    config = ctx.app.config
    found = ctx.app.gateway
    return AiReport(
        configured=found is not None,
        base_url=found.base_url if found is not None else None,
        key_env=config.ai_api_key_env,
        key_set=found is not None and found.api_key is not None,
        default_model=found.default_model if found is not None else config.ai_model,
        injected=list(AI_INJECTED),
    )


def native_builtins() -> dict[str, str | None]:
    return node_builtins()


# ---------------------------------------------------------------- check
def _script_files(ctx: Context, path: str | None) -> list[Path]:
    if path is None:
        return list(iter_scripts(ctx.root))
    target = ctx.paths.resolve(path)
    if not target.absolute.is_file():
        raise ApiError(404, "not_found", f"no script at {target.relative}", {"path": path})
    return [target.absolute]


def _missing_for(
    folder: Path, file: str, specifiers: list[str], builtins: dict[str, str | None]
) -> list[MissingItem]:
    found: list[MissingItem] = []
    for spec in specifiers:
        try:
            parsed = parse_specifier(spec)
        except InvalidSpecifier as error:
            found.append(
                MissingItem(
                    file=file, specifier=spec, package=spec, reason=error.message, installable=False
                )
            )
            continue
        if isinstance(parsed, BuiltinSpecifier):
            if parsed.module not in builtins:
                # Not a built-in the bundler knows (e.g. node:nope): it will say so.
                continue
            replacement = builtins[parsed.module]
            if replacement is None:
                found.append(
                    MissingItem(
                        file=file,
                        specifier=spec,
                        package=spec,
                        reason="not available in isolates",
                        installable=False,
                    )
                )
                continue
            parsed = parse_package_request(replacement)
        if isinstance(parsed, PackageSpecifier):
            reason = why_missing(folder, parsed)
            if reason is not None:
                found.append(
                    MissingItem(
                        file=file,
                        specifier=spec,
                        package=str(parsed),
                        reason=reason,
                        installable=True,
                    )
                )
    return found


def _check(ctx: Context, path: str | None) -> CheckReport:
    builtins = native_builtins()
    files = _script_files(ctx, path)
    missing: list[MissingItem] = []
    problems: list[str] = []
    for file in files:
        relative = ctx.paths.relative_of(file)
        try:
            imports = package_imports(file.read_text(encoding="utf-8"), file.name)
        except (OSError, UnicodeDecodeError, native.TranspileError) as error:
            problems.append(f"{relative}: {error}")
            continue
        missing.extend(_missing_for(ctx.root, relative, imports, builtins))
    install = sorted({m.package for m in missing if m.installable})
    return CheckReport(
        ok=not missing, scripts=len(files), missing=missing, install=install, problems=problems
    )


async def check(ctx: Context, body: CheckRequest) -> CheckReport:
    return await asyncio.to_thread(_check, ctx, body.path)


# ---------------------------------------------------------------- install
_ERROR_CODES = {
    "not found": "package_not_found",
    "no matching version": "no_matching_version",
    "integrity mismatch": "integrity_mismatch",
    "registry unreachable": "registry_unreachable",
    "registry error": "registry_error",
    "unsafe tarball": "unsafe_tarball",
    "invalid specifier": "invalid_specifier",
    "resolution conflict": "resolution_conflict",
}


def install_error(error: DependencyError, deps: DependencyService) -> ApiError:
    """An installer error as an API error: the package and the reason, with 424/502/500
    as for a script request (see docs/dependencies.md)."""
    status = http_status(error)
    if isinstance(error, InvalidSpecifier):
        status = 422
    return ApiError(
        status,
        _ERROR_CODES.get(error.reason, "install_failed"),
        deps.scrub(str(error)),
        {"package": error.package, "reason": error.reason},
    )


def parse_requests(packages: list[str]) -> list[str]:
    """Each request checked before anything is fetched: 422 naming every bad one."""
    bad = []
    for text in packages:
        try:
            parse_package_request(text)
        except InvalidSpecifier as error:
            bad.append({"package": text, "message": error.message})
    refuse_invalid(bad)
    return [p.strip() for p in packages]


def refuse_invalid(bad: list[dict[str, str]]) -> None:
    """422 naming every bad package ({"package", "message"} each), if there is any."""
    if bad:
        raise ApiError(
            422,
            "invalid_specifier",
            "; ".join(f"{b['package']}: {b['message']}" for b in bad),
            bad,
        )


def install_report(result: InstallResult, started: float) -> InstallReport:
    return InstallReport(
        added=result.added,
        removed=result.removed,
        total=result.total,
        from_lockfile=result.from_lockfile,
        warnings=result.warnings,
        dependencies=result.dependencies,
        seconds=round(time.monotonic() - started, 3),
    )


async def run_install(ctx: Context, packages: list[str]) -> InstallReport:
    """Install through the serving loader's service, then tell the app (scripts that
    failed for a missing package build again on their next request)."""
    started = time.monotonic()
    deps = ctx.app.runtime.loader.deps
    try:
        result = await deps.install(packages)
    except DependencyError as error:
        raise install_error(error, deps) from None
    ctx.changed(ctx.root / "package.json", ctx.root / LOCKFILE_NAME)
    return install_report(result, started)


async def install(ctx: Context, body: InstallRequest) -> InstallReport:
    return await run_install(ctx, parse_requests(body.packages))


# ---------------------------------------------------------------- validate/dependencies
def _import_line(source: str, specifier: str) -> tuple[int | None, int | None]:
    """Where `specifier` is written (the transpiler lists imports without positions)."""
    pattern = re.compile(r"""(['"`])""" + re.escape(specifier) + r"\1")
    for number, line in enumerate(source.splitlines(), start=1):
        found = pattern.search(line)
        if found is not None:
            return number, found.start() + 1
    return None, None


def _validate_file(
    ctx: Context, file: Path, builtins: dict[str, str | None]
) -> list[ImportProblem]:
    relative = ctx.paths.relative_of(file)
    try:
        source = file.read_text(encoding="utf-8")
        imports = package_imports(source, file.name)
    except (OSError, UnicodeDecodeError) as error:
        return [
            ImportProblem(
                file=relative,
                line=None,
                column=None,
                specifier=None,
                package=None,
                kind="unresolved",
                message=str(error),
            )
        ]
    except native.TranspileError:
        return []  # a syntax error is validate/syntax's to report, not a dependency problem
    problems: list[ImportProblem] = []
    for item in _missing_for(ctx.root, relative, imports, builtins):
        line, column = _import_line(source, item.specifier)
        if not item.installable and item.reason == "not available in isolates":
            kind: Any = "unavailable_builtin"
        elif not item.installable:
            kind = "invalid_specifier"
        else:
            kind = "missing_package"
        problems.append(
            ImportProblem(
                file=relative,
                line=line,
                column=column,
                specifier=item.specifier,
                package=item.package if item.installable else None,
                kind=kind,
                message=f"{item.specifier}: {item.reason}",
            )
        )
    # The bundler then finds what the import list cannot show: relative files that do
    # not exist, a package without the subpath imported, problems inside packages.
    try:
        native.bundle(str(ctx.root), relative, injected=INJECTED)
    except native.BundleError as error:
        # Listed already when it is one of this file's imports (a missing package).
        if error.specifier is None or error.specifier not in {p.specifier for p in problems}:
            problems.append(
                ImportProblem(
                    file=error.filename,
                    line=error.line,
                    column=error.column,
                    specifier=error.specifier,
                    package=error.missing_package,
                    kind="missing_package" if error.missing_package else "unresolved",
                    message=str(error),
                )
            )
    except native.TranspileError:
        pass
    return problems


def _validate_inline(ctx: Context, content: str, filename: str) -> ValidateDependenciesReport:
    """Inline source, bundled from a private (dot-named, never routed) scratch file at
    the root so its relative imports resolve like a top-level script's."""
    if "/" in filename or "\\" in filename or "\x00" in filename:
        raise ApiError(400, "invalid_filename", "`filename` is a bare file name such as x.ts")
    if not filename.endswith(SCRIPT_SUFFIXES):
        raise ApiError(
            400, "invalid_filename", f"`filename` must end with one of {', '.join(SCRIPT_SUFFIXES)}"
        )
    scratch = ctx.root / f".validate-{os.getpid()}-{secrets.token_hex(4)}-{filename}"
    scratch.write_text(content, encoding="utf-8")
    try:
        found = _validate_file(ctx, scratch, native_builtins())
    finally:
        with contextlib.suppress(OSError):
            scratch.unlink()
    relative = scratch.name
    problems = [
        p.model_copy(
            update={
                "file": filename if p.file == relative else p.file,
                "message": p.message.replace(relative, filename),
            }
        )
        for p in found
    ]
    return ValidateDependenciesReport(ok=not problems, scripts=1, problems=problems)


def _validate(ctx: Context, path: str | None) -> ValidateDependenciesReport:
    builtins = native_builtins()
    files = _script_files(ctx, path)
    problems: list[ImportProblem] = []
    for file in files:
        problems.extend(_validate_file(ctx, file, builtins))
    return ValidateDependenciesReport(ok=not problems, scripts=len(files), problems=problems)


async def validate_dependencies(
    ctx: Context, body: ValidateDependenciesRequest
) -> ValidateDependenciesReport:
    if body.content is not None:
        return await asyncio.to_thread(
            _validate_inline, ctx, body.content, body.filename or "script.ts"
        )
    return await asyncio.to_thread(_validate, ctx, body.path)


_ERRORS = (400, 401, 403, 404, 422)
_INSTALL_ERRORS = (400, 401, 422, 424, 500, 502)

OPERATIONS = (
    Operation(
        "GET",
        "/dependencies/bundled",
        "dependencies",
        "What the runtime provides itself: Web APIs, injected names, Node built-ins",
        NoInput,
        BundledReport,
        bundled,
        errors=(401,),
        description="Node built-ins are either bundled from a browser package "
        "(installed on first use) or unavailable in isolates.",
    ),
    Operation(
        "POST",
        "/dependencies/check",
        "dependencies",
        "Packages one script or every script imports that are not installed",
        CheckRequest,
        CheckReport,
        check,
        errors=_ERRORS,
    ),
    Operation(
        "POST",
        "/dependencies/install",
        "dependencies",
        "Install npm packages into the scripts folder",
        InstallRequest,
        InstallReport,
        install,
        errors=_INSTALL_ERRORS,
        description="Resolves with npm semver rules, verifies tarball integrity, runs no "
        "install scripts. 424: the package or version does not exist; 502: the registry "
        "failed (unreachable, HTTP error, integrity mismatch). A failed install changes "
        "nothing in the folder.",
    ),
    Operation(
        "POST",
        "/validate/dependencies",
        "validate",
        "Imports that cannot be resolved, with file:line",
        ValidateDependenciesRequest,
        ValidateDependenciesReport,
        validate_dependencies,
        errors=_ERRORS,
        description="Missing packages (installable), Node built-ins unavailable in "
        "isolates, malformed specifiers, and what the bundler cannot resolve.",
    ),
)
