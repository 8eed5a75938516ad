"""The host side of streamed bodies (runtime/streams.py) with a fake isolate."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from hoody_exec.runtime import streams


@dataclass
class FakeIsolate:
    id: int = 1
    alive: bool = True
    resolved: list[int] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def resolve(self, request_id: int, value: str | bytes) -> None:
        self.resolved.append(request_id)

    def reject(self, request_id: int, message: str) -> None:
        self.rejected.append((request_id, message))

    def call(self, payload: str) -> asyncio.Future[str | bytes]:
        self.calls.append(payload)
        future: asyncio.Future[str | bytes] = asyncio.get_running_loop().create_future()
        future.set_result("")
        return future

    def memory_limit_reached(self) -> bool:
        return False


def body(
    isolate: FakeIsolate, sid: int, outcomes: list[str], **kwargs: object
) -> streams.StreamedBody:
    return streams.StreamedBody(
        streams.attach(isolate, sid),
        sse=bool(kwargs.get("sse", False)),
        deadline=kwargs.get("deadline"),  # type: ignore[arg-type]
        timeout_ms=None,
        release=outcomes.append,
    )


async def collect(b: streams.StreamedBody) -> list[bytes]:
    return [chunk async for chunk in b.chunks()]


def test_writes_are_acknowledged_until_the_queue_is_full() -> None:
    async def main() -> None:
        isolate = FakeIsolate(id=10)
        stream = streams.attach(isolate, 1)
        for request_id in range(1, streams.QUEUE_CHUNKS + 3):
            stream.write(request_id, b"x")
        # The producer waits: the writes beyond the queue are not answered yet.
        assert isolate.resolved == list(range(1, streams.QUEUE_CHUNKS + 1))
        assert await stream.next(1) == b"x"
        assert isolate.resolved[-1] == streams.QUEUE_CHUNKS + 1
        stream.cancel()
        assert [r for r, _ in isolate.rejected] == [streams.QUEUE_CHUNKS + 2]
        streams.detach(stream)

    asyncio.run(main())


def test_chunks_then_end_release_the_isolate() -> None:
    async def main() -> None:
        isolate = FakeIsolate(id=11)
        outcomes: list[str] = []
        b = body(isolate, 1, outcomes)
        stream = streams.attach(isolate, 1)
        stream.write(1, b"a")
        stream.write(2, b"b")
        stream.end()
        assert await collect(b) == [b"a", b"b"]
        assert outcomes == ["done"]
        assert (11, 1) not in streams._streams

    asyncio.run(main())


def test_error_from_javascript_fails_the_body() -> None:
    async def main() -> None:
        isolate = FakeIsolate(id=12)
        outcomes: list[str] = []
        b = body(isolate, 1, outcomes)
        streams.attach(isolate, 1).end("Error: boom")
        with pytest.raises(streams.StreamFailed, match="boom"):
            await collect(b)
        assert outcomes == ["failed"]

    asyncio.run(main())


def test_cancel_asks_javascript_to_close_the_producer() -> None:
    async def main() -> None:
        isolate = FakeIsolate(id=13)
        outcomes: list[str] = []
        b = body(isolate, 7, outcomes)
        await b.cancel()
        assert isolate.calls == [streams.cancel_payload(7)]
        assert outcomes == ["cancelled"]

    asyncio.run(main())


def test_deadline_ends_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        isolate = FakeIsolate(id=14)
        outcomes: list[str] = []
        loop = asyncio.get_running_loop()
        b = body(isolate, 1, outcomes, deadline=loop.time() + 0.05)
        with pytest.raises(streams.StreamFailed, match="@timeout"):
            await collect(b)
        assert outcomes == ["timeout"]

    asyncio.run(main())


def test_sse_heartbeat_while_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(streams.HEARTBEAT_ENV, "0.05")

    async def main() -> None:
        isolate = FakeIsolate(id=15)
        outcomes: list[str] = []
        b = body(isolate, 1, outcomes, sse=True)
        stream = streams.attach(isolate, 1)
        loop = asyncio.get_running_loop()
        loop.call_later(0.18, stream.end)
        chunks = await collect(b)
        assert chunks and set(chunks) == {streams.HEARTBEAT}
        assert outcomes == ["done"]

    asyncio.run(main())


def test_forgotten_isolate_ends_its_streams() -> None:
    isolate = FakeIsolate(id=16)
    stream = streams.attach(isolate, 3)
    streams.forget_isolate(isolate)
    assert stream.ended and stream.error == "the isolate was closed"
    assert (16, 3) not in streams._streams


def test_late_messages_for_a_finished_stream_are_ignored() -> None:
    async def main() -> None:
        isolate = FakeIsolate(id=17)
        outcomes: list[str] = []
        b = body(isolate, 1, outcomes)
        await b.cancel()
        call = FakeCall(isolate, 5, b"1\nlate")
        streams.handle_write(call)
        streams.handle_error(FakeCall(isolate, 0, b"1\nError: late"))
        assert isolate.rejected[-1] == (5, "the response was cancelled")
        assert (17, 1) not in streams._streams

    asyncio.run(main())


def test_end_before_the_head_is_kept() -> None:
    isolate = FakeIsolate(id=18)
    streams.handle_end(FakeCall(isolate, 0, b"4"))
    assert streams.attach(isolate, 4).ended
    streams.forget_isolate(isolate)


@dataclass
class FakeCall:
    isolate: FakeIsolate
    id: int
    data: bytes

    def resolve(self, value: str | bytes) -> None:
        self.isolate.resolve(self.id, value)

    def reject(self, message: str) -> None:
        self.isolate.reject(self.id, message)
