"""Cost of the per-request monitoring hooks (issue 6).

Run: .venv/bin/python -m pytest benches/test_monitor.py --benchmark-only
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import hoody_exec.server  # noqa: F401  (imports the server package before its parts)
from hoody_exec.observability.metrics import ActiveRequest, Monitor
from hoody_exec.runtime.clearing import ClearSignal

REQUESTS = 10_000
SCRIPTS = [f"bench/s{i}.ts" for i in range(20)]


class _Runtime:
    """What the monitor and the clear signal ask of the runtime, without V8."""

    def isolate_counts(self) -> dict[str, int]:
        return {"worker": 0, "pool_ready": 0, "serverless": 0}

    def idle_worker_isolates(self) -> list[object]:
        return []

    def clear_cache(self, file: str | None) -> None:
        raise AssertionError("no clear is announced in these benchmarks")


@pytest.fixture
def monitor() -> Iterator[Monitor]:
    monitor = Monitor(_Runtime())  # type: ignore[arg-type]
    yield monitor
    monitor.close()


def test_begin_and_finish_per_request(benchmark, monitor):
    """`Monitor.begin` + `finish` as `Request.handle` calls them, 20 scripts."""

    def run() -> None:
        for i in range(REQUESTS):
            entry = ActiveRequest(str(i), "GET", "/bench", SCRIPTS[i % 20], 0.0, 0.0)
            monitor.begin(entry)
            monitor.finish(
                entry.rid, entry.script, "serverless", 200, "warm", None, 0.002 + (i % 9) * 0.01
            )

    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    assert not monitor.active
    benchmark.extra_info["per_request_us"] = benchmark.stats.stats.median / REQUESTS * 1e6


def test_clear_signal_poll_per_request(benchmark, monitor):
    """The cross-process `cache/clear` check (several worker processes: one stat())."""
    signal = ClearSignal(monitor.dir, _Runtime(), processes=2)  # type: ignore[arg-type]

    def run() -> None:
        for _ in range(REQUESTS):
            signal.poll()

    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    benchmark.extra_info["per_request_us"] = benchmark.stats.stats.median / REQUESTS * 1e6
