"""schedules: list, trigger, reload, history of `@schedule` scripts.

The scheduler (python/hoody_exec/schedules/) does the work; this module shapes
its state for the API. History and in-progress runs are read from the folder's
store, so any worker process answers for the whole server.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import Field

from hoody_exec.api.errors import ApiError, not_found
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation
from hoody_exec.schedules import cron
from hoody_exec.schedules.runs import NotRoutable
from hoody_exec.schedules.scheduler import Scheduler
from hoody_exec.schedules.store import RunRecord
from hoody_exec.scripts.magic import scan_leading_comments

__all__ = ["OPERATIONS"]

NEXT_RUNS = 3
ScriptField = Field(min_length=1, description="The script, relative to the scripts folder.")


class RunOut(Out):
    run_id: str
    script: str
    expression: str
    zone: str
    trigger: Literal["schedule", "manual"]
    scheduled_at: str | None = Field(description="The tick (UTC ISO 8601); null: manual run.")
    started_at: str | None = Field(description="null: the tick was skipped.")
    duration_ms: float | None
    outcome: Literal["ok", "error", "timeout", "skipped"]
    status: int | None = Field(description="The HTTP status of the run's answer.")
    body: str | None = Field(description="The first 64 KB of the answer's body.")
    body_truncated: bool
    error: dict[str, Any] | None = Field(
        description="The error answer (message, line and column in the TypeScript source, "
        "or the limit that stopped it)."
    )
    lateness_ms: float | None = Field(description="Start minus scheduled time.")
    pid: int | None = Field(description="The worker process that ran it.")


class LastRun(Out):
    run_id: str
    outcome: Literal["ok", "error", "timeout", "skipped"]
    status: int | None
    scheduled_at: str | None
    started_at: str | None


class ScheduleItem(Out):
    script: str
    route: str | None = Field(description="The URL path the synthetic request carries.")
    expression: str
    zone: str = Field(description="IANA zone the expression is read in (default UTC).")
    seconds: bool = Field(description="A 6-field expression (seconds first).")
    enabled: bool = Field(
        description="false: the script's magic comments are invalid, so it does not run "
        "(`problem` says why)."
    )
    next_runs: list[str] = Field(description="The next three ticks (UTC ISO 8601).")
    last: LastRun | None
    running: list[str] = Field(description="Run ids in progress (any worker process).")
    problem: str | None = None


class ScheduleProblemOut(Out):
    script: str
    line: int | None
    message: str


class ScheduleList(Out):
    schedules: list[ScheduleItem]
    problems: list[ScheduleProblemOut]


class TriggerRequest(Model):
    script: str = ScriptField
    wait: bool = Field(
        default=True,
        description="true: answer with the run's outcome; false: answer at once with its "
        "run id (schedules/history?run_id= shows it when done).",
    )


class TriggerResult(Out):
    run_id: str
    script: str
    finished: bool
    run: RunOut | None = Field(description="The run (when `wait` was true).")


class ReloadResult(Out):
    scheduled: int = Field(description="Scripts with a valid schedule.")
    schedules: list[ScheduleItem]
    problems: list[ScheduleProblemOut]


class HistoryQuery(Model):
    script: str | None = Field(default=None, min_length=1, description="One script's runs.")
    outcome: Literal["ok", "error", "timeout", "skipped"] | None = None
    trigger: Literal["schedule", "manual"] | None = None
    run_id: str | None = Field(default=None, min_length=1, max_length=64)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=50, ge=1, le=500, description="Runs per page.")


class HistoryPage(Out):
    runs: list[RunOut] = Field(description="Newest first.")
    total: int = Field(description="Runs matching the filters.")
    offset: int
    limit: int


def _scheduler(ctx: Context) -> Scheduler:
    scheduler = ctx.app.scheduler
    if scheduler is None:
        raise ApiError(503, "unavailable", "this server runs no scheduler")
    return scheduler


def _run(record: RunRecord) -> RunOut:
    return RunOut.model_validate(record, from_attributes=True)


def _items(scheduler: Scheduler) -> tuple[list[ScheduleItem], list[ScheduleProblemOut]]:
    table = scheduler.app.routes.table
    store = scheduler.store
    now = cron.now()
    items: list[ScheduleItem] = []
    for file, entry in sorted(scheduler.entries.items()):
        route = table.by_file(file)
        last = store.last(file)
        items.append(
            ScheduleItem(
                script=file,
                route=None if route is None else route.pattern,
                expression=entry.schedule.expression,
                zone=cron.zone_of(entry.schedule),
                seconds=entry.schedule.seconds,
                enabled=True,
                next_runs=[cron.iso(t) for t in cron.next_runs(entry.schedule, now, NEXT_RUNS)],
                last=None if last is None else LastRun.model_validate(last, from_attributes=True),
                running=store.running(file),
            )
        )
    problems: list[ScheduleProblemOut] = []
    for file, found in sorted(scheduler.problems.items()):
        problems.extend(
            ScheduleProblemOut(script=file, line=p.line, message=p.message) for p in found
        )
        raw = _raw_schedule(scheduler, file)
        if raw is not None:
            route = table.by_file(file)
            items.append(
                ScheduleItem(
                    script=file,
                    route=None if route is None else route.pattern,
                    expression=raw,
                    zone=cron.DEFAULT_ZONE,
                    seconds=len(raw.split()) >= 6,
                    enabled=False,
                    next_runs=[],
                    last=None,
                    running=[],
                    problem="; ".join(p.message for p in found),
                )
            )
    return items, problems


def _raw_schedule(scheduler: Scheduler, file: str) -> str | None:
    try:
        source = (scheduler.app.root / file).read_text(errors="replace")
    except OSError:
        return None
    return next((c.value for c in scan_leading_comments(source) if c.name == "schedule"), None)


async def list_schedules(ctx: Context, _: NoInput) -> ScheduleList:
    scheduler = _scheduler(ctx)
    scheduler.refresh()
    items, problems = await asyncio.to_thread(_items, scheduler)
    return ScheduleList(schedules=items, problems=problems)


async def trigger(ctx: Context, body: TriggerRequest) -> TriggerResult:
    scheduler = _scheduler(ctx)
    script = ctx.paths.resolve(body.script).relative
    scheduler.refresh()
    if script not in scheduler.entries:
        known = sorted(scheduler.entries)
        raise not_found(
            f"{script} has no valid @schedule (schedules/list shows those that do)",
            {"script": script, "scheduled": known[:50]},
        )
    try:
        run_id, task = scheduler.trigger(script)
    except NotRoutable:
        message = f"{script} is not served (private or removed)"
        raise not_found(message, {"script": script}) from None
    if not body.wait:
        return TriggerResult(run_id=run_id, script=script, finished=False, run=None)
    record = await asyncio.shield(task)
    return TriggerResult(run_id=run_id, script=script, finished=True, run=_run(record))


async def reload(ctx: Context, _: NoInput) -> ReloadResult:
    scheduler = _scheduler(ctx)
    ctx.app.routes.rebuild()
    scheduler.refresh(force=True)
    items, problems = await asyncio.to_thread(_items, scheduler)
    return ReloadResult(scheduled=len(scheduler.entries), schedules=items, problems=problems)


async def history(ctx: Context, query: HistoryQuery) -> HistoryPage:
    scheduler = _scheduler(ctx)
    script = None if query.script is None else ctx.paths.resolve(query.script).relative
    runs = await asyncio.to_thread(scheduler.store.history, script)
    matching = [
        r
        for r in runs
        if (query.outcome is None or r.outcome == query.outcome)
        and (query.trigger is None or r.trigger == query.trigger)
        and (query.run_id is None or r.run_id == query.run_id)
    ]
    page = matching[query.offset : query.offset + query.limit]
    return HistoryPage(
        runs=[_run(r) for r in page], total=len(matching), offset=query.offset, limit=query.limit
    )


_WHERE = "Kept in .hoody/schedules/ (shared by every worker process and server on the folder)."

OPERATIONS = (
    Operation(
        "GET",
        "/schedules/list",
        "schedules",
        "List the @schedule scripts with their next runs",
        NoInput,
        ScheduleList,
        list_schedules,
        errors=(400, 401, 422, 503),
        description="Every script with a `@schedule` comment: expression, zone, the next "
        "three ticks, the last run's outcome and the runs in progress. Scripts whose "
        "magic comments are invalid are listed disabled, with the problem. " + _WHERE,
    ),
    Operation(
        "POST",
        "/schedules/trigger",
        "schedules",
        "Run a @schedule script now",
        TriggerRequest,
        TriggerResult,
        trigger,
        errors=(400, 401, 403, 404, 422, 503),
        description="Runs the script once with a synthetic SCHEDULE request (trigger "
        "`manual`), whether or not a run is in progress. With `wait` (default) the answer "
        "carries the run's outcome; without, its run id at once.",
    ),
    Operation(
        "POST",
        "/schedules/reload",
        "schedules",
        "Re-read every script's schedule",
        NoInput,
        ReloadResult,
        reload,
        errors=(400, 401, 422, 503),
        description="Rescans the folder and re-reads every script's magic comments in the "
        "answering process (the others follow file changes within seconds); answers with "
        "the schedules and the problems found.",
    ),
    Operation(
        "GET",
        "/schedules/history",
        "schedules",
        "The run history of @schedule scripts",
        HistoryQuery,
        HistoryPage,
        history,
        errors=(400, 401, 403, 422, 503),
        description="Runs newest first, filtered by script, outcome, trigger or run id, "
        "paged with offset and limit. The last 200 runs of each script are kept. " + _WHERE,
    ),
)
