"""sdk: import an OpenAPI document as a typed TypeScript client, list, get, delete.

Scripts import an SDK as `import api from 'sdk:<id>'` (python/hoody_exec/sdk/
generates and stores it; the bundler resolves `sdk:`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from hoody_exec.api.errors import ApiError, not_found, unprocessable
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation
from hoody_exec.sdk.document import DocumentError
from hoody_exec.sdk.importer import FetchFailed, fetch_document, import_sdk
from hoody_exec.sdk.store import ID_PATTERN, MODULE, SDK_DIR, SdkAuth, SdkMeta, SdkStore

__all__ = ["OPERATIONS"]

RESERVED_IDS = ("list", "import")  # they would collide with sdk/list and sdk/import
IdField = Field(
    pattern=ID_PATTERN,
    description="The SDK's id: scripts import it as `sdk:<id>` (lower-case letters, digits, "
    "- and _).",
)
_HEADER = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$"
_ENV = r"^[A-Za-z_][A-Za-z0-9_]{0,100}$"


class AuthIn(Model):
    header: str = Field(
        pattern=_HEADER, description="The header the credential goes in, e.g. X-Api-Key."
    )
    env: str = Field(
        pattern=_ENV,
        description="An allowed environment variable (`--env NAME` or the folder's .env) "
        "holding the value. The host adds the header to requests under the base URL; the "
        "value is never stored in the SDK nor seen by scripts' isolates.",
    )


class ImportRequest(Model):
    id: str = IdField
    document: dict[str, Any] | str | None = Field(
        default=None,
        description="The OpenAPI 3.0/3.1 document: a JSON object, or JSON or YAML text.",
    )
    url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        max_length=2000,
        description="Where the server fetches the document instead (http or https).",
    )
    base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        max_length=2000,
        description="Where the API is; default: the document's first server.",
    )
    auth: AuthIn | None = None


class OperationOut(Out):
    name: str = Field(description="The function's name in the SDK.")
    method: str
    path: str
    operation_id: str | None
    summary: str | None
    parameters: list[dict[str, Any]]
    body: str | None = Field(description="The body's TypeScript type (null: no body).")
    returns: str = Field(description="The TypeScript type of a 2xx answer.")


class AuthOut(Out):
    header: str
    env: str = Field(description="The environment variable's name (never its value).")


class SdkSummary(Out):
    id: str
    title: str
    version: str
    openapi: str
    base_url: str
    auth: AuthOut | None
    hash: str = Field(description="sha256 of the document the SDK was generated from.")
    generated_at: str
    source: str = Field(description='"inline" or the URL the document was fetched from.')
    operations: int
    module: str = Field(description="The generated module, relative to the scripts folder.")
    import_as: str = Field(description="What scripts write: import api from 'sdk:<id>'.")


class SdkImported(Out):
    sdk: SdkSummary
    operations: list[OperationOut]
    replaced: bool = Field(description="An SDK with this id existed and was replaced.")


class SdkList(Out):
    sdks: list[SdkSummary]


class SdkGet(Out):
    sdk: SdkSummary
    operations: list[OperationOut]


class IdRequest(Model):
    id: str = IdField


class SdkDeleted(Out):
    id: str
    deleted: list[str] = Field(description="The files removed.")
    note: str


def _summary(meta: SdkMeta) -> SdkSummary:
    auth = None if meta.auth is None else AuthOut(header=meta.auth.header, env=meta.auth.env)
    return SdkSummary(
        id=meta.id,
        title=meta.title,
        version=meta.version,
        openapi=meta.openapi,
        base_url=meta.base_url,
        auth=auth,
        hash=meta.hash,
        generated_at=meta.generated_at,
        source=meta.source,
        operations=len(meta.operations),
        module=(SDK_DIR / meta.id / MODULE).as_posix(),
        import_as=f"import api from 'sdk:{meta.id}'",
    )


def _operations(meta: SdkMeta) -> list[OperationOut]:
    return [OperationOut.model_validate(op, from_attributes=True) for op in meta.operations]


async def import_(ctx: Context, body: ImportRequest) -> SdkImported:
    if (body.document is None) == (body.url is None):
        raise unprocessable("validation_error", "give exactly one of `document` or `url`")
    if body.id in RESERVED_IDS:
        raise unprocessable(
            "validation_error",
            f"the id {body.id!r} is reserved (sdk/{body.id} is an operation); choose another",
        )
    auth = None
    if body.auth is not None:
        allowed = sorted(ctx.app.runtime.loader.env)
        if body.auth.env not in allowed:
            raise unprocessable(
                "env_not_allowed",
                f"auth.env {body.auth.env!r} is not an allowed environment variable; allowed: "
                f"{', '.join(allowed) or 'none'} (allow one with `hoody-exec serve --env NAME` "
                "or the folder's .env)",
                {"env": body.auth.env, "allowed": allowed},
            )
        auth = SdkAuth(header=body.auth.header, env=body.auth.env)
    raw: Any = body.document
    source = "inline"
    if body.url is not None:
        try:
            raw = await fetch_document(body.url)
        except FetchFailed as failed:
            raise ApiError(502, "fetch_failed", str(failed), {"url": body.url}) from None
        source = body.url
    try:
        done = await asyncio.to_thread(
            import_sdk, ctx.root, body.id, raw, source=source, base_url=body.base_url, auth=auth
        )
    except DocumentError as error:
        raise unprocessable(
            "invalid_document",
            f"the OpenAPI document cannot be imported: {error.message} (at {error.path})",
            {"path": error.path, "message": error.message},
        ) from None
    ctx.changed(*done.written)
    return SdkImported(
        sdk=_summary(done.meta), operations=_operations(done.meta), replaced=done.replaced
    )


async def list_sdks(ctx: Context, _: NoInput) -> SdkList:
    metas = await asyncio.to_thread(SdkStore(ctx.root).list)
    return SdkList(sdks=[_summary(m) for m in metas])


def _missing(sdk_id: str, store: SdkStore) -> ApiError:
    known = [m.id for m in store.list()]
    return not_found(
        f"no SDK {sdk_id!r} (sdk/list shows the SDKs there are: {', '.join(known) or 'none'})",
        {"id": sdk_id, "known": known},
    )


async def get(ctx: Context, body: IdRequest) -> SdkGet:
    store = SdkStore(ctx.root)
    meta = store.load(body.id)
    if meta is None:
        raise _missing(body.id, store)
    return SdkGet(sdk=_summary(meta), operations=_operations(meta))


async def delete(ctx: Context, body: IdRequest) -> SdkDeleted:
    store = SdkStore(ctx.root)
    removed = await asyncio.to_thread(store.delete, body.id)
    if removed is None:
        raise _missing(body.id, store)
    ctx.changed(*removed)
    return SdkDeleted(
        id=body.id,
        deleted=[p.relative_to(ctx.root).as_posix() for p in removed],
        note=f"scripts importing 'sdk:{body.id}' now fail to bundle with an error naming it",
    )


OPERATIONS = (
    Operation(
        "POST",
        "/sdk/import",
        "sdk",
        "Import an OpenAPI document as a typed TypeScript client",
        ImportRequest,
        SdkImported,
        import_,
        errors=(400, 401, 422, 502),
        description="Generates `.hoody/sdk/<id>/index.ts` from an OpenAPI 3.0 or 3.1 document "
        "(inline JSON or YAML, or fetched from `url`): one async function per operation, "
        "types for parameters, bodies and answers, `ApiError` for non-2xx answers. Scripts "
        "import it as `sdk:<id>`; its base URL becomes an allowed fetch destination. "
        "Re-importing an id replaces it. Swagger 2.0 and broken documents are answered 422 "
        "with the JSON path of the problem.",
    ),
    Operation(
        "GET",
        "/sdk/list",
        "sdk",
        "List the imported SDKs",
        NoInput,
        SdkList,
        list_sdks,
        errors=(400, 401, 422),
    ),
    Operation(
        "GET",
        "/sdk/{id}",
        "sdk",
        "One SDK: its operations, base URL, hash and generation time",
        IdRequest,
        SdkGet,
        get,
        errors=(400, 401, 404, 422),
        name="sdk_get",
    ),
    Operation(
        "DELETE",
        "/sdk/{id}",
        "sdk",
        "Delete an SDK",
        IdRequest,
        SdkDeleted,
        delete,
        errors=(400, 401, 404, 422),
        name="sdk_delete",
        description="Removes `.hoody/sdk/<id>/`; scripts that import it then fail with a "
        "bundle error naming the id.",
    ),
)
