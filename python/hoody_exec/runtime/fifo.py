"""A first-in-first-out concurrency limiter for one script (`@concurrent`)."""

from __future__ import annotations

import asyncio
from collections import deque


class QueueFull(Exception):
    def __init__(self, waiting: int) -> None:
        super().__init__(waiting)
        self.waiting = waiting


class FifoLimiter:
    """At most `cap` holders; the rest wait strictly in arrival order.

    NOTE: asyncio.Semaphore does not promise FIFO wake-ups across cancellations
    and lets a newcomer overtake a woken waiter; webhook ordering needs the
    guarantee, so the queue is explicit and a slot is handed over directly.
    """

    def __init__(self, cap: int, max_waiting: int) -> None:
        self.cap = cap
        self.max_waiting = max_waiting
        self.active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        if self.active < self.cap and not self._waiters:
            self.active += 1
            return
        if len(self._waiters) >= self.max_waiting:
            raise QueueFull(len(self._waiters))
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed to us just as we were cancelled: pass it on.
                self.release()
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # hand the slot over; `active` is unchanged
                return
        self.active -= 1
