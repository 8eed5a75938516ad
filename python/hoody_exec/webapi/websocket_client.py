"""The host side of `WebSocket` inside isolates (webapi/js/96_websocket.js).

Wire format:
- `request("websocket.connect", JSON {"id", "url", "protocols"})`: resolves with
  JSON `{"protocol", "extensions"}` once the handshake is done, rejects with a reason.
- `request("websocket.next", "<id>")`: the next event, bytes whose first byte says
  what: `t` + UTF-8 text, `b` + binary data, `a` + decimal count (that many sent
  bytes left the buffer), `c` + JSON `{"code", "reason", "clean"}` (the last one).
- `post("websocket.send", b"<id>\\n" + b"t"|b"b" + data)`,
  `post("websocket.close", "<id>\\n<code>\\n<reason>")`.

The rules of `fetch` apply: the egress check on the resolved addresses (the socket
goes to the address that was checked), its message size limit, the isolate's
deadline (a serverless script's `@timeout`) and no cookies; an isolate that goes
away takes its sockets with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import websockets
from websockets.asyncio.client import ClientConnection, connect

from hoody_exec.webapi import egress
from hoody_exec.webapi.host import LIMITS, FetchLimits, time_left

__all__ = ["HOST_OPS", "forget_isolate", "register_host_ops"]


class _Answerable(Protocol):
    @property
    def id(self) -> int: ...
    def resolve(self, request_id: int, value: str | bytes) -> None: ...
    def reject(self, request_id: int, message: str) -> None: ...


class _Call(Protocol):
    @property
    def isolate(self) -> _Answerable: ...
    @property
    def id(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    def resolve(self, value: str | bytes) -> None: ...
    def reject(self, message: str) -> None: ...


@dataclass
class _Client:
    key: tuple[int, int]
    isolate: _Answerable
    conn: ClientConnection | None = None
    task: asyncio.Task[None] | None = None
    writer: asyncio.Task[None] | None = None
    events: deque[bytes] = field(default_factory=deque)
    outgoing: asyncio.Queue[tuple[bytes, bool] | None] = field(default_factory=asyncio.Queue)
    waiting: int | None = None  # the `websocket.next` request waiting for an event
    acked: int = 0
    ended: bool = False
    closing: tuple[int, str] | None = None  # close() was called


_clients: dict[tuple[int, int], _Client] = {}
GOING_AWAY = 1001


def forget_isolate(isolate: object) -> None:
    """Close every socket of an isolate that is going away."""
    key = getattr(isolate, "id", None)
    for found in [k for k in _clients if k[0] == key]:
        _drop(found)


def _drop(key: tuple[int, int]) -> None:
    client = _clients.pop(key, None)
    if client is None:
        return
    client.ended = True
    for task in (client.task, client.writer):
        if task is not None and task is not asyncio.current_task():
            task.cancel()
    if client.conn is not None:
        reason = "the script that opened it ended"
        with contextlib.suppress(RuntimeError):  # no loop: the process is ending
            asyncio.get_running_loop().create_task(_quiet(client.conn.close(GOING_AWAY, reason)))


def _push(client: _Client, event: bytes) -> None:
    if client.waiting is not None:
        waiting, client.waiting = client.waiting, None
        _deliver(client, waiting, event)
    else:
        client.events.append(event)


def _deliver(client: _Client, request_id: int, event: bytes) -> None:
    client.isolate.resolve(request_id, event)
    if event[:1] == b"c":  # the last event: the socket is forgotten once JavaScript has it
        _clients.pop(client.key, None)


def _named(call: _Call) -> tuple[tuple[int, int], _Client | None]:
    head = call.data.split(b"\n", 1)[0]
    key = (call.isolate.id, int(head) if head.isdigit() else -1)
    return key, _clients.get(key)


# ---------------------------------------------------------------- operations
def handle_connect(call: _Call) -> None:
    try:
        spec = json.loads(call.data)
        key = (call.isolate.id, int(spec["id"]))
        url = str(spec["url"])
        protocols = [str(p) for p in spec.get("protocols", [])]
    except (ValueError, KeyError, TypeError) as error:
        call.reject(f"bad websocket.connect message: {error}")
        return
    client = _Client(key, call.isolate)
    _clients[key] = client
    client.task = asyncio.get_running_loop().create_task(_run(key, client, call.id, url, protocols))


def handle_next(call: _Call) -> None:
    _, client = _named(call)
    if client is None:
        call.resolve(b'c{"code":1006,"reason":"","clean":false}')
        return
    if client.events:
        _deliver(client, call.id, client.events.popleft())
    elif client.acked:
        call.resolve(b"a%d" % client.acked)
        client.acked = 0
    else:
        client.waiting = call.id


def handle_send(call: _Call) -> None:
    _, client = _named(call)
    if client is None or client.ended:
        return
    rest = call.data.split(b"\n", 1)[1]
    client.outgoing.put_nowait((rest[1:], rest[:1] == b"t"))


def handle_close(call: _Call) -> None:
    _, client = _named(call)
    if client is None:
        return
    _, code, reason = call.data.decode("utf-8", errors="replace").split("\n", 2)
    # The writer closes after what was sent before (once connected, if still connecting).
    client.closing = (int(code) if code.isdigit() else 1000, reason)
    client.outgoing.put_nowait(None)


async def _quiet(awaitable: Any) -> None:
    with contextlib.suppress(Exception):
        await awaitable


# ---------------------------------------------------------------- the connection
async def _run(
    key: tuple[int, int], client: _Client, request_id: int, url: str, protocols: list[str]
) -> None:
    limits = LIMITS
    try:
        async with asyncio.timeout(time_left(client.isolate, limits.timeout)):
            conn = await _open(url, protocols, limits)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        _clients.pop(key, None)
        client.isolate.reject(request_id, _reason(error))
        return
    client.conn = conn
    client.isolate.resolve(
        request_id, json.dumps({"protocol": conn.subprotocol or "", "extensions": ""})
    )
    client.writer = asyncio.get_running_loop().create_task(_write(client, conn, limits))
    code, reason, clean = 1006, "", False
    try:
        async for message in conn:
            if isinstance(message, str):
                _push(client, b"t" + message.encode())
            else:
                _push(client, b"b" + message)
    except websockets.ConnectionClosed:
        pass
    finally:
        if not client.ended:
            received, sent = conn.protocol.close_rcvd, conn.protocol.close_sent
            frame = received or sent
            if frame is not None:
                code, reason = frame.code, frame.reason
                clean = received is not None and sent is not None
            end = {"code": code, "reason": reason, "clean": clean}
            _push(client, b"c" + json.dumps(end).encode())
            if client.writer is not None:
                client.writer.cancel()


async def _write(client: _Client, conn: ClientConnection, limits: FetchLimits) -> None:
    while True:
        item = await client.outgoing.get()
        if item is None:
            await _quiet(conn.close(*(client.closing or (1000, ""))))
            return
        data, text = item
        if len(data) > limits.max_response_bytes:
            await conn.close(1009, f"a message may have at most {limits.max_response_bytes} bytes")
            return
        try:
            await conn.send(data.decode("utf-8", "replace") if text else data)
        except websockets.ConnectionClosed:
            return
        client.acked += len(data)
        if client.waiting is not None:
            acked, client.acked = client.acked, 0
            _push(client, b"a%d" % acked)


async def _open(url: str, protocols: list[str], limits: FetchLimits) -> ClientConnection:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"cannot open {url!r}: only ws: and wss: URLs with a host")
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    addresses = await egress.checked_addresses(
        parts.hostname, port, limits.connect_timeout, what="WebSocket"
    )
    sock = await _connected(addresses, port)
    secure = parts.scheme == "wss"
    return await connect(
        url,
        sock=sock,
        ssl=httpx.create_ssl_context(trust_env=False) if secure else None,
        server_hostname=parts.hostname if secure else None,
        subprotocols=protocols or None,  # type: ignore[arg-type]
        max_size=limits.max_response_bytes,
        user_agent_header=limits.user_agent,
        proxy=None,
        open_timeout=limits.connect_timeout,
    )


async def _connected(addresses: list[Any], port: int) -> socket.socket:
    """A socket connected to the first of the checked addresses that answers."""
    loop = asyncio.get_running_loop()
    error: OSError | None = None
    for address in addresses:
        sock = socket.socket(socket.AF_INET6 if address.version == 6 else socket.AF_INET)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, (str(address), port))
            return sock
        except OSError as failed:
            sock.close()
            error = failed
    raise ConnectionError(f"could not connect: {error}")


def _reason(error: BaseException) -> str:
    if isinstance(error, egress.EgressRefused | ValueError | ConnectionError):
        return str(error)
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, websockets.InvalidStatus):
        return f"the server refused the WebSocket: HTTP {error.response.status_code}"
    if isinstance(error, ssl.SSLError):
        return f"TLS error: {error}"
    return f"{type(error).__name__}: {error}"


HOST_OPS = {
    "websocket.connect": handle_connect,
    "websocket.next": handle_next,
    "websocket.send": handle_send,
    "websocket.close": handle_close,
}


def register_host_ops(registry: Any) -> None:
    """Called by `hoody_exec.runtime.host.default_registry`."""
    for op, handler in HOST_OPS.items():
        registry.register(op, handler)
