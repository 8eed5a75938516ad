"""validate: script (every check with a summary), syntax, return-type, magic-comments."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets

from hoody_exec.api.analysis import check_magic, check_syntax, read_text
from hoody_exec.api.errors import ApiError
from hoody_exec.api.files import MAX_SCRIPT_BYTES
from hoody_exec.api.models import (
    Finding,
    ImportCheck,
    MagicValidation,
    ReturnTypeResult,
    ScriptValidation,
    Source,
    Summary,
    SyntaxResult,
)
from hoody_exec.api.operation import Context, Operation
from hoody_exec.api.returns import check_return_type
from hoody_exec.routing import EXTENSIONS
from hoody_exec.runtime import native
from hoody_exec.runtime.protocol import INJECTED

DEFAULT_FILENAME = "script.ts"


class _Input:
    def __init__(self, source: str, filename: str, relative: str | None) -> None:
        self.source = source
        self.filename = filename
        self.relative = relative  # set when the script is a file in the folder


def _input(ctx: Context, body: Source) -> _Input:
    if body.path is not None:
        target = ctx.paths.resolve(body.path)
        return _Input(read_text(target), target.name, target.relative)
    content = body.content or ""
    if len(content.encode()) > MAX_SCRIPT_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            f"scripts are limited to {MAX_SCRIPT_BYTES} bytes",
            {"limit_bytes": MAX_SCRIPT_BYTES},
        )
    filename = body.filename or DEFAULT_FILENAME
    if "/" in filename or "\\" in filename or "\x00" in filename:
        raise ApiError(400, "invalid_filename", "`filename` is a bare file name such as x.ts")
    if not filename.endswith(EXTENSIONS):
        raise ApiError(
            400, "invalid_filename", f"`filename` must end with one of {', '.join(EXTENSIONS)}"
        )
    return _Input(content, filename, None)


def _return_type(item: _Input, syntax: SyntaxResult) -> ReturnTypeResult | None:
    if not syntax.ok:
        return None
    try:
        return check_return_type(item.source, item.filename)
    except native.TranspileError:
        return None


async def syntax(ctx: Context, body: Source) -> SyntaxResult:
    item = _input(ctx, body)
    return await asyncio.to_thread(check_syntax, item.source, item.filename)


async def magic_comments(ctx: Context, body: Source) -> MagicValidation:
    item = _input(ctx, body)
    return check_magic(item.source, ctx.app.runtime.loader.env)


async def return_type(ctx: Context, body: Source) -> ReturnTypeResult:
    item = _input(ctx, body)
    result = await asyncio.to_thread(check_syntax, item.source, item.filename)
    if not result.ok:
        raise ApiError(
            422,
            "syntax_error",
            "the script has syntax errors; fix them first (see validate/syntax)",
            [e.model_dump() for e in result.errors],
        )
    checked = _return_type(item, result)
    if checked is None:  # pragma: no cover - transpile succeeded a moment ago
        raise ApiError(422, "syntax_error", "the script could not be transpiled")
    return checked


def _imports(ctx: Context, item: _Input) -> ImportCheck:
    """Bundle the file (relative imports only; bare npm imports are the dependency
    checks' business) to find missing helpers and broken imports."""
    relative = item.relative
    scratch = None
    if relative is None:
        # Inline content is bundled from a private (dot-named, never routed) scratch
        # file at the root, so its relative imports resolve like a top-level script's.
        relative = f".validate-{os.getpid()}-{secrets.token_hex(4)}-{item.filename}"
        scratch = ctx.root / relative
        scratch.write_text(item.source)
    try:
        built = native.bundle(str(ctx.root), relative, injected=INJECTED)
        return ImportCheck(ok=True, modules=[m for m in built.modules if m != relative])
    except native.BundleError as error:
        message = str(error).replace(relative, item.filename)
        finding = Finding(severity="error", message=message, line=error.line, column=error.column)
        return ImportCheck(ok=False, modules=[], error=finding)
    except native.TranspileError as error:
        message = str(error).replace(relative, item.filename)
        finding = Finding(severity="error", message=message, line=error.line, column=error.column)
        return ImportCheck(ok=False, modules=[], error=finding)
    finally:
        if scratch is not None:
            with contextlib.suppress(OSError):
                scratch.unlink()


async def script(ctx: Context, body: Source) -> ScriptValidation:
    item = _input(ctx, body)
    syntax_result = await asyncio.to_thread(check_syntax, item.source, item.filename)
    magic_result = check_magic(item.source, ctx.app.runtime.loader.env)
    returns = await asyncio.to_thread(_return_type, item, syntax_result)
    imports = await asyncio.to_thread(_imports, ctx, item) if syntax_result.ok else None
    failed = [
        name
        for name, ok in (
            ("syntax", syntax_result.ok),
            ("magic_comments", magic_result.ok),
            ("return_type", returns is None or returns.ok),
            ("imports", imports is None or imports.ok),
        )
        if not ok
    ]
    errors = len(syntax_result.errors) + len(magic_result.problems)
    warnings = 0
    if returns is not None:
        errors += sum(p.severity == "error" for p in returns.problems)
        warnings += sum(p.severity == "warning" for p in returns.problems)
    if imports is not None and not imports.ok:
        errors += 1
    route = None
    if item.relative is not None:
        found = ctx.app.routes.table.by_file(item.relative)
        route = found.pattern if found is not None else None
    return ScriptValidation(
        ok=not failed,
        filename=item.relative or item.filename,
        route=route,
        summary=Summary(errors=errors, warnings=warnings, failed=failed),
        syntax=syntax_result,
        magic_comments=magic_result,
        return_type=returns,
        imports=imports,
    )


_ERRORS = (400, 401, 403, 404, 413, 422)

OPERATIONS = (
    Operation(
        "POST",
        "/validate/script",
        "validate",
        "Every check of a script, with a summary",
        Source,
        ScriptValidation,
        script,
        errors=_ERRORS,
        description="Syntax, magic comments, return type and relative imports.",
    ),
    Operation(
        "POST",
        "/validate/syntax",
        "validate",
        "Syntax errors (swc) with line/column",
        Source,
        SyntaxResult,
        syntax,
        errors=_ERRORS,
    ),
    Operation(
        "POST",
        "/validate/return-type",
        "validate",
        "Static check that the script returns something a response can carry",
        Source,
        ReturnTypeResult,
        return_type,
        errors=_ERRORS,
    ),
    Operation(
        "POST",
        "/validate/magic-comments",
        "validate",
        "Parse and validate magic comments",
        Source,
        MagicValidation,
        magic_comments,
        errors=_ERRORS,
    ),
)
