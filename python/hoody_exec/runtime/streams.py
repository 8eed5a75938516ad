"""Streamed response bodies: `ReadableStream`, `Response(stream)`, async generators (SSE).

The protocol over the engine's host messages (the JavaScript side is
`runtime/js/dispatch.js`):

- The call resolves with the response *head*: a `CallResponse` whose `stream` is an
  id (unique within the isolate) and whose `sse` says the body is an async
  generator's Server-Sent Events. The isolate keeps running the body.
- JavaScript pushes the body: `request("stream.write", b"<id>\\n" + chunk)` is
  answered once the chunk is queued here; the queue holds `QUEUE_CHUNKS` chunks,
  so a fast producer waits for the client (backpressure) and only one write per
  stream is ever in flight. `post("stream.end", "<id>")` ends the body,
  `post("stream.error", "<id>\\n<message>")` fails it.
- The host cancels (client gone, `HEAD`): pending writes are rejected and
  `Isolate.call('{"control": "stream.cancel", "id": <id>}')` makes JavaScript
  cancel the reader or call the generator's `return()` (its `finally` runs); that
  call resolves when the cancellation finished.

`StreamedBody` is what the server iterates; it applies the request's deadline
(`@timeout` covers the whole response), writes SSE heartbeats while idle and tells
the runtime when the isolate can be released.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal, Protocol

from hoody_exec.observability import get_logger

QUEUE_CHUNKS = 8  # chunks buffered per response before the producer waits
CANCEL_GRACE = 5.0  # seconds JavaScript gets to run a cancelled generator's `finally`
LIVENESS_POLL = 1.0  # seconds between checks that the isolate still lives
HEARTBEAT_ENV = "HOODY_EXEC_SSE_HEARTBEAT"  # seconds between `: ping` lines (default 15)
HEARTBEAT = b": ping\n\n"

Outcome = Literal["done", "failed", "cancelled", "timeout", "lost"]

log = get_logger("hoody_exec.runtime")


def heartbeat_interval() -> float:
    raw = os.environ.get(HEARTBEAT_ENV)
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        if value > 0:
            return value
    return 15.0


class _Isolate(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def alive(self) -> bool: ...
    def resolve(self, request_id: int, value: str | bytes) -> None: ...
    def reject(self, request_id: int, message: str) -> None: ...
    def call(self, payload: str) -> asyncio.Future[str | bytes]: ...
    def memory_limit_reached(self) -> bool: ...


class _Call(Protocol):
    @property
    def isolate(self) -> _Isolate: ...
    @property
    def id(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    def resolve(self, value: str | bytes) -> None: ...
    def reject(self, message: str) -> None: ...


class StreamFailed(Exception):
    """The body could not be completed (JavaScript error, isolate lost, timeout)."""

    def __init__(self, message: str, outcome: Outcome) -> None:
        super().__init__(message)
        self.message = message
        self.outcome = outcome


class ResponseStream:
    """The host side of one streamed body: a bounded chunk queue fed by JavaScript."""

    def __init__(self, isolate: _Isolate, sid: int) -> None:
        self.isolate = isolate
        self.sid = sid
        self._chunks: deque[bytes] = deque()
        self._blocked: deque[tuple[int, bytes]] = deque()  # (request id, chunk) waiting for room
        self._wake = asyncio.Event()
        self.ended = False
        self.error: str | None = None
        self.cancelled = False

    def write(self, request_id: int, chunk: bytes) -> None:
        if self.cancelled or self.ended:
            self.isolate.reject(request_id, "the response was cancelled")
            return
        if len(self._chunks) < QUEUE_CHUNKS:
            self._chunks.append(chunk)
            self.isolate.resolve(request_id, "")
        else:
            self._blocked.append((request_id, chunk))
        self._wake.set()

    def end(self, error: str | None = None) -> None:
        if not self.ended:
            self.ended = True
            self.error = error
        self._wake.set()

    def cancel(self) -> None:
        """Drop what is queued and fail the writes JavaScript is waiting on."""
        self.cancelled = True
        self._chunks.clear()
        while self._blocked:
            request_id, _ = self._blocked.popleft()
            self.isolate.reject(request_id, "the response was cancelled")
        self._wake.set()

    def _admit(self) -> None:
        while self._blocked and len(self._chunks) < QUEUE_CHUNKS:
            request_id, chunk = self._blocked.popleft()
            self._chunks.append(chunk)
            self.isolate.resolve(request_id, "")

    async def next(self, wait: float) -> bytes | Literal[False] | None:
        """The next chunk; None at the end; False if nothing came within `wait` seconds."""
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                self._admit()
                return chunk
            if self.ended or self.cancelled:
                if self.error is not None:
                    raise StreamFailed(self.error, "failed")
                return None
            self._wake.clear()
            try:
                async with asyncio.timeout(max(wait, 0.0)):
                    await self._wake.wait()
            except TimeoutError:
                return False


_streams: dict[tuple[int, int], ResponseStream] = {}
# Recently finished streams: a message JavaScript sent just before it learnt of the
# cancellation must not re-create them (bounded; ids are never reused per isolate).
_finished: OrderedDict[tuple[int, int], None] = OrderedDict()
_FINISHED_KEPT = 4096


def attach(isolate: _Isolate, sid: int) -> ResponseStream:
    """The stream `sid` of `isolate`, created by whichever comes first: the head or a chunk."""
    key = (isolate.id, sid)
    stream = _streams.get(key)
    if stream is None:
        stream = _streams[key] = ResponseStream(isolate, sid)
    return stream


def detach(stream: ResponseStream) -> None:
    key = (stream.isolate.id, stream.sid)
    if _streams.get(key) is stream:
        del _streams[key]
    _finished[key] = None
    if len(_finished) > _FINISHED_KEPT:
        _finished.popitem(last=False)


def _from_message(isolate: _Isolate, sid: int) -> ResponseStream | None:
    """The stream a message is for; None if it already finished."""
    if (isolate.id, sid) in _finished:
        return None
    return attach(isolate, sid)


def forget_isolate(isolate: object) -> None:
    """The isolate is going away: its streams end with an error."""
    ident = getattr(isolate, "id", None)
    for key in [k for k in _streams if k[0] == ident]:
        stream = _streams.pop(key)
        stream.end("the isolate was closed")
    for key in [k for k in _finished if k[0] == ident]:
        del _finished[key]


def open_streams() -> int:
    return len(_streams)


def _split(data: bytes) -> tuple[int, bytes]:
    head, _, rest = data.partition(b"\n")
    return int(head), rest


def handle_write(call: _Call) -> None:
    try:
        sid, chunk = _split(call.data)
    except ValueError:
        call.reject("bad stream.write message")
        return
    stream = _from_message(call.isolate, sid)
    if stream is None:
        call.reject("the response was cancelled")
    else:
        stream.write(call.id, chunk)


def handle_end(call: _Call) -> None:
    try:
        sid, _ = _split(call.data)
    except ValueError:
        return
    stream = _from_message(call.isolate, sid)
    if stream is not None:
        stream.end()


def handle_error(call: _Call) -> None:
    try:
        sid, message = _split(call.data)
    except ValueError:
        return
    stream = _from_message(call.isolate, sid)
    if stream is not None:
        stream.end(message.decode("utf-8", errors="replace") or "stream error")


class _Registry(Protocol):
    def register(self, op: str, handler: Callable[[Any], None]) -> None: ...


def register_host_ops(registry: _Registry) -> None:
    registry.register("stream.write", handle_write)
    registry.register("stream.end", handle_end)
    registry.register("stream.error", handle_error)


def cancel_payload(sid: int) -> str:
    return json.dumps({"control": "stream.cancel", "id": sid})


class StreamedBody:
    """A streamed response body as the server sends it.

    `release(outcome)` is the runtime's: it frees the isolate (serverless), or ends
    the call on the worker, terminating the JavaScript for `timeout`.
    """

    def __init__(
        self,
        stream: ResponseStream,
        *,
        sse: bool,
        deadline: float | None,
        timeout_ms: int | None,
        release: Callable[[Outcome], None],
        keep_isolate: bool = False,
    ) -> None:
        self.stream = stream
        self.sse = sse
        self.deadline = deadline
        self.timeout_ms = timeout_ms
        self.heartbeat = heartbeat_interval() if sse else None
        self._release = release
        # worker: at the deadline, close the producer (its `finally` runs) and keep
        # the isolate and its state; terminate only if it does not stop in time.
        self.keep_isolate = keep_isolate
        self.outcome: Outcome | None = None
        self.sent = 0
        _active.add(self)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body's chunks as they are produced (SSE heartbeats included).

        Raises StreamFailed when JavaScript fails the stream, the isolate dies or the
        deadline passes; the isolate is released in every case but cancellation
        (the caller then calls `cancel`)."""
        stream = self.stream
        last = time.monotonic()
        try:
            while True:
                now = time.monotonic()
                wait = LIVENESS_POLL
                if self.heartbeat is not None:
                    wait = min(wait, self.heartbeat - (now - last))
                if self.deadline is not None:
                    wait = min(wait, self.deadline - now)
                chunk = await stream.next(wait)
                now = time.monotonic()
                if chunk is None:
                    self.finish("done")
                    return
                if chunk is False:
                    if self.deadline is not None and now >= self.deadline:
                        limit = f"the response passed the script's @timeout of {self.timeout_ms} ms"
                        if self.keep_isolate and await self._stop_producer():
                            raise StreamFailed(
                                f"{limit} while streaming; the stream was closed", "cancelled"
                            )
                        raise StreamFailed(
                            f"{limit} while streaming; its JavaScript was terminated", "timeout"
                        )
                    if not stream.isolate.alive:
                        reason = (
                            "the isolate passed its memory cap"
                            if stream.isolate.memory_limit_reached()
                            else "the isolate stopped"
                        )
                        raise StreamFailed(f"{reason} while streaming", "lost")
                    if self.heartbeat is not None and now - last >= self.heartbeat:
                        last = now
                        yield HEARTBEAT
                    continue
                last = now
                self.sent += len(chunk)
                yield chunk
        except StreamFailed as failure:
            self.finish(failure.outcome)
            raise

    async def cancel(self) -> None:
        """The client is gone (or wanted only the head): stop the producer and let
        its `finally` run (bounded by `CANCEL_GRACE`), then release the isolate."""
        if self.outcome is not None:
            return
        await self._stop_producer()
        self.finish("cancelled")

    async def _stop_producer(self) -> bool:
        """Cancel the JavaScript side; True once it confirmed within `CANCEL_GRACE`."""
        stream = self.stream
        stream.cancel()
        if stream.ended:
            return True
        if not stream.isolate.alive:
            return False
        try:
            async with asyncio.timeout(CANCEL_GRACE):
                await stream.isolate.call(cancel_payload(stream.sid))
        except Exception as error:  # a dead isolate or a slow finally; free it anyway
            log.debug("stream cancel did not complete", error=str(error))
            return False
        return True

    def finish(self, outcome: Outcome) -> None:
        if self.outcome is not None:
            return
        self.outcome = outcome
        _active.discard(self)
        detach(self.stream)
        self._release(outcome)


_active: set[StreamedBody] = set()


async def close_all(reason: str, *, timeout: float = 5.0) -> None:
    """Server shutdown: end every streamed body (event streams end cleanly, other
    bodies are cut) and wait for them to be released.

    NOTE: Granian stops the event loop after the lifespan shutdown and then waits
    for open connections, so a body still streaming then would never end."""
    for body in list(_active):
        body.stream.end(reason)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while _active:
                await asyncio.sleep(0.01)
    for body in list(_active):  # responses nobody iterates any more
        body.finish("cancelled")
