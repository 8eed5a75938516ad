"""The management router: one table of operations, dispatched and documented.

Requests: GET takes query parameters; POST and PUT a JSON object body; DELETE a
JSON body or query parameters. Every operation but `health` needs the admin
token (Bearer or X-Token). Answers are JSON objects; errors are
`{"error": {"code", "message", "details"}}`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from pydantic import BaseModel, ValidationError

from hoody_exec.api import (
    cache,
    dependencies,
    health,
    logs,
    magic,
    monitor,
    package,
    routes,
    schedules,
    scripts,
    sdk,
    state,
    system,
    templates,
    typescript,
    user_openapi,
    validate,
)
from hoody_exec.api.auth import CHALLENGE, ensure_admin_token, is_authorized
from hoody_exec.api.errors import ApiError, bad_request, body_timeout, too_large
from hoody_exec.api.models import NoInput
from hoody_exec.api.operation import Context, Operation, RawReply, StreamReply
from hoody_exec.api.paths import Confinement
from hoody_exec.config import ServerConfig
from hoody_exec.observability import get_logger
from hoody_exec.routing import RESERVED_PREFIX
from hoody_exec.server.app import HoodyApp
from hoody_exec.server.asgi import (
    JSON_HEADERS,
    BodyTimeout,
    BodyTooLarge,
    Headers,
    Receive,
    Scope,
    Send,
    declared_length,
    disconnected,
    header_list,
    json_body,
    parse_query,
    read_body,
    send_head,
    send_response,
)

log = get_logger("hoody_exec.api")

# NOTE: scripts are capped at 1 MiB (files.MAX_SCRIPT_BYTES); JSON escaping can
# grow that, so the request cap leaves room for it.
MAX_REQUEST_BYTES = 8 * 1024 * 1024

OPENAPI_PATH = "/openapi.json"


async def _openapi(ctx: Context, _: BaseModel) -> dict[str, Any]:
    from hoody_exec.api.openapi import build_document

    return build_document(OPERATIONS)


OPERATIONS: tuple[Operation, ...] = (
    *scripts.OPERATIONS,
    *validate.OPERATIONS,
    *typescript.OPERATIONS,
    *magic.OPERATIONS,
    *routes.OPERATIONS,
    *health.OPERATIONS,
    *logs.OPERATIONS,
    *state.OPERATIONS,
    *monitor.OPERATIONS,
    *cache.OPERATIONS,
    *system.OPERATIONS,
    *dependencies.OPERATIONS,
    *package.OPERATIONS,
    *templates.OPERATIONS,
    *user_openapi.OPERATIONS,
    *schedules.OPERATIONS,
    *sdk.OPERATIONS,
    Operation(
        "GET",
        OPENAPI_PATH,
        "meta",
        "This API's OpenAPI 3.1 document",
        NoInput,
        None,
        _openapi,
        errors=(401,),
    ),
)


class ManagementApi:
    """The ASGI app `HoodyApp` mounts under the reserved prefix."""

    def __init__(
        self, config: ServerConfig, operations: tuple[Operation, ...] = OPERATIONS
    ) -> None:
        self.config = config
        self.token = ensure_admin_token(config.root_path.resolve(), config.admin_token)
        self.operations = operations
        self._by_path: dict[str, dict[str, Operation]] = {}
        # Operations with `{name}` segments, tried in order when no exact path fits.
        self._templated: dict[str, dict[str, Operation]] = {}
        for op in operations:
            table = self._templated if op.path_parameters else self._by_path
            table.setdefault(op.path, {})[op.method] = op
        self._context: Context | None = None

    def attach(self, app: HoodyApp) -> None:
        self._context = Context(app, Confinement(app.root))

    def __repr__(self) -> str:
        return f"ManagementApi({len(self.operations)} operations)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        path: str = scope["path"][len(RESERVED_PREFIX) :] or "/"
        method: str = scope["method"]
        head = method == "HEAD"
        status = 500
        try:
            status, data, extra = await self._dispatch(scope, receive, path, method)
            if isinstance(data, StreamReply):
                await _stream(scope, receive, send, data)
                log.info("management", method=method, path=RESERVED_PREFIX + path, status=200)
                return
        except ApiError as error:
            status, data = error.status, error.to_json()
            extra = [("www-authenticate", CHALLENGE)] if status == 401 else []
            if error.status == 405:
                extra = [("allow", ", ".join(error.details["allowed"]))]
        except Exception:
            log.exception("management operation failed", method=method, path=path)
            status = 500
            data = ApiError(
                500, "internal_error", "the operation failed; see the server log"
            ).to_json()
            extra = []
        if isinstance(data, RawReply):
            headers: Headers = [("content-type", data.media_type), *extra]
            await send_response(send, status, headers, data.body, head=head)
        else:
            await send_response(send, status, [*JSON_HEADERS, *extra], json_body(data), head=head)
        # NOTE: method, path and status only: never headers (the token) or bodies.
        log.info(
            "management",
            method=method,
            path=RESERVED_PREFIX + path,
            status=status,
            duration_ms=round((time.monotonic() - started) * 1000, 2),
        )

    async def _dispatch(
        self, scope: Scope, receive: Receive, path: str, method: str
    ) -> tuple[int, Any, Headers]:
        methods = self._by_path.get(path)
        path_params: dict[str, str] = {}
        if methods is None:
            methods, path_params = self._templated_match(path)
        op = methods.get("GET" if method == "HEAD" else method)
        if op is None:
            allowed = sorted(methods)
            raise ApiError(
                405,
                "method_not_allowed",
                f"{RESERVED_PREFIX}{path} accepts {', '.join(allowed)}",
                {"allowed": allowed},
            )
        headers = header_list(scope)
        if not op.open and not is_authorized(self.token, headers):
            raise ApiError(
                401,
                "unauthorized",
                "the management API needs the admin token: "
                "Authorization: Bearer <token> or X-Token: <token>",
            )
        raw = await self._input(scope, receive, headers, op)
        if path_params:
            raw = {**raw, **path_params}
        try:
            request = op.request.model_validate(raw)
        except ValidationError as error:
            raise ApiError(
                422,
                "validation_error",
                "the request does not match the operation's schema",
                error.errors(include_url=False, include_input=False, include_context=False),
            ) from None
        if self._context is None:
            raise RuntimeError("ManagementApi.attach(app) was not called")
        reply = await op.handler(self._context, request)
        status = 200
        if isinstance(reply, tuple):
            status, reply = reply
        if isinstance(reply, RawReply):
            return reply.status, reply, []
        if isinstance(reply, BaseModel):
            return status, reply.model_dump(mode="json"), []
        return status, reply, []

    def _templated_match(self, path: str) -> tuple[dict[str, Operation], dict[str, str]]:
        for methods in self._templated.values():
            params = next(iter(methods.values())).match(path)
            if params is not None:
                return methods, params
        raise ApiError(404, "not_found", f"no management operation at {RESERVED_PREFIX}{path}")

    async def _input(
        self, scope: Scope, receive: Receive, headers: Headers, op: Operation
    ) -> dict[str, Any]:
        query = parse_query(scope.get("query_string", b"").decode("latin-1"))
        if op.method == "GET":
            if op.media_type == "text/event-stream":
                # An EventSource reconnecting sends where it stopped as a header.
                resume = next((v for k, v in headers if k == "last-event-id"), None)
                if resume and "last_event_id" not in query:
                    query["last_event_id"] = resume
            return query
        declared = declared_length(headers)
        if declared is not None and declared > MAX_REQUEST_BYTES:
            raise too_large(
                f"management request bodies are limited to {MAX_REQUEST_BYTES} bytes",
                MAX_REQUEST_BYTES,
            )
        if self._context is None:
            raise RuntimeError("ManagementApi.attach(app) was not called")
        timeout_s = self._context.app.config.body_timeout_s
        try:
            raw = await read_body(receive, MAX_REQUEST_BYTES, deadline=time.monotonic() + timeout_s)
        except BodyTimeout as late:
            raise body_timeout(late.received, declared, timeout_s) from None
        except BodyTooLarge:
            raise too_large(
                f"management request bodies are limited to {MAX_REQUEST_BYTES} bytes",
                MAX_REQUEST_BYTES,
            ) from None
        if not raw.strip():
            return query if op.method == "DELETE" else {}
        try:
            data = msgspec.json.decode(raw)
        except msgspec.DecodeError as error:
            raise bad_request("invalid_json", f"the body is not valid JSON: {error}") from None
        except RecursionError:
            raise bad_request("invalid_json", "the body is nested too deeply") from None
        if not isinstance(data, dict):
            raise bad_request("invalid_json", "the body must be a JSON object")
        if op.method == "DELETE" and query:
            return {**query, **data}
        return data


async def _stream(scope: Scope, receive: Receive, send: Send, reply: StreamReply) -> None:
    """Send `reply`'s chunks until they end or the client goes away."""
    await send_head(send, 200, [("content-type", reply.media_type), *reply.headers])
    if scope["method"] == "HEAD":
        await send({"type": "http.response.body", "body": b""})
        return

    async def pump() -> None:
        async for chunk in reply.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    sending = asyncio.ensure_future(pump())
    gone = asyncio.ensure_future(disconnected(receive))
    try:
        await asyncio.wait({sending, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sending, gone):
            task.cancel()
        await asyncio.gather(sending, gone, return_exceptions=True)
        aclose = getattr(reply.chunks, "aclose", None)
        if aclose is not None:
            await aclose()
