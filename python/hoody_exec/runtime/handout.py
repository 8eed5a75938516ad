"""Never-used isolates handed out in arrival order once the pool has run dry."""

from __future__ import annotations

import asyncio
from collections import deque

from hoody_exec.runtime import native


class IsolateHandout:
    """The serverless queue for fresh isolates.

    A request takes a ready isolate at once when nobody is waiting. Otherwise it
    queues, and starts one `pool.take` on a thread (a ready isolate, or one the
    engine's creator makes); whichever isolate comes back first goes to the
    request that has waited longest.

    NOTE: without the queue every caller kept the isolate its own thread got, so a
    later request could overtake an earlier one, and a newcomer could take a freshly
    refilled isolate while older requests were still waiting for theirs.
    """

    def __init__(self) -> None:
        self._waiters: deque[asyncio.Future[native.Isolate]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def get(self, pool: native.IsolatePool) -> tuple[native.Isolate, bool]:
        """An isolate and whether this request had to wait for it."""
        if not self._waiters:
            isolate = pool.try_take()
            if isolate is not None:
                return isolate, False
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[native.Isolate] = loop.create_future()
        self._waiters.append(waiter)
        produced = asyncio.ensure_future(asyncio.to_thread(pool.take))
        produced.add_done_callback(self._deliver)
        try:
            return await waiter, True
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                # It was handed to us just as we were cancelled: the next in line gets it.
                self._hand_over(waiter.result())
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def _deliver(self, produced: asyncio.Future[native.Isolate]) -> None:
        if produced.cancelled():
            return
        error = produced.exception()
        if error is not None:
            # The creation failed: the oldest waiter hears why (the others keep
            # waiting for the takes they started).
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_exception(error)
                    return
            return
        self._hand_over(produced.result())

    def _hand_over(self, isolate: native.Isolate) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(isolate)
                return
        # NOTE: nobody is left to take it (its requester gave up): dropping the
        # last reference frees it on an engine thread.
