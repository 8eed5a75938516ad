"""Modes and policies over the native isolates: how one call of a script runs.

- serverless: a never-used isolate from the pool per call, closed afterwards;
  `@concurrent` caps simultaneous calls with a FIFO queue.
- worker: one warm isolate per script (per program hash), calls interleave on it;
  a new program (file change) or a dead isolate means a new isolate.
- `@timeout`: a deadline measured from the request's arrival (queueing and
  bundling count); past it the JavaScript is terminated.
- the memory budget (`runtime/budget.py`): every isolate taken from the pool
  holds a slot until it is closed or terminated.
- primed isolates (`runtime/primed.py`): a serverless call takes an isolate that
  already evaluated its script's bundle when one is ready, else the generic pool's.

V8 starts lazily here (first `pool()`), never at import: the server forks its
workers first (SPEC §4, Granian's process model).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import msgspec

from hoody_exec.ai.sdk import SdkBundle
from hoody_exec.observability import LogPolicy, get_logger
from hoody_exec.runtime import native, streams
from hoody_exec.runtime.budget import (
    DEFAULT_WAIT_S,
    MIB,
    MemoryBudget,
    default_budget_mb,
    default_primed,
)
from hoody_exec.runtime.deadlines import FAR
from hoody_exec.runtime.fifo import FifoLimiter, QueueFull
from hoody_exec.runtime.handout import IsolateHandout
from hoody_exec.runtime.host import HostCall, HostRegistry, default_registry
from hoody_exec.runtime.limits import (
    IsolateLost,
    ScriptFailure,
    ScriptThrew,
    cpu_exceeded,
    memory_exceeded,
    queue_full,
    timeout_exceeded,
)
from hoody_exec.runtime.loader import LoadedScript, ScriptLoader
from hoody_exec.runtime.primed import PrimedPools
from hoody_exec.runtime.protocol import (
    CallRequest,
    CallResponse,
    ai_helpers_source,
    decode_response,
    dispatch_source,
    encode_call,
    sockets_source,
)
from hoody_exec.webapi import host as webapi_host
from hoody_exec.webapi import prelude_source, websocket_client

T = TypeVar("T")

DEFAULT_MEMORY_LIMIT = 128 * 1024 * 1024
DEFAULT_POOL_SIZE = 4
DEFAULT_MAX_QUEUE = 1000
# CPU time one request may use (the standard limit of Cloudflare Workers).
DEFAULT_CPU_LIMIT_MS = 30_000

log = get_logger("hoody_exec.runtime")


class _Expired(Exception):
    """The request's deadline passed while waiting for the isolate."""


class _Phases:
    """Where one call's time went (ms per phase, see limits.PHASES), counted from the
    request's arrival: "prepare" (loading, the body) until the runtime has the call."""

    def __init__(self, started: float) -> None:
        self._ms: dict[str, float] = {}
        self._current = "prepare"
        self._since = started

    def enter(self, phase: str) -> None:
        now = time.monotonic()
        self._ms[self._current] = self._ms.get(self._current, 0.0) + (now - self._since) * 1000
        self._current, self._since = phase, now

    def close(self) -> dict[str, float]:
        """The phases so far, the current one counted up to now."""
        self.enter(self._current)
        return dict(self._ms)


@dataclass
class RunResult:
    response: CallResponse
    cold: bool  # the isolate was created for this call (not pre-created / not warm)
    timings: dict[str, float] = field(default_factory=dict)  # ms per phase
    # A streamed body (`response.stream`): the isolate keeps producing it; the
    # server iterates it and it releases the isolate when it ends.
    body: streams.StreamedBody | None = None
    primed: bool = False  # serverless: the isolate had evaluated the bundle already

    @property
    def temperature(self) -> str:
        """For logs and metrics: "cold" (created for the call), "primed" or "warm"."""
        return "cold" if self.cold else "primed" if self.primed else "warm"


@dataclass
class _WorkerSlot:
    isolate: native.Isolate
    hash: str
    inflight: int = 0
    retired: bool = False
    # Request ids of the calls in flight: the only ids its log lines may carry.
    requests: list[str] = field(default_factory=list)


# Pre-created isolates with the AI SDK already evaluated, per SDK bundle: loading
# it takes a few hundred milliseconds, which must not be on a request's path.
AI_POOL_SIZE = 1


