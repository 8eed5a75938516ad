"""Fresh isolates go to waiting requests in arrival order (runtime/handout.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from hoody_exec.runtime.handout import IsolateHandout


class ScriptedPool:
    """A pool whose takes finish when the test says so, in any order it likes."""

    def __init__(self, ready: list[str] | None = None) -> None:
        self.ready = list(ready or [])
        self.takes: list[threading.Event] = []
        self.results: list[Any] = []
        self.lock = threading.Lock()
        self.counter = 0

    def try_take(self) -> str | None:
        return self.ready.pop(0) if self.ready else None

    def take(self) -> str:
        with self.lock:
            gate = threading.Event()
            index = len(self.takes)
            self.takes.append(gate)
            self.results.append(None)
        gate.wait(10)
        outcome = self.results[index]
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    async def finish(self, index: int, outcome: Any) -> None:
        while len(self.takes) <= index:
            await asyncio.sleep(0.005)
        self.results[index] = outcome
        self.takes[index].set()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.005)


def test_a_ready_isolate_is_taken_at_once_when_nobody_waits() -> None:
    async def main() -> None:
        handout = IsolateHandout()
        assert await handout.get(ScriptedPool(["ready-1"])) == ("ready-1", False)  # type: ignore[arg-type]

    asyncio.run(main())


def test_isolates_go_to_the_longest_waiting_request_whatever_finishes_first() -> None:
    async def main() -> None:
        pool = ScriptedPool()
        handout = IsolateHandout()
        first = asyncio.ensure_future(handout.get(pool))  # type: ignore[arg-type]
        await settle()
        second = asyncio.ensure_future(handout.get(pool))  # type: ignore[arg-type]
        await settle()
        # A refilled isolate appears: the newcomer must not overtake the queue.
        pool.ready.append("refilled")
        third = asyncio.ensure_future(handout.get(pool))  # type: ignore[arg-type]
        await settle()
        assert handout.waiting == 3
        await pool.finish(1, "made-second")
        assert await first == ("made-second", True)
        await pool.finish(2, "made-third")
        assert await second == ("made-third", True)
        await pool.finish(0, "made-first")
        assert await third == ("made-first", True)
        assert handout.waiting == 0

    asyncio.run(main())


def test_a_request_that_gives_up_leaves_its_isolate_to_the_next() -> None:
    async def main() -> None:
        pool = ScriptedPool()
        handout = IsolateHandout()
        leaver = asyncio.ensure_future(handout.get(pool))  # type: ignore[arg-type]
        await settle()
        stayer = asyncio.ensure_future(handout.get(pool))  # type: ignore[arg-type]
        await settle()
        leaver.cancel()
        await settle()
        await pool.finish(0, "isolate-a")
        assert await stayer == ("isolate-a", True)
        await pool.finish(1, "isolate-b")  # nobody waits: it is dropped
        await settle()
        assert handout.waiting == 0

    asyncio.run(main())


def test_a_failed_creation_reaches_the_oldest_waiter() -> None:
    async def main() -> None:
        pool = ScriptedPool()
        handout = IsolateHandout()
        first = asyncio.ensure_future(handout.get(pool))  # type: ignore[arg-type]
        await settle()
        second = asyncio.ensure_future(handout.get(pool))  # type: ignore[arg-type]
        await settle()
        await pool.finish(0, RuntimeError("no memory for a new isolate"))
        with pytest.raises(RuntimeError, match="no memory"):
            await first
        await pool.finish(1, "isolate-b")
        assert await second == ("isolate-b", True)

    asyncio.run(main())
