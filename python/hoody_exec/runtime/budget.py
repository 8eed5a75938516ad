"""The isolate memory budget of one worker process.

Each isolate is capped (`--memory-limit`), but the caps of many isolates add up:
the budget bounds their sum. What counts is what may grow to its cap: isolates
in use (running a serverless call, streaming its body, or a worker script's warm
isolate, retired ones until they close) plus the pool's pre-created ones. Every
isolate has the same cap, so the budget is a number of isolate slots, handed out
first come, first served; a request that finds none free waits (bounded) for one.

NOTE: the pool refills itself in the background, so its isolates cannot be made
to wait: they are reserved up front (`pool_size` caps), and the rest of the
budget is what requests share. The primed isolates of serverless scripts
(runtime/primed.py) are reserved the same way: `primed` caps, a share of the
budget (`default_primed`) unless the server sets it.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from hoody_exec.runtime.fifo import FifoLimiter, QueueFull
from hoody_exec.runtime.limits import LimitExceeded, memory_budget_exceeded

MIB = 1024 * 1024

# How long a request may wait for a slot before it is refused (its @timeout, if
# sooner, bounds it too).
DEFAULT_WAIT_S = 5.0

# cgroup v2, then v1: the limit a container runs under (often below the RAM).
_CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def machine_memory() -> int | None:
    """Bytes the process may use: physical RAM, or the cgroup limit if lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 0
    for path in _CGROUP_LIMITS:
        try:
            raw = path.read_text().strip()
        except OSError:
            continue
        # "max" (v2) or a huge sentinel (v1) mean no limit.
        if raw.isdigit() and 0 < int(raw) < (total or 1 << 62):
            total = int(raw)
        break
    return total or None


def minimum_budget_mb(memory_limit_mb: int, pool_size: int) -> int:
    """The pool's isolates and one request's."""
    return (pool_size + 1) * memory_limit_mb


def default_budget_mb(workers: int, memory_limit_mb: int, pool_size: int) -> int:
    """Half of the machine's memory shared by the worker processes, never below
    what lets one request run beside a full pool."""
    total = machine_memory()
    derived = 0 if total is None else total // 2 // max(workers, 1) // MIB
    return max(derived, minimum_budget_mb(memory_limit_mb, pool_size))


# At most this many primed isolates per process by default, and at most this share
# of the isolates the budget holds beyond the pool's and one request's.
DEFAULT_PRIMED_MAX = 16
PRIMED_SHARE = 4


def default_primed(budget_bytes: int, cap_bytes: int, pool_size: int) -> int:
    """Primed isolates a budget holds by default: a quarter of what is left after
    the pool and one request, at most DEFAULT_PRIMED_MAX (0: no priming)."""
    spare = budget_bytes // cap_bytes - pool_size - 1
    return max(min(DEFAULT_PRIMED_MAX, spare // PRIMED_SHARE), 0)


class MemoryBudget:
    def __init__(
        self,
        budget_bytes: int,
        *,
        cap_bytes: int,
        pool_size: int,
        max_waiting: int,
        wait_s: float = DEFAULT_WAIT_S,
        primed: int = 0,
    ) -> None:
        self.budget_bytes = budget_bytes
        self.cap_bytes = cap_bytes
        self.pool_size = pool_size
        self.primed = primed
        self.wait_s = wait_s
        self.slots = max((budget_bytes - (pool_size + primed) * cap_bytes) // cap_bytes, 1)
        self._limiter = FifoLimiter(self.slots, max_waiting)
        self._holders: set[int] = set()  # ids of isolates holding a slot

    @property
    def in_use(self) -> int:
        """Slots held (and being handed over); the pool's isolates are not among them."""
        return self._limiter.active

    @property
    def waiting(self) -> int:
        return self._limiter.waiting

    @property
    def reserved_bytes(self) -> int:
        """The caps of the isolates in use and of the pool's and primed ones (always
        reserved)."""
        return (self.in_use + self.pool_size + self.primed) * self.cap_bytes

    async def acquire(self, script: str, deadline: float | None) -> None:
        """A slot for one isolate, or `memory_budget_exceeded` once waiting for one
        is over (`wait_s`, or sooner the request's deadline)."""
        started = time.monotonic()
        until = started + self.wait_s
        if deadline is not None:
            until = min(until, deadline)
        try:
            async with asyncio.timeout_at(until):
                await self._limiter.acquire()
        except (TimeoutError, QueueFull):
            waited_ms = round((time.monotonic() - started) * 1000)
            raise self.exceeded(script, waited_ms) from None

    def exceeded(self, script: str, waited_ms: int) -> LimitExceeded:
        return memory_budget_exceeded(
            script,
            budget_bytes=self.budget_bytes,
            in_use=self.in_use,
            pool_size=self.pool_size,
            cap_bytes=self.cap_bytes,
            waited_ms=waited_ms,
        )

    def bind(self, isolate_id: int) -> None:
        """The acquired slot now belongs to this isolate (released when it ends)."""
        self._holders.add(isolate_id)

    def release_unbound(self) -> None:
        """Give back a slot acquired for an isolate that never came."""
        self._limiter.release()

    def release(self, isolate_id: int) -> None:
        """The isolate was closed or terminated (twice is harmless)."""
        if isolate_id in self._holders:
            self._holders.discard(isolate_id)
            self._limiter.release()
