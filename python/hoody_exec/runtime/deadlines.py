"""Request deadlines without a timer per request while they are far away.

NOTE: every script has a `@timeout` (one hour by default), so every call awaited
under `asyncio.timeout_at` armed a timer: a handle allocated, pushed into the
loop's heap and cancelled again, a few per cent of a worker-mode request. A
deadline further away than NEAR_S is instead entered as a timeout without a timer
and kept in one table that a sweep looks at every SWEEP_S; once the deadline is
within NEAR_S, the sweep reschedules that timeout to it, so it then fires exactly
as `timeout_at` would have, with the same cancellation semantics.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

NEAR_S = 1.0
SWEEP_S = 0.25


class _Far(asyncio.Timeout):
    """A timeout armed later by the sweep; it leaves the table when it exits."""

    def __init__(self, table: FarDeadlines, deadline: float) -> None:
        super().__init__(None)
        self.table = table
        self.deadline = deadline

    async def __aenter__(self) -> _Far:
        await super().__aenter__()
        self.table.add(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        self.table.discard(self)
        return await super().__aexit__(exc_type, exc_val, exc_tb)


class FarDeadlines:
    def __init__(self) -> None:
        self._far: dict[int, _Far] = {}
        self._sweep: asyncio.Task[None] | None = None

    def within(self, deadline: float) -> asyncio.Timeout:
        """`asyncio.timeout_at(deadline)` (a `time.monotonic()` value, the clock of
        asyncio's loop), with no timer while the deadline is far."""
        if deadline - time.monotonic() <= NEAR_S:
            return asyncio.timeout_at(deadline)
        return _Far(self, deadline)

    def add(self, timeout: _Far) -> None:
        self._far[id(timeout)] = timeout
        loop = asyncio.get_running_loop()
        # NOTE: a sweep belongs to its loop; tests run several loops in a row.
        if self._sweep is None or self._sweep.done() or self._sweep.get_loop() is not loop:
            self._sweep = loop.create_task(self._run())

    def discard(self, timeout: _Far) -> None:
        self._far.pop(id(timeout), None)

    async def _run(self) -> None:
        while self._far:
            await asyncio.sleep(SWEEP_S)
            near = time.monotonic() + NEAR_S
            for key, timeout in list(self._far.items()):
                if timeout.deadline <= near:
                    del self._far[key]
                    timeout.reschedule(timeout.deadline)


# One table per process (the server runs one event loop).
FAR = FarDeadlines()
