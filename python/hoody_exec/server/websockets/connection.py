"""One WebSocket connection to a `@websocket` script: the upgrade's checks, the
handshake, then a reader (client → `ws.message`) and a writer (the socket's queue →
client) until either side closes.

Every handler run is one call on the script's worker isolate, bounded by the
script's `@timeout`; the connection itself lives as long as both sides want.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import msgspec

from hoody_exec.observability import LogPolicy, get_logger
from hoody_exec.routing import RESERVED_PREFIX, RouteMatch
from hoody_exec.runtime.limits import IsolateLost, LimitExceeded, ScriptFailure, ScriptThrew
from hoody_exec.runtime.loader import LoadedScript
from hoody_exec.runtime.protocol import CallRequest, decode_response, encode_call
from hoody_exec.server.asgi import (
    JSON_HEADERS,
    Headers,
    Receive,
    Scope,
    Send,
    cookies_of,
    header_list,
    json_body,
    parse_query,
)
from hoody_exec.server.auth import CHALLENGE, PROTOCOL_PREFIX, token_matches
from hoody_exec.server.websockets.limits import (
    GOING_AWAY,
    INTERNAL_ERROR,
    NO_STATUS,
    TOO_BIG,
    connections_exceeded,
)

if TYPE_CHECKING:
    from hoody_exec.server.app import HoodyApp
    from hoody_exec.server.websockets.hub import SocketHub

log = get_logger("hoody_exec.websocket")

_accept = msgspec.json.Decoder(dict[str, Any])
# How long a client may take to answer the server's close frame.
CLOSE_WAIT_S = 5.0
_HANDLERS = {"open": "ws.open", "close": "ws.close", "ack": "ws.drain"}


class Refused(Exception):
    """The upgrade is answered with an HTTP response instead of the handshake."""

    def __init__(self, status: int, body: object, headers: Headers | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = json_body(body) if not isinstance(body, bytes) else body
        self.headers = headers if headers is not None else list(JSON_HEADERS)


async def serve_websocket(app: HoodyApp, scope: Scope, receive: Receive, send: Send) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    started = time.monotonic()
    headers = header_list(scope)
    try:
        script, match = await _checked_script(app, scope, headers)
        conn = await _open(app, scope, headers, script, match, send, started)
    except Refused as refused:
        await send(
            {
                "type": "websocket.http.response.start",
                "status": refused.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in refused.headers],
            }
        )
        await send({"type": "websocket.http.response.body", "body": refused.body})
        return
    await conn.run(receive)


async def _checked_script(
    app: HoodyApp, scope: Scope, headers: Headers
) -> tuple[LoadedScript, RouteMatch]:
    """The script the upgrade names, once the route, `@websocket`, the Origin
    (`@cors`), the token and the connection limit allow it."""
    path: str = scope["path"]
    if path == RESERVED_PREFIX or path.startswith(RESERVED_PREFIX + "/"):
        raise Refused(404, {"error": "not_found", "message": "the management API has no "
                            "WebSocket endpoints", "path": path})  # fmt: skip
    found = app.routes.table.resolve(path)
    if not isinstance(found, RouteMatch) and app.routes.rescan_if_stale():
        found = app.routes.table.resolve(path)
    if not isinstance(found, RouteMatch):
        raise Refused(found.status, {"error": found.error, "message": found.reason, "path": path})
    file = found.route.file
    try:
        script = await app.runtime.loader.load(file)
    except ScriptFailure as failure:
        raise Refused(failure.status, failure.to_json()) from None
    magic = script.magic
    if not magic.websocket:
        raise Refused(
            400,
            {
                "error": "websocket_not_enabled",
                "message": f"{file} does not accept WebSocket connections: add `// @websocket` "
                "(with `// @mode worker`) to its leading comments",
                "script": file,
            },
        )
    if not origin_allowed(magic.cors, headers):
        origin = next(v for k, v in headers if k == "origin")
        raise Refused(
            403,
            {
                "error": "origin_not_allowed",
                "message": f"a page from {origin} may not open a WebSocket to {file}: its "
                f"@cors is {magic.cors!r} (allowed: the server's own origin"
                + ("" if magic.cors == "none" else f" and {magic.cors}")
                + "; set `// @cors` to admit more)",
                "script": file,
            },
        )
    query_string = scope.get("query_string", b"").decode("latin-1")
    if magic.token_digest is not None and not token_matches(
        magic.token_digest, headers, query_string
    ):
        raise Refused(
            401,
            {
                "error": "unauthorized",
                "message": "this script requires a token: Authorization: Bearer <token>, "
                "X-Token: <token>, ?token=<token> or the WebSocket subprotocol "
                f"{PROTOCOL_PREFIX}<token>",
                "script": file,
            },
            [*JSON_HEADERS, ("www-authenticate", CHALLENGE)],
        )
    limit = app.sockets.limits.max_connections
    if app.sockets.count(file) >= limit:
        failure = connections_exceeded(file, limit)
        raise Refused(503, failure.to_json(), [*JSON_HEADERS, *failure.headers])
    return script, found


def origin_allowed(cors: str, headers: Headers) -> bool:
    """Clients that are not browsers send no Origin. A page may connect from the
    server's own origin, or from one the script's `@cors` admits."""
    origin = next((v for k, v in headers if k == "origin"), None)
    if origin is None:
        return True
    host = next((v for k, v in headers if k == "host"), None)
    if host is not None and urlsplit(origin).netloc.lower() == host.lower():
        return True
    if cors in ("*", "reflective"):
        return True
    return cors != "none" and origin.rstrip("/") == cors.rstrip("/")


async def _open(
    app: HoodyApp,
    scope: Scope,
    headers: Headers,
    script: LoadedScript,
    match: RouteMatch,
    send: Send,
    started: float,
) -> Connection:
    policy = LogPolicy(script.magic.log_level)
    try:
        slot = await app.runtime.socket_slot(script, policy)
    except ScriptFailure as failure:
        raise Refused(failure.status, failure.to_json()) from None
    conn = Connection(app.sockets, app, script, slot, send, policy, scope, started)
    app.sockets.add(conn)
    call = _upgrade_call(app, scope, headers, script, match, conn.rid)
    payload = f"{app.sockets.limits.send_buffer}\n{encode_call(call)}"
    try:
        raw = await conn.event("open", payload, raise_failure=True)
    except ScriptFailure as failure:
        conn.abandon()
        status = failure.status
        raise Refused(status, failure.to_json()) from None
    answer = _accept.decode(raw or b'{"accept":true}')
    refuse = answer.get("refuse")
    if refuse is not None:
        conn.abandon()
        response = decode_response(msgspec.json.encode(refuse))
        raise Refused(response.status, response.body_bytes(), response.headers)
    conn.subprotocol = _subprotocol(headers)
    return conn


def _subprotocol(headers: Headers) -> str | None:
    """The first offered subprotocol that is not a token (a browser that offered
    some fails the handshake unless one is selected)."""
    for name, value in headers:
        if name == "sec-websocket-protocol":
            for part in value.split(","):
                if part.strip() and not part.strip().startswith(PROTOCOL_PREFIX):
                    return part.strip()
    return None


def _upgrade_call(
    app: HoodyApp,
    scope: Scope,
    headers: Headers,
    script: LoadedScript,
    match: RouteMatch,
    rid: str,
) -> CallRequest:
    query_string = scope.get("query_string", b"").decode("latin-1")
    host = next((v for k, v in headers if k == "host"), "localhost")
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    url = f"{scheme}://{host}{quote(scope['path'])}"
    return CallRequest(
        rid=rid,
        script=script.file,
        mode=script.magic.mode,
        method="GET",
        url=f"{url}?{query_string}" if query_string else url,
        path=scope["path"],
        query=parse_query(query_string),
        params=match.params,
        headers=headers,
        ip=(scope.get("client") or (None,))[0],
        cookies=cookies_of(headers),
        env=app.runtime.loader.env,
        websocket=True,
    )


class Connection:
    def __init__(
        self,
        hub: SocketHub,
        app: HoodyApp,
        script: LoadedScript,
        slot: Any,
        send: Send,
        policy: LogPolicy,
        scope: Scope,
        started: float,
    ) -> None:
        self.hub = hub
        self.runtime = app.runtime
        self.loaded = script
        self.script = script.file
        self.slot = slot
        self.isolate_id: int = slot.isolate.id
        self.send = send
        self.policy = policy
        self.path: str = scope["path"]
        self.ip = (scope.get("client") or (None,))[0]
        self.sid = secrets.token_hex(8)
        self.rid = secrets.token_hex(8)
        self.started = started
        self.opened_at = time.time()
        self.subprotocol: str | None = None
        self.limits = hub.limits
        self.queue: deque[tuple[bytes, bool, bool]] = deque()  # data, text, sent by send()
        self.queued = 0
        self.unacked = 0
        self.wake = asyncio.Event()
        self.closing: tuple[int, str] | None = None
        self.client_code: int | None = None
        self.isolate_alive = True
        self.last_activity = time.monotonic()
        self.messages_in = self.messages_out = self.bytes_in = self.bytes_out = 0
        self._released = False
        self._reader: asyncio.Task[Any] | None = None
        self.in_flight = 0  # message handler runs not finished
        self.resume = asyncio.Event()
        self._gave_up = False

    # ------------------------------------------------------------ from the hub
    def enqueue(self, data: bytes, *, text: bool, direct: bool) -> None:
        if self.closing is not None:
            return
        if not direct and self.queued >= self.limits.send_buffer:
            # A broadcast to a reader this far behind is dropped for it, not queued.
            counters = self.hub.counters.dropped
            counters[self.script] = counters.get(self.script, 0) + 1
            return
        self.queue.append((data, text, direct))
        self.queued += len(data)
        self.wake.set()

    def close(self, code: int, reason: str, *, by_script: bool = False) -> None:
        """Close after what is queued (a script's close) or at once (the server's)."""
        if self.closing is not None:
            return
        self.closing = (code, reason)
        if not by_script:
            self.queue.clear()
            self.queued = 0
            # A client that stopped reading would hold the writer (and the isolate).
            asyncio.get_running_loop().call_later(2 * CLOSE_WAIT_S, self._give_up)
        self.wake.set()

    def isolate_gone(self) -> None:
        self.isolate_alive = False

    def abandon(self) -> None:
        """The upgrade was refused after the socket was registered."""
        self.hub.remove(self)
        self._release()

    def describe(self) -> dict[str, Any]:
        return {
            "socket_id": self.sid,
            "request_id": self.rid,
            "script": self.script,
            "path": self.path,
            "opened_at": self.opened_at,
            "open_ms": round((time.monotonic() - self.started) * 1000, 1),
            "messages_in": self.messages_in,
            "messages_out": self.messages_out,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "buffered_bytes": self.queued,
        }

    # ------------------------------------------------------------ handler runs
    async def event(
        self, kind: str, rest: str, *, raise_failure: bool = False
    ) -> str | bytes | None:
        """Run one handler; a failure is logged (with its TypeScript line) and, for
        `open`, raised. None when it failed or the isolate is gone."""
        if not self.isolate_alive:
            return None
        try:
            return await self._call(kind, rest)
        except ScriptFailure as failure:
            self._failed(kind, failure)
            if raise_failure:
                raise
            return None

    def _call(self, kind: str, rest: str) -> asyncio.Future[str | bytes]:
        self.hub.batches.flush(self.isolate_id)  # this socket's messages come first
        return self.call(f"\x01{kind}\n{self.sid}\n{rest}")

    def call(self, payload: str) -> asyncio.Future[str | bytes]:
        return self.runtime.socket_call(self.loaded, self.slot, payload, self.rid, self.policy)

    def _failed(self, kind: str, failure: ScriptFailure) -> None:
        if isinstance(failure, LimitExceeded | IsolateLost):
            self.isolate_alive = self.slot.isolate.alive
        self._log_failure(kind, failure)

    def message_finished(self) -> None:
        self.in_flight -= 1
        if self.in_flight < self.limits.in_flight:
            self.resume.set()

    def message_failed(self, error: BaseException | None) -> None:
        if isinstance(error, ScriptFailure):
            self._failed("message", error)
        elif error is not None:
            log.error("ws.message failed", script=self.script, error=repr(error))

    def _log_failure(self, kind: str, failure: ScriptFailure) -> None:
        if not self.policy.errors:
            return
        fields: dict[str, Any] = {"script": self.script, "socket_id": self.sid}
        if isinstance(failure, ScriptThrew):
            fields.update(line=failure.line, column=failure.column, file=failure.script)
        handler = _HANDLERS.get(kind, "ws.message")
        log.error(f"{handler} failed: {failure.message}", request_id=self.rid, **fields)

    # ------------------------------------------------------------ the connection
    async def run(self, receive: Receive) -> None:
        await self.send({"type": "websocket.accept", "subprotocol": self.subprotocol})
        if self.policy.requests:
            log.info(
                "websocket open",
                request_id=self.rid,
                socket_id=self.sid,
                script=self.script,
                path=self.path,
                ip=self.ip,
            )
        self._reader = asyncio.current_task()
        writer = asyncio.get_running_loop().create_task(self._write())
        try:
            await self._read(receive)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not (self._gave_up and task is not None and task.uncancel() == 0):
                raise  # not our own give-up: the server is stopping this task
        finally:
            if not writer.done():
                writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
            await self._finish()

    async def _read(self, receive: Receive) -> None:
        limits = self.limits
        counters = self.hub.counters
        idle = limits.idle_timeout_s
        if idle > 0:
            self._watch_idle(idle)
        while True:
            try:
                message = await receive()
            except Exception:  # the server's receive failing: the connection is gone
                return
            kind = message["type"]
            if kind == "websocket.disconnect":
                self.client_code = int(message.get("code") or NO_STATUS)
                return
            if kind != "websocket.receive" or self.closing is not None:
                continue
            self.last_activity = time.monotonic()
            text = message.get("text")
            data = message.get("bytes")
            size = len(text.encode()) if text is not None else len(data or b"")
            if size > limits.max_message:
                self.close(
                    TOO_BIG, f"a message may have at most {limits.max_message} bytes; got {size}"
                )
                continue
            self.messages_in += 1
            self.bytes_in += size
            counters.received(self.script, size)
            if text is not None:
                rest = ("t", text)
            else:
                rest = ("b", base64.b64encode(data or b"").decode())
            if self.policy.payloads:
                log.info("websocket message", request_id=self.rid, socket_id=self.sid,
                         script=self.script, body=(text or repr(data))[:1024])  # fmt: skip
            if not self.isolate_alive:
                continue
            self.in_flight += 1
            # The bytes sent since the last report ride along (socket.bufferedAmount).
            acked, self.unacked = self.unacked, 0
            self.hub.batches.submit(self, f"\x01{rest[0]}\n{self.sid}\n{acked}\n{rest[1]}")
            if self.in_flight >= limits.in_flight:
                # Reading pauses: the client waits in TCP, not in our memory.
                self.resume.clear()
                await self.resume.wait()

    def _watch_idle(self, idle: float) -> None:
        """One timer per socket, re-armed from the last activity (not a timeout
        scope per message: those are the hot path)."""
        loop = asyncio.get_running_loop()

        def check() -> None:
            if self.closing is not None or self._reader is None or self._reader.done():
                return
            quiet = time.monotonic() - self.last_activity
            if quiet >= idle:
                self.close(GOING_AWAY, f"idle for {idle:g} s (the server's idle timeout)")
            else:
                loop.call_later(idle - quiet, check)

        loop.call_later(idle, check)

    async def _write(self) -> None:
        send = self.send
        counters = self.hub.counters
        ack_every = max(self.limits.send_buffer // 4, 1)
        while True:
            while self.queue:
                data, text, direct = self.queue.popleft()
                if text:
                    await send({"type": "websocket.send", "text": data.decode("utf-8", "replace")})
                else:
                    await send({"type": "websocket.send", "bytes": data})
                size = len(data)
                self.queued -= size
                self.messages_out += 1
                self.bytes_out += size
                counters.sent(self.script, size)
                self.last_activity = time.monotonic()
                if direct:
                    self.unacked += size
                    if self.unacked >= ack_every:
                        acked, self.unacked = self.unacked, 0
                        asyncio.get_running_loop().create_task(self.event("ack", str(acked)))
            if self.closing is not None:
                code, reason = self.closing
                await send({"type": "websocket.close", "code": code, "reason": reason})
                asyncio.get_running_loop().call_later(CLOSE_WAIT_S, self._give_up)
                return
            self.wake.clear()
            await self.wake.wait()

    def _give_up(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._gave_up = True
            self._reader.cancel()

    async def _finish(self) -> None:
        if self.closing is not None:
            code, reason = self.closing
        else:
            code, reason = self.client_code or NO_STATUS, ""
        self.hub.remove(self)
        self.hub.closed(self.script, code)
        try:
            await self.event("close", f"{code}\n{reason}")
        finally:
            self._release()
        if self.policy.requests or (code == INTERNAL_ERROR and self.policy.errors):
            log.info(
                "websocket closed",
                request_id=self.rid,
                socket_id=self.sid,
                script=self.script,
                code=code,
                reason=reason,
                by="server" if self.closing is not None else "client",
                duration_ms=round((time.monotonic() - self.started) * 1000, 1),
                messages_in=self.messages_in,
                messages_out=self.messages_out,
            )

    def _release(self) -> None:
        if not self._released:
            self._released = True
            self.runtime.release_socket(self.slot)
