"""Far deadlines (runtime/deadlines.py): no timer until near, then timeout_at's behaviour."""

import asyncio
import time

import pytest

from hoody_exec.runtime import deadlines
from hoody_exec.runtime.deadlines import FarDeadlines


def test_a_far_deadline_fires_as_timeout_at(monkeypatch):
    monkeypatch.setattr(deadlines, "NEAR_S", 0.2)
    monkeypatch.setattr(deadlines, "SWEEP_S", 0.05)
    table = FarDeadlines()

    async def main() -> float:
        began = time.monotonic()
        with pytest.raises(TimeoutError):
            async with table.within(began + 0.5):
                assert table._far, "a far deadline waits in the table, without a timer"
                await asyncio.sleep(30)
        return time.monotonic() - began

    waited = asyncio.run(main())
    assert 0.5 <= waited < 30  # never early; and the 30 s sleep was cut short
    assert not table._far


def test_a_body_that_ends_first_leaves_nothing_behind(monkeypatch):
    monkeypatch.setattr(deadlines, "NEAR_S", 0.2)
    table = FarDeadlines()

    async def main() -> str:
        async with table.within(time.monotonic() + 60):
            await asyncio.sleep(0)
            result = "done"
        assert not table._far
        return result

    assert asyncio.run(main()) == "done"


def test_near_deadlines_and_other_loops(monkeypatch):
    monkeypatch.setattr(deadlines, "NEAR_S", 0.2)
    monkeypatch.setattr(deadlines, "SWEEP_S", 0.05)
    table = FarDeadlines()

    async def near() -> None:
        with pytest.raises(TimeoutError):
            async with table.within(time.monotonic() + 0.05):
                await asyncio.sleep(30)

    async def far() -> None:
        with pytest.raises(TimeoutError):
            async with table.within(time.monotonic() + 0.3):
                await asyncio.sleep(30)

    asyncio.run(near())
    asyncio.run(far())  # a sweep of the previous loop must not be relied on
    asyncio.run(far())
