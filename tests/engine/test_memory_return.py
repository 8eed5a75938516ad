"""Memory comes back after big isolates die: V8 would otherwise keep their heap
pages pooled for other isolates, and glibc their malloc arenas, so one burst of
large requests would set the worker's RSS for the life of the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import asyncio, time
    from hoody_exec import _native

    def rss_mb():
        with open("/proc/self/status") as f:
            line = next(l for l in f if l.startswith("VmRSS:"))
        return int(line.split()[1]) // 1024

    BIG = "var a = []; for (let i = 0; i < 400; i++) a.push(new Array(25000).fill(i)); a.length"

    async def main():
        warm = _native.Isolate()
        await warm.eval("1")
        warm.close()
        time.sleep(0.5)
        base = rss_mb()
        isolates = [_native.Isolate() for _ in range(8)]
        await asyncio.gather(*(
            iso.eval(BIG) for iso in isolates
        ))
        peak = rss_mb()
        for iso in isolates:
            iso.close()
        deadline = time.monotonic() + 20
        while _native.context_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        print(base, peak, rss_mb(), _native.context_count())

    asyncio.run(main())
    """
)


def test_rss_returns_after_big_isolates_are_freed() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    base, peak, after, live = (int(x) for x in result.stdout.split())
    assert live == 0
    assert peak - base > 400, (base, peak, after)  # the isolates really used memory
    assert after - base < 64, f"RSS {base} MiB before, {peak} at the peak, {after} after"
