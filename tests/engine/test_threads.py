"""The engine-thread rule (docs/architecture.md): V8 is initialised on the
engine's root thread, and isolates are created and freed only on threads it
spawned. On CPUs with memory protection keys a broken rule is a segfault; on
others nothing shows, so these tests check the lineage and drive creation,
termination and freeing from every kind of thread the server has.

Each case runs in a fresh interpreter: V8 starts once per process, and one case
needs a thread that existed before it started.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PROGRAM = textwrap.dedent(
    """
    import asyncio, threading
    from concurrent.futures import ThreadPoolExecutor
    from hoody_exec import _native

    HEAVY = (
        "let s = 0; for (let i = 0; i < 2e6; i++) s += i % 7;"
        "const a = []; for (let i = 0; i < 200000; i++) a.push({ i }); a.length"
    )

    async def heavy_then_close(iso):
        assert await iso.eval(HEAVY) == 200000
        iso.close()

    async def busy_then_terminate(iso):
        run = iso.eval(HEAVY + "; for (;;) {}")
        await asyncio.sleep(0.05)
        iso.terminate()
        try:
            await run
        except _native.IsolateTerminated:
            return
        raise AssertionError("the busy loop was not terminated")

    def exercise(where):
        async def main():
            await heavy_then_close(_native.Isolate())
            await busy_then_terminate(_native.Isolate())
            pool = POOL
            for _ in range(2):
                iso = pool.try_take() or pool.take()
                await heavy_then_close(iso)
        asyncio.run(main())
        print("ok", where, flush=True)

    # A thread that exists before V8 starts (Granian's and asyncio's do).
    gate = threading.Event()
    early = threading.Thread(target=lambda: (gate.wait(), exercise("early thread")))
    early.start()

    # V8 starts here, on the engine's root thread, whoever asks first.
    POOL = _native.IsolatePool(2, prelude=[("globalThis.ready = 1", "prelude.js")])
    exercise("main thread")
    gate.set()
    early.join()
    with ThreadPoolExecutor(2) as executor:  # asyncio.to_thread's kind of thread
        list(executor.map(exercise, ["executor thread A", "executor thread B"]))

    async def from_the_loop():
        # Created on the event loop itself, terminated from an executor.
        iso = _native.Isolate()
        run = iso.eval(HEAVY + "; for (;;) {}")
        await asyncio.sleep(0.05)
        await asyncio.to_thread(iso.terminate)
        try:
            await run
        except _native.IsolateTerminated:
            pass
        iso2 = await asyncio.to_thread(_native.Isolate)
        await heavy_then_close(iso2)
    asyncio.run(from_the_loop())
    print("ok event loop", flush=True)
    POOL.close()

    import time
    deadline = time.monotonic() + 20
    while _native.context_count() and time.monotonic() < deadline:
        time.sleep(0.02)
    print("live", _native.context_count())
    threads = _native.engine_threads()
    has_pku, root_pkru, violation = _native.protection_keys()
    root = threads[0]
    print("root", root[0], root[1], root[3])
    for name, tid, parent, pkru in threads[1:]:
        print("thread", name, tid, parent, pkru)
    print("pku", has_pku, root_pkru, violation)
    """
)


def run_program() -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def test_isolates_are_made_and_freed_from_every_kind_of_thread() -> None:
    lines = run_program()
    for where in ("main thread", "early thread", "executor thread A", "event loop"):
        assert f"ok {where}" in lines, lines
    assert "live 0" in lines, lines

    (root,) = [line.split() for line in lines if line.startswith("root ")]
    assert root[1] == "hoody-v8"
    root_tid, root_pkru = root[2], root[3]
    threads = [line.split() for line in lines if line.startswith("thread ")]
    names = {t[1] for t in threads}
    assert {"hoody-create", "hoody-pool", "hoody-reaper", "hoody-watchdog"} <= names, names
    for _, name, _tid, parent, pkru in threads:
        assert parent == root_tid, f"{name} was not spawned by the V8 root thread"
        assert pkru == root_pkru, f"{name} runs with other protection keys than V8's"

    (pku,) = [line.split(maxsplit=3) for line in lines if line.startswith("pku ")]
    has_pku = "ospke" in Path("/proc/cpuinfo").read_text().split()
    assert pku[1] == str(has_pku)
    assert (root_pkru != "None") == has_pku
    assert pku[3] == "None", f"the engine reports a threading violation: {pku[3]}"
