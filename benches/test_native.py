"""Micro benchmarks of the native core (issue: transpile ≤ 0.3 ms for 200 lines,
warm call ≤ 30 µs, pool take ≤ 0.2 ms, background creation ≤ 1.5 ms).

Run: .venv/bin/python -m pytest benches/test_native.py --benchmark-only
Per-operation figures for batched async measurements are in `extra_info`
(`per_op_us`) and printed in the summary columns divided by the batch size.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from hoody_exec import _native
from hoody_exec.runtime.engine import prelude_sources
from hoody_exec.webapi import eager_prelude_source, prelude_source

MEDIUM_TS = (Path(__file__).parent / "fixtures" / "medium.ts").read_text()
BATCH = 1000
T = TypeVar("T")


def run(loop: asyncio.AbstractEventLoop, make: Callable[[], Awaitable[T]]) -> T:
    """Runs `make()` on `loop`: engine futures need a running loop to be created on."""

    async def main() -> T:
        return await make()

    return loop.run_until_complete(main())


@pytest.fixture
def loop():
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


def test_transpile_200_lines(benchmark):
    result = benchmark(_native.transpile, MEDIUM_TS, "medium.ts")
    assert "class Repository0" in result.code
    benchmark.extra_info["lines"] = len(MEDIUM_TS.splitlines())


def test_warm_call_round_trip(benchmark, loop):
    iso = _native.Isolate()
    run(loop, lambda: iso.eval("__hoody.onCall = async (p) => p"))

    async def batch() -> None:
        for _ in range(BATCH):
            await iso.call("x")

    benchmark.pedantic(lambda: loop.run_until_complete(batch()), rounds=20, warmup_rounds=2)
    benchmark.extra_info["batch"] = BATCH
    benchmark.extra_info["per_op_us"] = benchmark.stats.stats.median / BATCH * 1e6
    iso.close()


def test_pipelined_calls(benchmark, loop):
    iso = _native.Isolate()
    run(loop, lambda: iso.eval("__hoody.onCall = async (p) => p"))

    async def batch() -> None:
        await asyncio.gather(*(iso.call("x") for _ in range(BATCH)))

    benchmark.pedantic(lambda: loop.run_until_complete(batch()), rounds=20, warmup_rounds=2)
    benchmark.extra_info["batch"] = BATCH
    benchmark.extra_info["per_op_us"] = benchmark.stats.stats.median / BATCH * 1e6
    iso.close()


def test_mini_racer_wrapper_round_trip(benchmark):
    """For comparison: the same warm call through mini-racer's own Python wrapper."""
    from py_mini_racer import MiniRacer

    mr = MiniRacer()
    mr.eval("function echo(p) { return p }")
    echo = mr.eval("echo")
    assert benchmark(echo, "x") == "x"


def test_isolate_creation_bare(benchmark):
    """Background work per pooled isolate, without the Web API prelude."""

    made: list[_native.Isolate] = []
    benchmark.pedantic(lambda: made.append(_native.Isolate()), rounds=100, warmup_rounds=5)
    for iso in made:
        iso.close()


def _creation(benchmark, loop, source: tuple[str, str], rounds: int) -> None:
    code, filename = source

    def create() -> None:
        iso = _native.Isolate()
        run(loop, lambda: iso.eval(code, filename))
        iso.close()

    benchmark.pedantic(create, rounds=rounds, warmup_rounds=3)


def test_isolate_creation_with_prelude(benchmark, loop):
    """Background work per pooled isolate, with the lazy Web API runtime evaluated."""
    _creation(benchmark, loop, prelude_source(), 50)


def test_isolate_creation_eager_prelude(benchmark, loop):
    """For comparison: every Web API family evaluated in each new isolate."""
    _creation(benchmark, loop, eager_prelude_source(), 30)


def test_isolate_created_and_ready(benchmark):
    """Issue 12's target (<= 2 ms): a new isolate with what a serverless request
    needs (bootstrap, lazy runtime, dispatch glue), created the way the pool's
    fillers create one (`take` on an empty pool creates inline)."""
    pool = _native.IsolatePool(0, prelude=prelude_sources())
    made: list[_native.Isolate] = []
    benchmark.pedantic(lambda: made.append(pool.take()), rounds=100, warmup_rounds=5)
    for iso in made:
        iso.close()
    pool.close()


def test_pool_take(benchmark):
    """On the request path: taking a ready isolate from the pool."""
    pool = _native.IsolatePool(4)
    taken: list[_native.Isolate] = []

    def wait_ready() -> tuple[tuple[()], dict[str, object]]:
        for iso in taken:
            iso.close()
        taken.clear()
        deadline = time.monotonic() + 5
        while pool.ready < 4 and time.monotonic() < deadline:
            time.sleep(0.001)
        return (), {}

    benchmark.pedantic(lambda: taken.append(pool.take()), setup=wait_ready, rounds=200)
    pool.close()
