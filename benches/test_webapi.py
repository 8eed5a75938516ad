"""Web API costs inside a real isolate (issue 4).

Run: .venv/bin/python -m pytest benches/test_webapi.py --benchmark-only
"""

from __future__ import annotations

import asyncio

import pytest

from hoody_exec import _native
from hoody_exec.webapi import prelude_source

LOOPS = 10_000


@pytest.fixture
def isolate():
    loop = asyncio.new_event_loop()
    code, filename = prelude_source()

    async def make() -> _native.Isolate:
        iso = _native.Isolate()
        await iso.eval(code, filename)
        return iso

    iso = loop.run_until_complete(make())
    yield loop, iso
    iso.close()
    loop.close()


def test_url_parse_and_search_param(benchmark, isolate):
    """`new URL(…)` + `searchParams.get` per call, timed inside the isolate."""
    loop, iso = isolate
    code = (
        f"(() => {{ let n = 0; for (let i = 0; i < {LOOPS}; i++) {{"
        " const u = new URL('https://example.com/a/b?x=' + i + '&y=2#f');"
        " if (u.searchParams.get('x') === String(i)) n++; }"
        f" return n; }})()"
    )

    async def run() -> object:
        return await iso.eval(code)

    result = benchmark.pedantic(lambda: loop.run_until_complete(run()), rounds=10, warmup_rounds=2)
    assert result == LOOPS
    benchmark.extra_info["loops"] = LOOPS
    benchmark.extra_info["per_call_us"] = benchmark.stats.stats.median / LOOPS * 1e6
