"""The worker supervisor's policy: how an exit is described, when a slot backs off,
and its record file."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from hoody_exec.server.supervision import (
    BACKOFF_MAX_S,
    STABLE_AFTER_S,
    Backoff,
    WorkerDeath,
    WorkersState,
    describe_exit,
    load_state,
    save_state,
)


@pytest.mark.parametrize(
    ("code", "cause", "phrase"),
    [
        (-signal.SIGKILL, "SIGKILL", "killed by SIGKILL (by hand or by the kernel's"),
        (-signal.SIGSEGV, "SIGSEGV", "killed by SIGSEGV"),
        (1, "exit 1", "exited with status 1"),
        (0, "exit 0", "exited with status 0"),
        (None, "unknown", "ended (exit status unknown)"),
    ],
)
def test_exit_descriptions(code: int | None, cause: str, phrase: str) -> None:
    found_cause, found_phrase = describe_exit(code)
    assert found_cause == cause
    assert found_phrase.startswith(phrase)


def test_a_worker_that_lived_is_replaced_at_once_every_time() -> None:
    backoff = Backoff()
    assert [backoff.after_death(1, STABLE_AFTER_S + 1) for _ in range(5)] == [0.0] * 5


def test_young_deaths_in_a_row_double_the_wait_up_to_the_cap() -> None:
    backoff = Backoff()
    delays = [backoff.after_death(1, 0.5) for _ in range(9)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, BACKOFF_MAX_S, BACKOFF_MAX_S, BACKOFF_MAX_S]
    assert backoff.streak(1) == 9


def test_slots_back_off_independently_and_a_long_life_resets() -> None:
    backoff = Backoff()
    for _ in range(3):
        backoff.after_death(1, 0.1)
    assert backoff.after_death(2, 0.1) == 0.0  # slot 2's first young death
    assert backoff.after_death(1, STABLE_AFTER_S) == 0.0
    assert backoff.after_death(1, 0.1) == 0.0  # a fresh streak
    backoff.forget(1)
    assert backoff.streak(1) == 0


def test_the_record_survives_a_round_trip_and_keeps_the_last_deaths(tmp_path: Path) -> None:
    state = WorkersState(pid=10, workers=[])
    state.started(1, 100)
    for n in range(25):
        death = WorkerDeath(
            slot=1,
            pid=100 + n,
            cause="SIGKILL",
            description="killed by SIGKILL",
            exit_code=-9,
            lived_s=1.0,
            died_at=float(n),
            crash_loop=False,
            delay_s=0.0,
        )
        state.died(death)
        assert state.workers[0].pid is None
        state.replaced(death, 101 + n)
    save_state(tmp_path, state)
    loaded = load_state(tmp_path)
    assert loaded is not None
    assert loaded.replacements == 25 and loaded.workers[0].replacements == 25
    assert loaded.workers[0].pid == 125
    assert [d.pid for d in loaded.deaths] == list(range(105, 125))
    assert load_state(tmp_path / "missing") is None
