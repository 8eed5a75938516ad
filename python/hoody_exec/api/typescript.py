"""validate/typescript: the real TypeScript compiler over a script and its imports."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hoody_exec.api.errors import ApiError
from hoody_exec.api.models import Out, Source
from hoody_exec.api.operation import Context, Operation
from hoody_exec.api.validate import _input
from hoody_exec.deps import DependencyError
from hoody_exec.typecheck import TYPESCRIPT_VERSION, TypeCheckError, get_checker


class TsDiagnostic(Out):
    code: int = Field(description="TypeScript's diagnostic code (2322 for TS2322).")
    category: Literal["error", "warning", "suggestion", "message"]
    message: str = Field(description="The message, chained messages joined by newlines.")
    file: str | None = Field(
        description="Relative to the scripts folder (the inline `filename` for content); "
        "null for a diagnostic about the options."
    )
    line: int | None = Field(description="1-based; null when the diagnostic has no position.")
    column: int | None = Field(description="1-based, in characters (code points).")


class TypeScriptValidation(Out):
    ok: bool = Field(description="No diagnostic of category error.")
    filename: str
    typescript_version: str
    wrapped: bool = Field(
        description="Checked as the body of an async function (the file returns at "
        "the top level), as the runtime runs it."
    )
    errors: int
    warnings: int
    diagnostics: list[TsDiagnostic]


async def typescript(ctx: Context, body: Source) -> TypeScriptValidation:
    item = _input(ctx, body)
    entry = item.relative or item.filename
    try:
        checker = await get_checker(installer=ctx.app.runtime.loader.deps.installer)
        result = await checker.check(ctx.root, entry, item.source)
    except DependencyError as error:
        raise ApiError(
            503,
            "typescript_unavailable",
            f"typescript {TYPESCRIPT_VERSION} is missing and its install failed: {error}",
        ) from None
    except TypeCheckError as error:
        raise ApiError(503, "typecheck_failed", str(error)) from None
    diagnostics = [TsDiagnostic(**d.to_json()) for d in result.diagnostics]
    return TypeScriptValidation(
        ok=result.ok,
        filename=entry,
        typescript_version=TYPESCRIPT_VERSION,
        wrapped=result.wrapped,
        errors=sum(d.category == "error" for d in diagnostics),
        warnings=sum(d.category == "warning" for d in diagnostics),
        diagnostics=diagnostics,
    )


OPERATIONS = (
    Operation(
        "POST",
        "/validate/typescript",
        "validate",
        "Type-check a script with the TypeScript compiler",
        Source,
        TypeScriptValidation,
        typescript,
        errors=(400, 401, 403, 404, 413, 422, 503),
        description="Runs the pinned TypeScript compiler (installed on first use) in a "
        "warm isolate over the script, its relative imports and the types of the npm "
        "packages it imports, with the injected names typed. A script returning at the "
        "top level is accepted. See docs/typescript.md.",
    ),
)
