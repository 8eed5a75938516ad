"""Messages for one isolate that arrive in the same turn of the event loop go to
it as one call.

NOTE: each call is a hop to the isolate's thread and back; under load (many
sockets, benches/ws_load.py) those hops, not JavaScript, bound the messages per
second. A message for an isolate with no call in flight goes at once (latency);
the ones that arrive while calls run wait for the next turn together. A batch
runs its handlers in arrival order, as separate calls would.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from hoody_exec.server.websockets.connection import Connection

_encode = msgspec.json.Encoder().encode
# Bigger batches wait for the next turn: one call stays short next to other work.
MAX_BATCH = 64


class MessageBatches:
    def __init__(self) -> None:
        self.pending: dict[int, list[tuple[Connection, str]]] = {}
        self.busy: dict[int, int] = {}  # calls in flight per isolate

    def submit(self, conn: Connection, payload: str) -> None:
        key = conn.isolate_id
        if not self.busy.get(key) and key not in self.pending:
            # Nothing in flight for this isolate: no reason to wait for company.
            self._send(key, [(conn, payload)])
            return
        group = self.pending.get(conn.isolate_id)
        if group is None or len(group) >= MAX_BATCH:
            if group is not None:
                self.flush(conn.isolate_id)
            group = self.pending[conn.isolate_id] = []
            asyncio.get_running_loop().call_soon(self.flush, conn.isolate_id)
        group.append((conn, payload))

    def flush(self, isolate_id: int) -> None:
        """Send what waits for this isolate now (before an event that must follow it)."""
        group = self.pending.pop(isolate_id, None)
        if group:
            self._send(isolate_id, group)

    def _send(self, isolate_id: int, group: list[tuple[Connection, str]]) -> None:
        first = group[0][0]
        if len(group) == 1:
            payload = group[0][1]
        else:
            payload = "\x02" + _encode([p for _, p in group]).decode()
        self.busy[isolate_id] = self.busy.get(isolate_id, 0) + 1
        future = first.call(payload)
        future.add_done_callback(lambda done: self._finished(isolate_id, done, group))

    def _finished(
        self,
        isolate_id: int,
        done: asyncio.Future[str | bytes],
        group: list[tuple[Connection, str]],
    ) -> None:
        left = self.busy.get(isolate_id, 1) - 1
        if left:
            self.busy[isolate_id] = left
        else:
            self.busy.pop(isolate_id, None)
        _report(done, group)


def _report(done: asyncio.Future[str | bytes], group: list[tuple[Connection, str]]) -> None:
    for conn, _ in group:
        conn.message_finished()
    if not done.cancelled() and done.exception() is not None:
        # One failure per call (the first of the batch; the isolate logged the rest).
        group[0][0].message_failed(done.exception())
