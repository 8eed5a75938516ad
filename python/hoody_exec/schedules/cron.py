"""When a `@schedule` fires: croniter over zoneinfo, times as aware datetimes.

NOTE: DST follows croniter's rules for an aware start time: a wall-clock time
skipped by a spring-forward change does not fire that day, one repeated by a
fall-back change fires once (croniter's documented behaviour).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from hoody_exec.scripts.magic import Schedule

DEFAULT_ZONE = "UTC"


def zone_of(schedule: Schedule) -> str:
    return schedule.timezone or DEFAULT_ZONE


def next_runs(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times strictly after `after`, in the schedule's zone."""
    itr = _iterator(schedule, after)
    return [itr.get_next(datetime) for _ in range(count)]


def next_run(schedule: Schedule, after: datetime) -> datetime:
    return _iterator(schedule, after).get_next(datetime)


def _iterator(schedule: Schedule, after: datetime) -> croniter:
    start = after.astimezone(ZoneInfo(zone_of(schedule)))
    return croniter(schedule.expression, start, second_at_beginning=schedule.seconds)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds: what the API and history report."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)
