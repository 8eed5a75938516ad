"""One scheduled (or manual) run: a synthetic SCHEDULE request, its history entry."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hoody_exec.observability import get_logger
from hoody_exec.schedules import cron
from hoody_exec.schedules.store import BODY_LIMIT, Outcome, RunRecord, ScheduleStore, Trigger
from hoody_exec.scripts.magic import Schedule
from hoody_exec.server.synthetic import SyntheticAnswer, SyntheticRequest

if TYPE_CHECKING:
    from hoody_exec.server.app import HoodyApp

log = get_logger("hoody_exec.schedules")

METHOD = "SCHEDULE"
# Headers of the synthetic request (scripts may read them).
EXPRESSION_HEADER = "x-hoody-schedule"
ZONE_HEADER = "x-hoody-schedule-zone"
SCHEDULED_HEADER = "x-hoody-scheduled-time"
TRIGGER_HEADER = "x-hoody-schedule-trigger"


class NotRoutable(Exception):
    """The script is not (or no longer) in the route table."""


def _request(
    app: HoodyApp, file: str, schedule: Schedule, trigger: Trigger, tick: datetime | None
) -> SyntheticRequest:
    route = app.routes.table.by_file(file)
    if route is None or route.outside:
        raise NotRoutable(file)
    # Bound to every interface: the run names the address scripts reach it on.
    host = "127.0.0.1" if app.config.host in ("0.0.0.0", "::", "") else app.config.host
    host = f"[{host}]" if ":" in host else host
    headers = [
        ("host", f"{host}:{app.config.port}"),
        ("user-agent", "hoody-exec-scheduler"),
        (EXPRESSION_HEADER, schedule.expression),
        (ZONE_HEADER, cron.zone_of(schedule)),
        (TRIGGER_HEADER, trigger),
    ]
    if tick is not None:
        headers.append((SCHEDULED_HEADER, cron.iso(tick)))
    return SyntheticRequest(
        app,
        route,
        METHOD,
        route.pattern,
        headers,
        trusted=True,
        body_limit=BODY_LIMIT,
    )


async def run_tick(
    app: HoodyApp, store: ScheduleStore, file: str, schedule: Schedule, tick: datetime
) -> RunRecord | None:
    """The tick at `tick`, if this process claims it; None if another one did."""
    try:
        synthetic = _request(app, file, schedule, "schedule", tick)
    except NotRoutable:
        return None
    claim = await asyncio.to_thread(store.claim, file, tick.timestamp(), synthetic.rid)
    if claim == "taken":
        return None
    if claim == "skipped":
        record = RunRecord(
            run_id=synthetic.rid,
            script=file,
            expression=schedule.expression,
            zone=cron.zone_of(schedule),
            trigger="schedule",
            scheduled_at=cron.iso(tick),
            started_at=None,
            duration_ms=None,
            outcome="skipped",
            status=None,
            pid=os.getpid(),
        )
        await asyncio.to_thread(store.record, record)
        app.monitor.schedule_run(file, "skipped", None)
        log.warning(
            "scheduled run skipped: the previous run is still in progress",
            script=file,
            scheduled_at=record.scheduled_at,
            run_id=record.run_id,
        )
        return record
    return await _perform(app, store, synthetic, file, schedule, "schedule", tick)


def prepare_manual(app: HoodyApp, file: str, schedule: Schedule) -> SyntheticRequest:
    """A manual run's request (its id is known before it runs); NotRoutable if none."""
    return _request(app, file, schedule, "manual", None)


async def run_manual(
    app: HoodyApp, store: ScheduleStore, synthetic: SyntheticRequest, file: str, schedule: Schedule
) -> RunRecord:
    """Run now (schedules/trigger); it never skips: it is asked for."""
    await asyncio.to_thread(store.claim, file, 0.0, synthetic.rid, manual=True)
    return await _perform(app, store, synthetic, file, schedule, "manual", None)


async def _perform(
    app: HoodyApp,
    store: ScheduleStore,
    synthetic: SyntheticRequest,
    file: str,
    schedule: Schedule,
    trigger: Trigger,
    tick: datetime | None,
) -> RunRecord:
    started_at = cron.now()
    began = time.monotonic()
    lateness = None if tick is None else (started_at - tick).total_seconds()
    try:
        answer = await synthetic.run()
    finally:
        await asyncio.to_thread(store.finished, file, synthetic.rid)
    outcome = _outcome(answer)
    record = RunRecord(
        run_id=synthetic.rid,
        script=file,
        expression=schedule.expression,
        zone=cron.zone_of(schedule),
        trigger=trigger,
        scheduled_at=None if tick is None else cron.iso(tick),
        started_at=cron.iso(started_at),
        duration_ms=round((time.monotonic() - began) * 1000, 2),
        outcome=outcome,
        status=answer.status,
        body=answer.body.decode("utf-8", errors="replace"),
        body_truncated=answer.truncated,
        error=_error(answer) if outcome != "ok" else None,
        lateness_ms=None if lateness is None else round(lateness * 1000, 2),
        pid=os.getpid(),
    )
    await asyncio.to_thread(store.record, record)
    app.monitor.schedule_run(file, outcome, lateness)
    return record


def _outcome(answer: SyntheticAnswer) -> Outcome:
    failure = answer.failure
    if failure is not None and getattr(failure, "limit", None) == "timeout":
        return "timeout"
    return "ok" if answer.status < 400 else "error"


def _error(answer: SyntheticAnswer) -> dict[str, Any]:
    """The error as the script's answer told it (message, TypeScript line, limit)."""
    if answer.failure is not None:
        found = answer.failure.to_json()
    else:
        try:
            parsed = json.loads(answer.body)
        except ValueError:
            parsed = None
        found = (
            parsed
            if isinstance(parsed, dict)
            else {"error": "status", "message": f"the script answered {answer.status}"}
        )
    found.pop("stack", None)
    return found
