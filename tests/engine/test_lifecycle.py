"""Resources: isolates come and go without leaking threads, contexts or memory."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time

from hoody_exec import _native

from .conftest import os_threads, rss_bytes


async def settle_threads(baseline: int, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while os_threads() > baseline and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return os_threads()


async def test_1000_sequential_isolates_do_not_grow_threads_contexts_or_memory():
    # Warm up: the reaper and watchdog threads and V8's own first-use allocations.
    for _ in range(20):
        iso = _native.Isolate()
        await iso.eval("__hoody.onCall = async (p) => p")
        await iso.call("x")
        iso.close()
    await settle_threads(0, 0.5)
    baseline_threads = await settle_threads(os_threads())
    baseline_rss = rss_bytes()
    baseline_contexts = _native.context_count()

    for i in range(1000):
        iso = _native.Isolate()
        await iso.eval("__hoody.onCall = async (p) => JSON.stringify({ p, big: 'x'.repeat(1000) })")
        assert (await iso.call(str(i))).startswith('{"p":"' + str(i))
        iso.close()

    deadline = time.monotonic() + 20
    while _native.context_count() > baseline_contexts and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert _native.context_count() == baseline_contexts
    assert await settle_threads(baseline_threads) <= baseline_threads
    growth = rss_bytes() - baseline_rss
    # NOTE: the stated bound (docs/architecture.md): under 64 MiB of resident
    # growth over 1000 isolates, i.e. no per-isolate leak above ~64 KiB.
    assert growth < 64 * 1024 * 1024, f"RSS grew by {growth / 1e6:.1f} MB"


def test_v8_starts_lazily_not_at_import():
    code = textwrap.dedent(
        """
        import os
        import hoody_exec._native as n
        before = len(os.listdir('/proc/self/task'))
        n.v8_version()
        n.Isolate().close()
        print(before)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # Importing the module started no thread: forking servers can import it first.
    assert int(out.stdout.strip()) == 1