def prelude_sources() -> list[tuple[str, str]]:
    """The Web API prelude (one script) followed by the dispatch glue and `ws`."""
    return [prelude_source(), dispatch_source(), sockets_source()]


def ai_prelude_sources(sdk: SdkBundle) -> list[tuple[str, str]]:
    """The prelude of an `@ai` isolate: the usual one, the SDK, its helpers."""
    return [*prelude_sources(), (sdk.code, "hoody:ai/sdk.js"), ai_helpers_source()]


class Runtime:
    def __init__(
        self,
        root: Path,
        *,
        env: dict[str, str],
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_queue: int = DEFAULT_MAX_QUEUE,
        cpu_limit_ms: int | None = DEFAULT_CPU_LIMIT_MS,
        memory_budget: int | None = None,
        budget_wait_s: float = DEFAULT_WAIT_S,
        registry: HostRegistry | None = None,
        primed_isolates: int | None = None,
    ) -> None:
        self.loader = ScriptLoader(root, env)
        self.memory_limit = memory_limit
        self.cpu_limit_ms = cpu_limit_ms or None
        self.pool_size = pool_size
        self.max_queue = max_queue
        if memory_budget is None:
            memory_budget = default_budget_mb(1, memory_limit // MIB, pool_size) * MIB
        if primed_isolates is None:
            primed_isolates = default_primed(memory_budget, memory_limit, pool_size)
        self.budget = MemoryBudget(
            memory_budget,
            cap_bytes=memory_limit,
            pool_size=pool_size,
            max_waiting=max_queue,
            wait_s=budget_wait_s,
            primed=primed_isolates,
        )
        # NOTE: creation runs on as many threads as this process may use CPUs.
        self.fillers = max(len(os.sched_getaffinity(0)), 1)
        self.primed = PrimedPools(
            capacity=primed_isolates,
            memory_limit=memory_limit,
            cpu_limit_ms=self.cpu_limit_ms,
            prelude=prelude_sources,
            # NOTE: one thread per script; pools of several scripts fill in parallel.
            fillers=1,
        )
        self.registry = registry or default_registry()
        streams.register_host_ops(self.registry)
        self._pool: native.IsolatePool | None = None
        self.handout = IsolateHandout()
        self._ai_pools: dict[str, native.IsolatePool] = {}
        self._ai_handouts: dict[str, IsolateHandout] = {}
        self._workers: dict[str, _WorkerSlot] = {}
        self._building: dict[tuple[str, str], asyncio.Task[_WorkerSlot]] = {}
        self._limiters: dict[str, FifoLimiter] = {}
        self.active_calls = 0
        # `@websocket` (server/websockets): told when a worker isolate stops serving
        # its sockets: `(file, isolate id, restart)`, restart False when it was ended.
        self.on_worker_end: Callable[[str, int, bool], None] | None = None

    # ------------------------------------------------------------ lifecycle
    def pool(self) -> native.IsolatePool:
        if self._pool is None:
            self._pool = native.IsolatePool(
                self.pool_size,
                memory_limit=self.memory_limit,
                cpu_limit_ms=self.cpu_limit_ms,
                prelude=prelude_sources(),
                fillers=self.fillers,
            )
        return self._pool

    def ai_pool(self, sdk: SdkBundle) -> native.IsolatePool:
        """The pool of `@ai` isolates for this SDK bundle (created on first use:
        blocks while it prepares, so call it off the loop the first time)."""
        pool = self._ai_pools.get(sdk.hash)
        if pool is None:
            pool = native.IsolatePool(
                min(self.pool_size, AI_POOL_SIZE),
                memory_limit=self.memory_limit,
                cpu_limit_ms=self.cpu_limit_ms,
                prelude=ai_prelude_sources(sdk),
            )
            self._ai_pools[sdk.hash] = pool
        return pool

    def close(self) -> None:
        for slot in self._workers.values():
            self._dispose(slot.isolate)
        self._workers.clear()
        self.primed.close()
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        for pool in self._ai_pools.values():
            pool.close()
        self._ai_pools.clear()

    def forget(self, files: list[str]) -> None:
        """Scripts whose files changed. A changed program gets a new worker isolate
        on its next request (`_run_worker` compares bundle hashes), so only deleted
        scripts lose theirs here.

        NOTE: retiring on every event would throw away a worker that was just
        rebuilt for the new content by a request that beat the watcher, and with
        it a save that did not change the program (a `touch`) would reset state.
        """
        self.primed.forget(files)
        for file in files:
            self._limiters.pop(file, None)
            slot = self._workers.get(file)
            if slot is not None and not (self.loader.root / file).is_file():
                del self._workers[file]
                self._retire(slot, file, reason="script deleted")

    def clear_cache(self, file: str | None = None) -> CacheCleared:
        """`cache/clear`: drop compiled bundles (all, or `file`'s) and retire the
        worker isolates, which the next request rebuilds from a fresh bundle with
        a fresh `shared`. Calls still running on a retired isolate finish there.

        NOTE: the pool's isolates hold only the prelude, never a script's code, so
        they stay; primed isolates ran a bundle, so they go.
        """
        loaded = self.loader.clear(file)
        if file is None:
            self.primed.close()
        else:
            self.primed.forget([file])
        retired: list[str] = []
        for name in [file] if file is not None else list(self._workers):
            slot = self._workers.pop(name, None)
            if slot is not None:
                self._retire(slot, name, reason="cache cleared")
                retired.append(name)
        return CacheCleared(
            bundles=loaded.bundles,
            failed_loads=loaded.failures,
            pending_builds=loaded.pending,
            worker_isolates=sorted(retired),
        )

    def isolate_counts(self) -> dict[str, int]:
        """Live isolates of this process by kind (for the metrics sampler).

        NOTE: the sampler calls this every second on the event loop, which is also
        when idle primed pools are closed and the others resized.
        """
        self.primed.tidy()
        workers = sum(1 for slot in self._workers.values() if slot.isolate.alive)
        primed = self.primed.ready
        ready = (self._pool.ready if self._pool is not None else 0) + primed
        live = native.context_count()
        # "serverless": calls in progress, and retired worker isolates still finishing.
        # "pool_ready" counts primed isolates too; "primed_ready" is that part.
        return {
            "worker": workers,
            "pool_ready": ready,
            "primed_ready": primed,
            "serverless": max(live - workers - ready, 0),
        }

    def idle_worker_isolates(self) -> list[native.Isolate]:
        return [
            slot.isolate
            for slot in self._workers.values()
            if slot.inflight == 0 and slot.isolate.alive
        ]

    # ------------------------------------------------------------ calls
    async def run(
        self, script: LoadedScript, call: CallRequest, *, started: float, policy: LogPolicy
    ) -> RunResult:
        """Run one call of `script`; raises a ScriptFailure for every error response."""
        timeout = script.magic.timeout_ms
        deadline = None if timeout is None else started + timeout / 1000
        self.active_calls += 1
        try:
            if script.magic.mode == "worker":
                result = await self._run_worker(script, call, started, deadline, policy)
            else:
                result = await self._run_serverless(script, call, started, deadline, policy)
            if result.body is not None:
                self.active_calls += 1  # until the streamed body ends
            return result
        finally:
            self.active_calls -= 1

    async def _run_serverless(
        self,
        script: LoadedScript,
        call: CallRequest,
        started: float,
        deadline: float | None,
        policy: LogPolicy,
    ) -> RunResult:
        phases = _Phases(started)
        limiter = self._limiter(script)
        phases.enter("queue")
        if limiter is not None:
            try:
                await _within_deadline(limiter.acquire(), deadline)
            except QueueFull as full:
                raise queue_full(script.file, limiter.cap, full.waiting, self.max_queue) from None
            except _Expired:
                raise self._timeout(script, started, phases, terminated=False) from None
        isolate: native.Isolate | None = None
        terminated = False
        handed_off = False
        try:
            phases.enter("isolate")
            isolate, cold, primed = await self._fresh_isolate(
                script.file, deadline, script, sdk=script.ai_sdk
            )
            isolate.set_host_handler(self._host_handler(isolate, script, call.rid, policy))
            # NOTE: our deadlines are time.monotonic(), the clock of asyncio's loop.time().
            webapi_host.set_deadline(isolate, deadline)
            if not primed:  # a primed isolate evaluated the bundle before the request
                phases.enter("load")
                await _within_deadline(
                    isolate.eval(script.code, script.file, script.source_map), deadline
                )
            phases.enter("run")
            raw = await _within_deadline(isolate.call(encode_call(call)), deadline)
            timings = phases.close()
            response = decode_response(raw)
            body = None
            if response.stream is not None:
                body = self._serverless_body(isolate, limiter, script, response, deadline)
                handed_off = True
            return RunResult(response, cold, timings, body, primed)
        except _Expired:
            terminated = True
            raise self._timeout(script, started, phases, terminated=True) from None
        except native.MemoryLimitExceeded as error:
            terminated = True
            raise memory_exceeded(script.file, error.limit, error.used) from None
        except native.CpuLimitExceeded as error:
            terminated = True
            raise cpu_exceeded(script.file, error.limit_ms, error.used_ms) from None
        except native.JsError as error:
            raise _threw(error, script, policy) from None
        except asyncio.CancelledError:
            # Its client left or the request was cancelled: stop the JavaScript now.
            terminated = True
            raise
        finally:
            if not handed_off:
                if isolate is not None:
                    if terminated:
                        self._kill(isolate)
                    else:
                        self._dispose(isolate)
                if limiter is not None:
                    limiter.release()

    def _serverless_body(
        self,
        isolate: native.Isolate,
        limiter: FifoLimiter | None,
        script: LoadedScript,
        response: CallResponse,
        deadline: float | None,
    ) -> streams.StreamedBody:
        """The isolate (and the `@concurrent` slot) live until the body ends."""

        def release(outcome: streams.Outcome) -> None:
            self.active_calls -= 1
            if outcome in ("timeout", "lost"):
                self._kill(isolate)
            else:
                self._dispose(isolate)
            if limiter is not None:
                limiter.release()

        assert response.stream is not None
        return streams.StreamedBody(
            streams.attach(isolate, response.stream),
            sse=response.sse,
            deadline=deadline,
            timeout_ms=script.magic.timeout_ms,
            release=release,
        )

    async def _run_worker(
        self,
        script: LoadedScript,
        call: CallRequest,
        started: float,
        deadline: float | None,
        policy: LogPolicy,
    ) -> RunResult:
        phases = _Phases(started)
        cold = False
        slot = self._workers.get(script.file)
        if slot is None or slot.hash != script.hash or not slot.isolate.alive:
            cold = True
            phases.enter("isolate")
            try:
                slot = await _within_deadline(self._worker_slot(script, policy), deadline)
            except _Expired:
                raise self._timeout(script, started, phases, terminated=False) from None
        slot.inflight += 1
        slot.requests.append(call.rid)
        phases.enter("run")
        handed_off = False
        try:
            raw = await _within_deadline(slot.isolate.call(encode_call(call), call.rid), deadline)
            timings = phases.close()
            response = decode_response(raw)
            body = None
            if response.stream is not None:
                body = self._worker_body(slot, script, response, deadline, call.rid)
                handed_off = True
            return RunResult(response, cold, timings, body)
        except _Expired:
            # SPEC §4: only a timeout that finds JavaScript still running costs the
            # worker its isolate; one that was awaiting (a slow fetch) does not.
            busy = await _is_busy(slot.isolate)
            if busy:
                self._terminate_worker(script.file, slot, "a request passed its @timeout")
            raise self._timeout(script, started, phases, terminated=busy) from None
        except native.MemoryLimitExceeded as error:
            self._terminate_worker(script.file, slot, "the isolate passed its memory cap")
            raise memory_exceeded(script.file, error.limit, error.used) from None
        except native.CpuLimitExceeded as error:
            self._terminate_worker(script.file, slot, "a request passed its CPU time limit")
            raise cpu_exceeded(script.file, error.limit_ms, error.used_ms) from None
        except native.IsolateTerminated:
            raise IsolateLost(
                f"the worker isolate of {script.file} was terminated while this request ran "
                "(another request hit a limit); its state was lost and it is being rebuilt",
                script=script.file,
                headers=[("retry-after", "0")],
            ) from None
        except native.JsError as error:
            raise _threw(error, script, policy) from None
        finally:
            if not handed_off:
                self._end_worker_call(slot, call.rid)

    def _end_worker_call(self, slot: _WorkerSlot, rid: str | None = None) -> None:
        slot.inflight -= 1
        if rid is not None:
            slot.requests.remove(rid)
        if slot.retired and slot.inflight == 0:
            self._dispose(slot.isolate)

    def _worker_body(
        self,
        slot: _WorkerSlot,
        script: LoadedScript,
        response: CallResponse,
        deadline: float | None,
        rid: str,
    ) -> streams.StreamedBody:
        """The call stays in flight on the worker (a retired isolate waits for it)."""

        def release(outcome: streams.Outcome) -> None:
            self.active_calls -= 1
            if outcome == "timeout":
                self._terminate_worker(script.file, slot, "a streamed response passed its @timeout")
            self._end_worker_call(slot, rid)

        assert response.stream is not None
        return streams.StreamedBody(
            streams.attach(slot.isolate, response.stream),
            sse=response.sse,
            deadline=deadline,
            timeout_ms=script.magic.timeout_ms,
            release=release,
            keep_isolate=True,
        )

    async def _worker_slot(self, script: LoadedScript, policy: LogPolicy) -> _WorkerSlot:
        key = (script.file, script.hash)
        task = self._building.get(key)
        if task is None or task.done():
            task = asyncio.get_running_loop().create_task(self._build_worker(script, policy))
            task.add_done_callback(_consume)
            task.add_done_callback(lambda _: self._building.pop(key, None))
            self._building[key] = task
        return await asyncio.shield(task)

    async def _build_worker(self, script: LoadedScript, policy: LogPolicy) -> _WorkerSlot:
        isolate, _, _ = await self._fresh_isolate(script.file, None, sdk=script.ai_sdk)
        # Worker calls interleave, so a log line names its request, and the host
        # accepts only the ids of calls in flight here (runtime/host.py).
        requests: list[str] = []
        isolate.set_host_handler(self._host_handler(isolate, script, None, policy, requests))
        try:
            await isolate.eval(script.code, script.file, script.source_map)
        except native.JsError as error:
            self._dispose(isolate)
            raise _threw(error, script, policy) from None
        except BaseException:
            self._dispose(isolate)
            raise
        old = self._workers.get(script.file)
        if old is not None:
            self._retire(old, script.file, reason="new program")
        slot = _WorkerSlot(isolate, script.hash, requests=requests)
        self._workers[script.file] = slot
        if policy.lifecycle:
            log.debug("worker isolate created", script=script.file, isolate=isolate.id)
        return slot

    async def end_busy_worker(self, file: str, reason: str) -> bool:
        """Terminate `file`'s worker isolate if JavaScript is running there now (a
        cancelled request's busy loop); True if it was. One that is only awaiting
        lives on: the cancelled call's result is dropped when it comes."""
        slot = self._workers.get(file)
        if slot is None or not await _is_busy(slot.isolate):
            return False
        self._terminate_worker(file, slot, reason)
        return True

    def _terminate_worker(self, file: str, slot: _WorkerSlot, reason: str) -> None:
        if self._workers.get(file) is slot:
            del self._workers[file]
        slot.retired = True
        self._kill(slot.isolate)
        self._worker_ended(file, slot.isolate, restart=False)
        log.warning(
            "worker isolate terminated; its shared state is lost and the next request rebuilds it",
            script=file,
            reason=reason,
        )

    def _retire(self, slot: _WorkerSlot, file: str, *, reason: str) -> None:
        # Calls still running on the old isolate finish there; it closes after them.
        slot.retired = True
        if slot.inflight == 0:
            self._dispose(slot.isolate)
        log.info("worker isolate retired", script=file, reason=reason)
        self._worker_ended(file, slot.isolate, restart=True)

    def _worker_ended(self, file: str, isolate: native.Isolate, *, restart: bool) -> None:
        if self.on_worker_end is not None:
            self.on_worker_end(file, isolate.id, restart)

    # ------------------------------------------------------------ sockets
    async def socket_slot(self, script: LoadedScript, policy: LogPolicy) -> _WorkerSlot:
        """The worker isolate a new socket of `script` lives on. The socket counts as
        a call in flight until `release_socket`, so a retired isolate stays until its
        sockets have heard their close."""
        slot = self._workers.get(script.file)
        if slot is None or slot.hash != script.hash or not slot.isolate.alive:
            timeout = script.magic.timeout_ms
            deadline = None if timeout is None else time.monotonic() + timeout / 1000
            started = time.monotonic()
            phases = _Phases(started)
            phases.enter("isolate")
            try:
                slot = await _within_deadline(self._worker_slot(script, policy), deadline)
            except _Expired:
                raise self._timeout(script, started, phases, terminated=False) from None
        slot.inflight += 1
        return slot

    def retire_changed(self, file: str, new_hash: str | None) -> None:
        """`file` changed: retire its worker isolate unless it runs `new_hash` (None:
        the new content does not load)."""
        slot = self._workers.get(file)
        if slot is not None and slot.hash != new_hash:
            del self._workers[file]
            self._retire(slot, file, reason="the script changed")

    def release_socket(self, slot: _WorkerSlot) -> None:
        self._end_worker_call(slot)

    async def socket_event(
        self, script: LoadedScript, slot: _WorkerSlot, payload: str, rid: str, policy: LogPolicy
    ) -> str | bytes:
        return await self.socket_call(script, slot, payload, rid, policy)

    def socket_call(
        self, script: LoadedScript, slot: _WorkerSlot, payload: str, rid: str, policy: LogPolicy
    ) -> asyncio.Future[str | bytes]:
        """One handler run (`ws.open/message/close/drain`) on the socket's isolate,
        bounded by `@timeout`: the socket's lifetime is not (SPEC §3). The future
        fails with a ScriptFailure.

        NOTE: callbacks, not a task per run: a socket's messages are the hot path
        (benches/ws_load.py), and a task plus a timeout scope per message cost more
        than the call itself.
        """
        loop = asyncio.get_running_loop()
        result: asyncio.Future[str | bytes] = loop.create_future()
        if not slot.isolate.alive:
            result.set_exception(
                IsolateLost(f"the worker isolate of {script.file} is gone", script=script.file)
            )
            return result
        started = loop.time()
        timeout = script.magic.timeout_ms
        call = slot.isolate.call(payload, rid)
        slot.requests.append(rid)

        async def expire() -> None:
            if call.done():
                return
            busy = await _is_busy(slot.isolate)
            if busy:
                self._terminate_worker(script.file, slot, "a WebSocket handler passed its @timeout")
            if not result.done():
                ran = (loop.time() - started) * 1000
                result.set_exception(
                    timeout_exceeded(script.file, timeout or 0, round(ran), {"run": ran}, busy)
                )

        timer = None
        if timeout is not None:
            timer = loop.call_at(started + timeout / 1000, lambda: loop.create_task(expire()))

        def done(finished: asyncio.Future[str | bytes]) -> None:
            slot.requests.remove(rid)
            if timer is not None:
                timer.cancel()
            if result.done():
                return
            if finished.cancelled():
                result.cancel()
            elif (error := finished.exception()) is not None:
                result.set_exception(self._socket_failure(error, script, slot, policy))
            else:
                result.set_result(finished.result())

        call.add_done_callback(done)
        return result

    def _socket_failure(
        self, error: BaseException, script: LoadedScript, slot: _WorkerSlot, policy: LogPolicy
    ) -> BaseException:
        if isinstance(error, native.MemoryLimitExceeded):
            self._terminate_worker(script.file, slot, "the isolate passed its memory cap")
            return memory_exceeded(script.file, error.limit, error.used)
        if isinstance(error, native.CpuLimitExceeded):
            self._terminate_worker(script.file, slot, "a WebSocket handler passed its CPU limit")
            return cpu_exceeded(script.file, error.limit_ms, error.used_ms)
        if isinstance(error, native.IsolateTerminated):
            return IsolateLost(
                f"the worker isolate of {script.file} was terminated", script=script.file
            )
        if isinstance(error, native.JsError):
            return _threw(error, script, policy)
        return error

    # ------------------------------------------------------------ shared state
    async def shared_state(
        self, script: LoadedScript, op: SharedOp, key: str | None = None, value: Any = None
    ) -> SharedState | None:
        """Read, replace or clear a worker script's `shared` object (or one key).

        None when the script has no isolate running its current program and `op`
        is not "set": there is no state to read or clear (the next request starts
        with `{}`). "set" starts the isolate first, as a request would.
        NOTE: it runs as a call on the isolate's thread, between the steps of
        requests in flight there, and counts as in flight so a retired isolate
        is not closed under it.
        """
        if script.magic.mode != "worker":
            raise ValueError(f"{script.file} is not a worker script")
        slot = self._workers.get(script.file)
        started = False
        if slot is None or slot.hash != script.hash or not slot.isolate.alive:
            if op != "set":
                return None
            deadline = time.monotonic() + SHARED_STATE_TIMEOUT_S
            try:
                slot = await _within_deadline(
                    self._worker_slot(script, LogPolicy(script.magic.log_level)), deadline
                )
            except _Expired:
                raise SharedStateBusy(script.file, SHARED_STATE_TIMEOUT_S) from None
            started = True
        payload = _encoder.encode({"control": "shared", "op": op, "key": key, "value": value})
        slot.inflight += 1
        try:
            deadline = time.monotonic() + SHARED_STATE_TIMEOUT_S
            raw = await _within_deadline(slot.isolate.call(payload.decode()), deadline)
        except _Expired:
            raise SharedStateBusy(script.file, SHARED_STATE_TIMEOUT_S) from None
        except native.JsError as error:
            raise SharedStateUnserializable(script.file, str(error.message)) from None
        finally:
            self._end_worker_call(slot)
        answer = msgspec.json.decode(raw, type=_SharedAnswer)
        return SharedState(found=answer.found, value=answer.value, started=started)

    # ------------------------------------------------------------ helpers
    async def _fresh_isolate(
        self,
        file: str,
        deadline: float | None,
        script: LoadedScript | None = None,
        *,
        sdk: SdkBundle | None = None,
    ) -> tuple[native.Isolate, bool, bool]:
        """A never-used isolate (holding a slot of the memory budget; with the AI SDK
        loaded for `sdk`), whether the call had to wait for it (queued in arrival
        order), and whether it is primed with `script`'s bundle (serverless calls
        pass their script; scripts with the AI SDK are not primed).

        NOTE: creating one (with the prelude) takes milliseconds: when the pool is
        empty it happens on a thread, never on the event loop.
        """
        if sdk is None:
            pool = self.pool()
        else:
            pool = self._ai_pools.get(sdk.hash) or await asyncio.to_thread(self.ai_pool, sdk)
        await self.budget.acquire(file, deadline)
        try:
            isolate = self.primed.take(script) if script is not None and sdk is None else None
            primed = isolate is not None
            cold = False
            if isolate is None:
                handout = self.handout if sdk is None else self._ai_handout(sdk)
                isolate, cold = await handout.get(pool)
        except BaseException:
            # NOTE: an isolate a cancelled thread still returns is dropped, which frees it.
            self.budget.release_unbound()
            raise
        self.budget.bind(isolate.id)
        return isolate, cold, primed

    def _ai_handout(self, sdk: SdkBundle) -> IsolateHandout:
        # NOTE: one queue per pool: an isolate with the AI SDK must not go to a
        # request waiting for a plain one, nor the other way round.
        handout = self._ai_handouts.get(sdk.hash)
        if handout is None:
            handout = self._ai_handouts[sdk.hash] = IsolateHandout()
        return handout

    def _limiter(self, script: LoadedScript) -> FifoLimiter | None:
        cap = script.magic.concurrent
        if cap is None:
            return None
        limiter = self._limiters.get(script.file)
        if limiter is None or limiter.cap != cap:
            limiter = FifoLimiter(cap, self.max_queue)
            self._limiters[script.file] = limiter
        return limiter

    @staticmethod
    def _timeout(
        script: LoadedScript, started: float, phases: _Phases, *, terminated: bool
    ) -> ScriptFailure:
        return timeout_exceeded(
            script.file,
            script.magic.timeout_ms or 0,
            round((time.monotonic() - started) * 1000),
            phases.close(),
            terminated,
        )

    def _host_handler(
        self,
        isolate: native.Isolate,
        script: LoadedScript,
        rid: str | None,
        policy: LogPolicy,
        running: Sequence[str] = (),
    ) -> Callable[[int, str, bytes], None]:
        registry = self.registry

        def handle(request_id: int, op: str, data: bytes) -> None:
            if op == native.FAULT_OP and request_id == 0:
                self._on_fault(isolate, script, data)
                return
            registry.dispatch(
                HostCall(isolate, request_id, op, data, script.file, rid, policy, running)
            )

        return handle

    def _on_fault(self, isolate: native.Isolate, script: LoadedScript, data: bytes) -> None:
        """The watchdog ended an isolate no request was waiting on: work a request
        left running after its answer (a runaway promise chain, a busy timer).
        It is reported for the request that started it; the next request gets a
        new worker isolate instead of this one's failure."""
        report = msgspec.json.decode(data)
        slot = self._workers.get(script.file)
        if slot is not None and slot.isolate is isolate:
            del self._workers[script.file]
            slot.retired = True
        self._forget(isolate)
        self._worker_ended(script.file, isolate, restart=False)
        what = "its CPU time limit" if report.get("reason") == "cpu" else "its memory cap"
        log.error(
            f"work left running after a response passed {what}; the isolate was ended "
            "and the next request gets a new one",
            script=script.file,
            request_id=report.get("label"),
            reason=report.get("reason"),
            limit_ms=report.get("limit_ms"),
            used_ms=report.get("used_ms"),
        )

    def _dispose(self, isolate: native.Isolate) -> None:
        self._forget(isolate)
        isolate.close()

    def _kill(self, isolate: native.Isolate) -> None:
        self._forget(isolate)
        isolate.terminate()

    def _forget(self, isolate: native.Isolate) -> None:
        # NOTE: the handler closes over the isolate; dropping it breaks that cycle,
        # which the garbage collector cannot see through the native object.
        webapi_host.forget_isolate(isolate)
        websocket_client.forget_isolate(isolate)
        streams.forget_isolate(isolate)
        isolate.set_host_handler(None)
        self.budget.release(isolate.id)

    async def aclose(self) -> None:
        self.close()
        await webapi_host.aclose()


@dataclass(frozen=True)
class CacheCleared:
    bundles: list[str]  # scripts whose compiled bundle was dropped
    failed_loads: int  # remembered load failures forgotten (retried at once)
    pending_builds: list[str]  # builds in progress whose result will not be kept
    worker_isolates: list[str]  # scripts whose worker isolate was retired


# How long a shared-state call may wait for the worker isolate (it queues behind
# JavaScript that is running there) before the API gives up.
SHARED_STATE_TIMEOUT_S = 10.0

SharedOp = Literal["get", "set", "clear"]


@dataclass(frozen=True)
class SharedState:
    found: bool  # the key was there (whole object: always; clear: there was something)
    value: Any  # JSON: the object, the key's value, or None
    started: bool  # "set" had to start the worker isolate first


class _SharedAnswer(msgspec.Struct):
    found: bool
    value: Any = None


class SharedStateBusy(Exception):
    def __init__(self, script: str, seconds: float) -> None:
        super().__init__(
            f"the worker isolate of {script} did not answer within {seconds:g} s "
            "(JavaScript is running there)"
        )
        self.script = script
        self.seconds = seconds


class SharedStateUnserializable(Exception):
    def __init__(self, script: str, reason: str) -> None:
        super().__init__(f"the shared state of {script} cannot be represented as JSON: {reason}")
        self.script = script
        self.reason = reason


_encoder = msgspec.json.Encoder()


def _threw(error: Any, script: LoadedScript, policy: LogPolicy) -> ScriptThrew:
    return ScriptThrew(
        name=getattr(error, "name", None) or "Error",
        message=getattr(error, "message", None) or str(error),
        script=getattr(error, "filename", None) or script.file,
        line=getattr(error, "line", None),
        column=getattr(error, "column", None),
        stack=getattr(error, "stack", None) if policy.lifecycle else None,
    )


async def _within_deadline(awaitable: Awaitable[T], deadline: float | None) -> T:
    """Await a coroutine or an engine future until the deadline (a
    `time.monotonic()` value, the clock of asyncio's loop), cancelling it then.

    NOTE: cancelling an engine future is safe: the reactor skips futures that are
    already done when the isolate answers.
    """
    if deadline is None:
        return await awaitable
    try:
        async with FAR.within(deadline):
            return await awaitable
    except TimeoutError:
        raise _Expired from None


# How long an idle isolate may take to answer a probe before it counts as busy.
BUSY_PROBE_SECONDS = 0.05


async def _is_busy(isolate: native.Isolate) -> bool:
    """True if JavaScript is running: a trivial evaluation queues behind it."""
    if not isolate.alive:
        return False
    probe = isolate.eval("0", "hoody:probe")
    try:
        async with asyncio.timeout(BUSY_PROBE_SECONDS):
            await probe
    except TimeoutError:
        return True
    except native.HoodyExecError:
        return False
    return False


def _consume(future: asyncio.Future[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError, Exception):
        future.exception()
