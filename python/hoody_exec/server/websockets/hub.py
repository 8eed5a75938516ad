"""The open sockets of this worker process: lookup by id, script and isolate, the
host operations scripts send through (`ws.send`, `ws.close`, `ws.broadcast`), and
closing whole groups (a script changed, its isolate ended, the server stops).

Rooms live in the isolate (runtime/js/sockets.js): a broadcast names its sockets.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hoody_exec.observability import get_logger
from hoody_exec.server.websockets.batch import MessageBatches
from hoody_exec.server.websockets.limits import (
    GOING_AWAY,
    INTERNAL_ERROR,
    SERVICE_RESTART,
    SocketLimits,
)

if TYPE_CHECKING:
    from hoody_exec.server.websockets.connection import Connection

log = get_logger("hoody_exec.websocket")
K = TypeVar("K")
# How long shutdown waits for sockets to finish their close handshake.
SHUTDOWN_WAIT_S = 3.0


class _Call(Protocol):
    @property
    def isolate(self) -> Any: ...
    @property
    def data(self) -> bytes: ...


class _Registry(Protocol):
    def register(self, op: str, handler: Callable[[Any], None]) -> None: ...


class SocketCounters:
    """Totals since the process started (the metrics sampler reads them)."""

    def __init__(self) -> None:
        self.messages_in: dict[str, int] = {}
        self.messages_out: dict[str, int] = {}
        self.bytes_in: dict[str, int] = {}
        self.bytes_out: dict[str, int] = {}
        self.closes: dict[tuple[str, int], int] = {}
        self.dropped: dict[str, int] = {}

    def received(self, script: str, size: int) -> None:
        self.messages_in[script] = self.messages_in.get(script, 0) + 1
        self.bytes_in[script] = self.bytes_in.get(script, 0) + size

    def sent(self, script: str, size: int) -> None:
        self.messages_out[script] = self.messages_out.get(script, 0) + 1
        self.bytes_out[script] = self.bytes_out.get(script, 0) + size


class SocketHub:
    def __init__(self, limits: SocketLimits) -> None:
        self.limits = limits
        self.by_id: dict[str, Connection] = {}
        self.by_script: dict[str, set[Connection]] = {}
        self.by_isolate: dict[int, set[Connection]] = {}
        self.counters = SocketCounters()
        self.version = 0  # bumped on every open and close (the monitor's file)
        self.batches = MessageBatches()

    # ------------------------------------------------------------ registry
    def add(self, conn: Connection) -> None:
        self.by_id[conn.sid] = conn
        self.by_script.setdefault(conn.script, set()).add(conn)
        self.by_isolate.setdefault(conn.isolate_id, set()).add(conn)
        self.version += 1

    def remove(self, conn: Connection) -> None:
        if self.by_id.pop(conn.sid, None) is None:
            return
        _discard(self.by_script, conn.script, conn)
        _discard(self.by_isolate, conn.isolate_id, conn)
        self.version += 1

    def count(self, script: str) -> int:
        return len(self.by_script.get(script, ()))

    def closed(self, script: str, code: int) -> None:
        key = (script, code)
        self.counters.closes[key] = self.counters.closes.get(key, 0) + 1

    # ------------------------------------------------------------ groups
    async def shutdown(self, reason: str) -> None:
        """Close every socket with 1001 and give them a moment to say goodbye."""
        _close_all(self.by_id.values(), GOING_AWAY, reason)
        deadline = time.monotonic() + SHUTDOWN_WAIT_S
        while self.by_id and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def on_worker_end(self, script: str, isolate_id: int, restart: bool) -> None:
        """The runtime retired (new program, cache cleared) or ended an isolate."""
        group = self.by_isolate.get(isolate_id)
        if not group:
            return
        if restart:
            _close_all(group, SERVICE_RESTART, "the script changed; reconnect for the new code")
        else:
            reason = "the script's isolate was ended (a limit); reconnect for a new one"
            for conn in list(group):
                conn.isolate_gone()
            _close_all(group, INTERNAL_ERROR, reason)

    def listing(self) -> list[dict[str, Any]]:
        return [conn.describe() for conn in list(self.by_id.values())]

    # ------------------------------------------------------------ host operations
    def register_host_ops(self, registry: _Registry) -> None:
        registry.register("ws.send", self._send)
        registry.register("ws.close", self._close)
        registry.register("ws.broadcast", self._broadcast)

    def _own(self, call: _Call, sid: bytes) -> Connection | None:
        """The socket `sid` if it belongs to the isolate asking: scripts reach only
        their own sockets."""
        conn = self.by_id.get(sid.decode("ascii", errors="replace"))
        if conn is None or conn.isolate_id != call.isolate.id:
            return None
        return conn

    def _send(self, call: _Call) -> None:
        sid, _, rest = call.data.partition(b"\n")
        conn = self._own(call, sid)
        if conn is not None and rest:
            conn.enqueue(rest[1:], text=rest[:1] == b"t", direct=True)

    def _close(self, call: _Call) -> None:
        sid, _, rest = call.data.partition(b"\n")
        conn = self._own(call, sid)
        if conn is None:
            return
        code, _, reason = rest.decode("utf-8", errors="replace").partition("\n")
        conn.close(int(code) if code.isdigit() else 1000, reason, by_script=True)

    def _broadcast(self, call: _Call) -> None:
        head, _, data = call.data.partition(b"\n")
        try:
            spec = json.loads(head)
            ids = [str(i) for i in spec["ids"]]
            text = spec["kind"] == "t"
        except (ValueError, KeyError, TypeError):
            log.warning("bad ws.broadcast message dropped")
            return
        isolate = call.isolate.id
        for sid in ids:
            conn = self.by_id.get(sid)
            if conn is not None and conn.isolate_id == isolate:
                conn.enqueue(data, text=text, direct=False)


def _close_all(group: Iterable[Connection], code: int, reason: str) -> None:
    for conn in list(group):
        conn.close(code, reason)


def _discard(table: dict[K, set[Connection]], key: K, conn: Connection) -> None:
    group = table.get(key)
    if group is not None:
        group.discard(conn)
        if not group:
            del table[key]
