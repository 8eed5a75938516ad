"""Cron times (zones, DST) and the store's tick claims, without a server."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from croniter import croniter

from hoody_exec.schedules import cron
from hoody_exec.schedules.store import RunRecord, ScheduleStore
from hoody_exec.scripts.magic import Schedule, parse_schedule


def _schedule(value: str) -> Schedule:
    schedule, message = parse_schedule(value)
    assert schedule is not None, message
    return schedule


def test_zone_with_a_dst_change_follows_croniter() -> None:
    # Europe/Berlin leaves CET (UTC+1) for CEST (UTC+2) on 2027-03-28.
    schedule = _schedule("0 9 * * * Europe/Berlin")
    runs = cron.next_runs(schedule, datetime(2027, 3, 26, 12, tzinfo=UTC), 3)
    assert [cron.iso(t) for t in runs] == [
        "2027-03-27T08:00:00.000Z",
        "2027-03-28T07:00:00.000Z",
        "2027-03-29T07:00:00.000Z",
    ]
    # The same as croniter itself computes from an aware start.
    from zoneinfo import ZoneInfo

    start = datetime(2027, 3, 26, 12, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    itr = croniter("0 9 * * *", start)
    assert runs == [itr.get_next(datetime) for _ in range(3)]


def test_six_fields_are_seconds_first_and_shorthands_work() -> None:
    after = datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)
    every_5s = cron.next_runs(_schedule("*/5 * * * * *"), after, 2)
    assert [t.second for t in every_5s] == [5, 10]
    hourly = cron.next_runs(_schedule("@hourly"), after, 2)
    assert [cron.iso(t) for t in hourly] == ["2027-01-01T01:00:00.000Z", "2027-01-01T02:00:00.000Z"]


def test_bad_values_name_what_is_wrong() -> None:
    assert parse_schedule("0 61 * * *")[1].startswith("not a valid cron expression")
    assert "found 7" in parse_schedule("* * * * * * *")[1]
    assert "Mars/Base" in parse_schedule("0 9 * * * Mars/Base")[1]
    assert parse_schedule("0 9 * * * Japan")[0] == Schedule("0 9 * * *", "Japan", False)


def test_each_tick_is_claimed_once_and_overlap_skips(tmp_path: Path) -> None:
    store = ScheduleStore(tmp_path)
    assert store.claim("a.ts", 100.0, "r1") == "run"
    assert store.claim("a.ts", 100.0, "r2") == "taken"  # another process, same tick
    assert store.running("a.ts") == ["r1"]
    assert store.claim("a.ts", 101.0, "r3") == "skipped"  # r1 still runs
    assert store.claim("a.ts", 0.0, "m1", manual=True) == "run"  # asked for: never skips
    store.finished("a.ts", "r1")
    store.finished("a.ts", "m1")
    assert store.claim("a.ts", 102.0, "r4") == "run"
    assert store.claim("b.ts", 102.0, "r5") == "run"  # each script its own state


def test_a_run_of_a_dead_process_does_not_block(tmp_path: Path) -> None:
    store = ScheduleStore(tmp_path)
    code = (
        "from pathlib import Path; from hoody_exec.schedules.store import ScheduleStore; "
        f"ScheduleStore(Path({str(tmp_path)!r})).claim('a.ts', 1.0, 'x')"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    assert child.wait(timeout=60) == 0
    assert store.running("a.ts") == []  # its pid is gone
    assert store.claim("a.ts", 2.0, "y") == "run"


def test_history_is_bounded_and_newest_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("hoody_exec.schedules.store.MAX_RUNS", 5)
    store = ScheduleStore(tmp_path)
    for i in range(8):
        store.record(
            RunRecord(
                run_id=f"r{i}",
                script="a.ts",
                expression="* * * * * *",
                zone="UTC",
                trigger="schedule",
                scheduled_at=f"2027-01-01T00:00:0{i}.000Z",
                started_at=f"2027-01-01T00:00:0{i}.001Z",
                duration_ms=1.0,
                outcome="ok",
                status=200,
            )
        )
    runs = store.history("a.ts")
    assert [r.run_id for r in runs] == ["r7", "r6", "r5", "r4", "r3"]
    last = store.last("a.ts")
    assert last is not None and last.run_id == "r7"
    assert store.history() == runs
