"""Work a request needs only if it runs long: started by one sweep, not per request.

NOTE: watching a connection for the client leaving costs a task and a pending
`receive()` per request (about a tenth of a worker-mode hello request). Most
requests are answered long before a client could leave, so a request is only
registered here, and one periodic sweep starts the watch for those still running
after `delay_s`. A client that leaves is then noticed within two delays.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable

# Seconds a request runs before its connection is watched.
WATCH_AFTER_S = 0.05


class LateStart:
    def __init__(self, delay_s: float = WATCH_AFTER_S) -> None:
        self.delay_s = delay_s
        # Insertion order is due order: every entry gets the same delay.
        self._due: dict[Hashable, tuple[float, Callable[[], None]]] = {}
        self._sweep: asyncio.Task[None] | None = None

    def add(self, key: Hashable, start: Callable[[], None]) -> None:
        """Call `start` once `key` has been registered `delay_s` (unless discarded)."""
        self._due[key] = (time.monotonic() + self.delay_s, start)
        if self._sweep is None:
            self._sweep = asyncio.get_running_loop().create_task(self._run())

    def discard(self, key: Hashable) -> None:
        self._due.pop(key, None)

    async def stop(self) -> None:
        self._due.clear()
        if self._sweep is not None:
            self._sweep.cancel()
            await asyncio.gather(self._sweep, return_exceptions=True)

    async def _run(self) -> None:
        try:
            while self._due:
                await asyncio.sleep(self.delay_s)
                now = time.monotonic()
                for key, (due, start) in list(self._due.items()):
                    if due > now:
                        break
                    del self._due[key]
                    start()
        finally:
            self._sweep = None
