"""Primed isolates: for each serverless script in use, a few never-used isolates
that have already evaluated that script's bundle (its module code and packages).

A request takes one, runs only the call, and the isolate is closed afterwards, as
with the generic pool: no request sees another's state. What "fresh" means then:
the module code ran before the request arrived (at priming time), in an isolate
no request has touched (docs/modes.md, "Serverless").

- Sizing: each script's pool follows its recent request rate (requests per
  second, decaying over `RATE_HALF_LIFE_S`): enough isolates for
  `BUFFER_S` seconds of requests, at least one, at most `MAX_PER_SCRIPT`; all
  pools together hold at most `capacity` isolates (slots reserved in the memory
  budget, runtime/budget.py). When the sum is over, the busiest scripts keep theirs.
- A script is primed from its first serverless request on; a pool unused for
  `IDLE_S` is closed (its isolates and threads are freed). A cold script's first
  requests use the generic pool.
- A new program (file change, cache clear) discards the script's pool.
- The Web API families the script names (`URL`, `Response`, the injected
  `request`, …; webapi/lazy.js) are loaded while priming too, so the request
  does not pay for them; loading one early changes nothing it can observe.
- A script whose module code cannot be primed (it throws, or asks the host for
  something, e.g. a `fetch` at module level, which has no request to belong to)
  is not primed again until its program changes: its requests take the generic
  path, which evaluates the module per request as before.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hoody_exec.observability import get_logger
from hoody_exec.runtime import native
from hoody_exec.runtime.loader import LoadedScript
from hoody_exec.webapi import lazy_families

log = get_logger("hoody_exec.runtime")

RATE_HALF_LIFE_S = 5.0
BUFFER_S = 0.25
MAX_PER_SCRIPT = 8
IDLE_S = 60.0
# How often the sizes of all pools are recomputed (on the request path).
RESIZE_EVERY_S = 0.5


# The injected names whose value is built from a Web API family on first read.
_INJECTED_GLOBALS = {"request": "Request", "console": "console", "fetch": "fetch"}


def families_to_load(code: str) -> list[str]:
    """Globals of lazy families that a bundle mentions (as identifiers, or through
    the injected names it declares; a module-style handler gets `request`)."""
    names = {name for family in lazy_families() for name in family.globals}
    mentioned = {m for m in re.findall(r"(?<![.\w$])([A-Za-z_$][\w$]*)", code) if m in names}
    for injected, name in _INJECTED_GLOBALS.items():
        if f"__hoody_ctx.{injected}" in code:
            mentioned.add(name)
    if 'exports.__hoody_style = "module"' in code:
        mentioned.add("Request")
    return sorted(mentioned)


@dataclass
class _Rate:
    """Requests per second, decaying exponentially (half-life RATE_HALF_LIFE_S)."""

    value: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def now(self, now: float) -> float:
        return self.value * 0.5 ** ((now - self.at) / RATE_HALF_LIFE_S)

    def hit(self, now: float) -> None:
        # Each request adds its share of one half-life window's rate.
        self.value = self.now(now) + math.log(2) / RATE_HALF_LIFE_S
        self.at = now


@dataclass
class _Primed:
    hash: str
    pool: native.IsolatePool
    rate: _Rate = field(default_factory=_Rate)
    last_used: float = field(default_factory=time.monotonic)


class PrimedPools:
    def __init__(
        self,
        *,
        capacity: int,
        memory_limit: int,
        cpu_limit_ms: int | None,
        prelude: Callable[[], list[tuple[str, str]]],
        fillers: int,
    ) -> None:
        self.capacity = capacity
        self._memory_limit = memory_limit
        self._cpu_limit_ms = cpu_limit_ms
        self._prelude = prelude
        self._fillers = fillers
        self._pools: dict[str, _Primed] = {}
        self._unprimable: dict[str, str] = {}  # file -> hash of the program that failed
        self._resized = 0.0
        self.taken = 0  # requests served by a primed isolate (metrics)
        self.missed = 0  # serverless requests that found none ready

    def take(self, script: LoadedScript) -> native.Isolate | None:
        """A primed isolate of this program for one request, or None (then the caller
        uses the generic pool). Counts the request towards the script's rate."""
        if self.capacity <= 0 or self._unprimable.get(script.file) == script.hash:
            return None
        now = time.monotonic()
        primed = self._pools.get(script.file)
        if primed is not None and primed.hash != script.hash:
            self.discard(script.file)
            primed = None
        if primed is None:
            primed = self._start(script)
        primed.rate.hit(now)
        primed.last_used = now
        if now - self._resized >= RESIZE_EVERY_S:
            self._resize(now)
        isolate = primed.pool.try_take()
        if isolate is None:
            if primed.pool.last_error is not None:
                self._give_up(script, primed.pool.last_error)
            self.missed += 1
            return None
        if isolate.unserved_requests:
            isolate.close()
            self._give_up(script, "its module code made a host request (fetch, …) while priming")
            self.missed += 1
            return None
        self.taken += 1
        return isolate

    def _start(self, script: LoadedScript) -> _Primed:
        touch = ", ".join(f"globalThis.{name}" for name in families_to_load(script.code))
        pool = native.IsolatePool(
            1,
            memory_limit=self._memory_limit,
            cpu_limit_ms=self._cpu_limit_ms,
            prelude=[*self._prelude(), (f"void [{touch}];", "hoody:primed-families.js")],
            program=(script.code, script.file, script.source_map),
            fillers=self._fillers,
        )
        primed = _Primed(script.hash, pool)
        self._pools[script.file] = primed
        self._resized = 0.0  # size it (and the others) on this request
        return primed

    def _give_up(self, script: LoadedScript, why: str) -> None:
        self._unprimable[script.file] = script.hash
        self.discard(script.file)
        log.info(
            "script not primed; its requests evaluate it per request",
            script=script.file,
            reason=why,
        )

    def _resize(self, now: float) -> None:
        """Sizes from rates, within `capacity`; idle pools are closed."""
        self._resized = now
        for file in [f for f, p in self._pools.items() if now - p.last_used > IDLE_S]:
            self.discard(file)
        for file, p in list(self._pools.items()):
            if p.pool.last_error is not None:  # its module code throws: stop retrying
                self._unprimable[file] = p.hash
                self.discard(file)
                log.info("script not primed", script=file, reason=p.pool.last_error)
        wanted = {
            file: min(MAX_PER_SCRIPT, 1 + math.ceil(p.rate.now(now) * BUFFER_S))
            for file, p in self._pools.items()
        }
        left = self.capacity
        for file in sorted(wanted, key=lambda f: -self._pools[f].rate.now(now)):
            size = min(wanted[file], left)
            left -= size
            primed = self._pools[file]
            if primed.pool.size != size:
                primed.pool.resize(size)

    def tidy(self) -> None:
        """Resizes the pools and closes idle ones even when no request comes (the
        metrics sampler calls it every second, on the event loop)."""
        now = time.monotonic()
        if self._pools and now - self._resized >= RESIZE_EVERY_S:
            self._resize(now)

    def discard(self, file: str) -> None:
        """Closes `file`'s primed isolates (its program changed or it went idle)."""
        primed = self._pools.pop(file, None)
        if primed is not None:
            primed.pool.close()

    def forget(self, files: Sequence[str]) -> None:
        for file in files:
            self.discard(file)
            self._unprimable.pop(file, None)

    @property
    def ready(self) -> int:
        return sum(p.pool.ready for p in self._pools.values())

    @property
    def scripts(self) -> int:
        return len(self._pools)

    def close(self) -> None:
        for file in list(self._pools):
            self.discard(file)
