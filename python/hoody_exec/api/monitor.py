"""monitor: request counters, latency percentiles, in-flight requests, isolates,
memory and the Prometheus export, for every worker process of the server.

The figures come from the metrics files every worker process writes in the run
folder (`observability/metrics.py`), so the answer covers the whole server
whichever process serves the call. Percentiles are interpolated from histogram
buckets (docs/observability.md gives the bounds and the error).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Literal

from pydantic import Field

from hoody_exec.api.errors import conflict, not_found
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation, RawReply
from hoody_exec.observability.metrics import (
    SAMPLE_INTERVAL_S,
    Figures,
    Histogram,
    Monitor,
    ScriptFigures,
)
from hoody_exec.server.cancel import RID_PATTERN, request_cancel

__all__ = ["OPERATIONS"]

PROMETHEUS_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"


# ---------------------------------------------------------------- models
class Latency(Out):
    count: int = Field(description="Requests measured.")
    mean_ms: float | None = Field(description="Mean duration; null without requests.")
    p50_ms: float | None = Field(description="Median, interpolated from histogram buckets.")
    p95_ms: float | None
    p99_ms: float | None


class IsolateCounts(Out):
    worker: int = Field(description="Warm isolates of worker-mode scripts (one per script).")
    serverless: int = Field(
        description="Other live isolates: serverless calls running (and retired worker "
        "isolates still finishing a call)."
    )
    pool_ready: int = Field(description="Pre-created isolates waiting for serverless calls.")
    total: int


class ProcessStats(Out):
    pid: int
    uptime_s: float | None
    in_flight: int = Field(description="Script requests in flight at its last sample.")
    isolates: IsolateCounts
    rss_bytes: int | None = Field(description="Resident memory (/proc/<pid>/statm).")
    v8_heap_used_bytes: int | None = Field(
        description="Heap used by its idle worker-mode isolates (busy ones are skipped)."
    )


class Memory(Out):
    rss_bytes: int = Field(description="Resident memory of every worker process, summed.")
    v8_heap_used_bytes: int = Field(description="Worker-mode isolates' heap, summed.")


class StatsResult(Out):
    requests: int = Field(description="Script requests answered since the server started.")
    errors: int = Field(description="Of those, failed ones (see error_reasons).")
    timeouts: int
    status: dict[str, int] = Field(description="Requests by status class (2xx … 5xx).")
    error_reasons: dict[str, int]
    latency: Latency
    active_requests: int = Field(description="In flight now, over every process.")
    isolates: IsolateCounts = Field(description="Summed over every process.")
    memory: Memory
    uptime_s: float = Field(description="Since `hoody-exec serve` started.")
    scripts: int = Field(description="Scripts with recorded requests.")
    processes: list[ProcessStats] = Field(description="Each live worker process.")
    worker_replacements: int = Field(
        description="Worker processes that died unasked (killed, crashed, exited) and were "
        "replaced since the server started; system/workers has each one."
    )
    worker_replacement_causes: dict[str, int] = Field(
        description="Those replacements by cause: SIGKILL, SIGSEGV, exit 1 …"
    )
    pid: int = Field(description="The worker process that answered.")


class ActiveRequest(Out):
    request_id: str
    method: str
    path: str
    script: str
    mode: str | None = Field(description="Null until the script is loaded.")
    started_at: float = Field(description="UNIX time the request arrived.")
    elapsed_ms: float
    pid: int = Field(description="The worker process running it.")
    as_of: float | None = Field(
        description="Null: live (the answering process). Otherwise the UNIX time of the "
        "snapshot the other process wrote (at most about a second old)."
    )


class OpenSocket(Out):
    socket_id: str = Field(description="The socket's `id` inside the script.")
    request_id: str = Field(description="The upgrade request's id (its log lines carry it).")
    script: str
    path: str
    opened_at: float = Field(description="UNIX time the connection opened.")
    open_ms: float
    messages_in: int
    messages_out: int
    bytes_in: int
    bytes_out: int
    buffered_bytes: int = Field(description="Queued for the client, not yet sent.")
    pid: int = Field(description="The worker process holding it.")
    as_of: float | None = Field(description="As for requests: null when live.")


class ActiveRequests(Out):
    count: int
    requests: list[ActiveRequest] = Field(description="Longest running first.")
    sockets: list[OpenSocket] = Field(description="Open WebSockets of @websocket scripts.")
    sockets_by_script: dict[str, int] = Field(description="Open WebSockets per script.")
    pid: int = Field(description="The worker process that answered (its entries are live).")


class CancelRequest(Model):
    request_id: str = Field(
        pattern=RID_PATTERN,
        description="The request's id (`X-Request-Id`, monitor/active-requests): 16 hex digits.",
    )


class CancelResult(Out):
    request_id: str
    status: Literal["cancelled", "requested"] = Field(
        description="cancelled: the answering process stopped it; requested: another "
        "worker process runs it and stops it within about 0.1 s."
    )
    pid: int = Field(description="The worker process running the request.")
    answered_by: int = Field(description="The worker process that answered.")


class ScriptCounters(Out):
    path: str
    modes: list[str] = Field(description="Modes it ran in (two after a mode change).")
    requests: int
    errors: int
    timeouts: int
    cold: int = Field(description="Requests that had to create their isolate.")
    warm: int = Field(description="Requests served by an existing isolate.")
    status: dict[str, int]
    mean_ms: float | None
    exists: bool = Field(description="The file is still in the scripts folder.")


class MonitoredScripts(Out):
    count: int
    scripts: list[ScriptCounters] = Field(description="Most requested first.")


class PerformanceQuery(Model):
    path: str | None = Field(
        default=None, min_length=1, description="One script; omitted: every script."
    )


class ScriptPerformance(Out):
    path: str
    modes: list[str]
    requests: int
    errors: int
    timeouts: int
    error_reasons: dict[str, int]
    latency: Latency
    cold: Latency = Field(
        description="Requests whose isolate was created for them (worker: a new isolate "
        "loaded the script; serverless: the pool was empty)."
    )
    warm: Latency = Field(
        description="Requests on an existing isolate (worker: the warm one; serverless: "
        "a pre-created one from the pool)."
    )
    without_result: Latency = Field(
        description="Requests with no isolate result: failed in the engine (thrown, timeout, "
        "limits) or answered before it (load errors, tokens, preflight)."
    )


class PerformanceResult(Out):
    scripts: list[ScriptPerformance]


# ---------------------------------------------------------------- handlers
async def _figures(ctx: Context) -> Figures:
    monitor = ctx.app.monitor
    monitor.sample()  # this process's gauges are current, the others' ≤1 s old
    return await asyncio.to_thread(monitor.collect)


def _latency(histogram: Histogram) -> Latency:
    count = histogram.count

    def ms(q: float) -> float | None:
        value = histogram.quantile(q)
        return None if value is None else round(value * 1000, 3)

    return Latency(
        count=count,
        mean_ms=round(histogram.total_s / count * 1000, 3) if count else None,
        p50_ms=ms(0.5),
        p95_ms=ms(0.95),
        p99_ms=ms(0.99),
    )


def _isolates(counts: dict[str, int]) -> IsolateCounts:
    worker = counts.get("worker", 0)
    serverless = counts.get("serverless", 0)
    ready = counts.get("pool_ready", 0)
    return IsolateCounts(
        worker=worker, serverless=serverless, pool_ready=ready, total=worker + serverless + ready
    )


async def stats(ctx: Context, _: NoInput) -> StatsResult:
    figures = await _figures(ctx)
    now = time.time()
    overall = Histogram()
    status: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for script in figures.scripts.values():
        overall.add(script.overall())
        for key, n in script.status.items():
            status[key] = status.get(key, 0) + n
        for key, n in script.errors.items():
            reasons[key] = reasons.get(key, 0) + n
    processes = [
        ProcessStats(
            pid=p.pid,
            uptime_s=None if p.started_at is None else round(now - p.started_at, 3),
            in_flight=p.in_flight,
            isolates=_isolates(p.isolates),
            rss_bytes=p.rss_bytes,
            v8_heap_used_bytes=p.v8_heap_used_bytes,
        )
        for p in sorted(figures.processes.values(), key=lambda p: p.pid)
    ]
    totals: dict[str, int] = {}
    for p in figures.processes.values():
        for kind, n in p.isolates.items():
            totals[kind] = totals.get(kind, 0) + n
    own = ctx.app.monitor
    return StatsResult(
        requests=sum(status.values()),
        errors=sum(reasons.values()),
        timeouts=sum(s.timeouts for s in figures.scripts.values()),
        status=dict(sorted(status.items())),
        error_reasons=dict(sorted(reasons.items())),
        latency=_latency(overall),
        # NOTE: our own count is live; the others' come from their last sample.
        active_requests=len(own.active)
        + sum(p.in_flight for p in figures.processes.values() if p.pid != own.pid),
        isolates=_isolates(totals),
        memory=Memory(
            rss_bytes=sum(p.rss_bytes or 0 for p in figures.processes.values()),
            v8_heap_used_bytes=sum(p.v8_heap_used_bytes or 0 for p in figures.processes.values()),
        ),
        uptime_s=round(now - own.server_started_at(), 3),
        scripts=len(figures.scripts),
        processes=processes,
        worker_replacements=sum(figures.replacements.values()),
        worker_replacement_causes=dict(sorted(figures.replacements.items())),
        pid=os.getpid(),
    )


async def active_requests(ctx: Context, _: NoInput) -> ActiveRequests:
    monitor = ctx.app.monitor
    own = [ActiveRequest(**item, as_of=None) for item in monitor.active_list()]
    others = await asyncio.to_thread(monitor.other_active)
    found = own + [ActiveRequest(**item) for item in others]
    found.sort(key=lambda item: -item.elapsed_ms)
    sockets = [OpenSocket(**item, as_of=None) for item in monitor.socket_list()]
    sockets += [OpenSocket(**item) for item in await asyncio.to_thread(monitor.other_sockets)]
    by_script: dict[str, int] = {}
    for socket in sockets:
        by_script[socket.script] = by_script.get(socket.script, 0) + 1
    return ActiveRequests(
        count=len(found),
        requests=found,
        pid=os.getpid(),
        sockets=sockets,
        sockets_by_script=by_script,
    )


async def _owner(monitor: Monitor, rid: str) -> int | None:
    """The other worker process whose in-flight table lists `rid`."""
    others = await asyncio.to_thread(monitor.other_active)
    return next((int(item["pid"]) for item in others if item["request_id"] == rid), None)


async def cancel_request(ctx: Context, body: CancelRequest) -> CancelResult:
    rid = body.request_id
    me = os.getpid()
    stopped = ctx.app.cancel(rid)
    if stopped is None:
        monitor = ctx.app.monitor
        owner = await _owner(monitor, rid)
        if owner is None and ctx.app.config.workers > 1:
            # NOTE: another process lists a new request at its next sample: one more look.
            await asyncio.sleep(SAMPLE_INTERVAL_S + 0.1)
            owner = await _owner(monitor, rid)
        if owner is None:
            raise not_found(
                f"no request {rid} is in flight in any worker process "
                "(monitor/active-requests lists them)",
                {"request_id": rid},
            )
        await asyncio.to_thread(request_cancel, monitor.dir, owner, rid)
        return CancelResult(request_id=rid, status="requested", pid=owner, answered_by=me)
    if not stopped:
        raise conflict(
            f"request {rid} is already sending its answer; it cannot be cancelled now",
            {"request_id": rid},
        )
    return CancelResult(request_id=rid, status="cancelled", pid=me, answered_by=me)


def _counters(ctx: Context, script: ScriptFigures) -> ScriptCounters:
    overall = script.overall()
    cold = script.latency.get("cold")
    warm = script.latency.get("warm")
    return ScriptCounters(
        path=script.script,
        modes=sorted(script.modes),
        requests=script.requests,
        errors=script.error_count,
        timeouts=script.timeouts,
        cold=0 if cold is None else cold.count,
        warm=0 if warm is None else warm.count,
        status=dict(sorted(script.status.items())),
        mean_ms=round(overall.total_s / overall.count * 1000, 3) if overall.count else None,
        exists=(ctx.root / script.script).is_file(),
    )


async def scripts(ctx: Context, _: NoInput) -> MonitoredScripts:
    figures = await _figures(ctx)
    found = [_counters(ctx, s) for s in figures.scripts.values()]
    found.sort(key=lambda item: (-item.requests, item.path))
    return MonitoredScripts(count=len(found), scripts=found)


def _performance(script: ScriptFigures) -> ScriptPerformance:
    return ScriptPerformance(
        path=script.script,
        modes=sorted(script.modes),
        requests=script.requests,
        errors=script.error_count,
        timeouts=script.timeouts,
        error_reasons=dict(sorted(script.errors.items())),
        latency=_latency(script.overall()),
        cold=_latency(script.latency.get("cold", Histogram())),
        warm=_latency(script.latency.get("warm", Histogram())),
        without_result=_latency(script.latency.get("none", Histogram())),
    )


async def script_performance(ctx: Context, q: PerformanceQuery) -> PerformanceResult:
    figures = await _figures(ctx)
    if q.path is None:
        chosen = sorted(figures.scripts.values(), key=lambda s: (-s.requests, s.script))
        return PerformanceResult(scripts=[_performance(s) for s in chosen])
    target = ctx.paths.resolve(q.path)
    found = figures.scripts.get(target.relative)
    if found is None:
        if not target.absolute.is_file():
            raise not_found(
                f"no script {target.relative} and no requests recorded for it",
                {"path": target.relative},
            )
        found = ScriptFigures(target.relative)  # there, never requested: all zeros
    return PerformanceResult(scripts=[_performance(found)])


async def metrics(ctx: Context, _: NoInput) -> RawReply:
    monitor = ctx.app.monitor
    monitor.sample()
    body = await asyncio.to_thread(monitor.prometheus_text)
    return RawReply(body, PROMETHEUS_MEDIA_TYPE)


_ALL = "Covers every worker process of the server (files in .hoody/metrics/)."

OPERATIONS = (
    Operation(
        "GET",
        "/monitor/stats",
        "monitor",
        "Server-wide figures: requests, errors, latency, isolates, memory, uptime",
        NoInput,
        StatsResult,
        stats,
        errors=(401,),
        description=f"{_ALL} Percentiles are interpolated inside histogram buckets; "
        "gauges of other processes are sampled every second.",
    ),
    Operation(
        "GET",
        "/monitor/active-requests",
        "monitor",
        "Script requests in flight, with their elapsed time",
        NoInput,
        ActiveRequests,
        active_requests,
        errors=(401,),
        description="The answering process's requests are live; other worker processes' "
        "come from the table each writes every second when it changed (`as_of`).",
    ),
    Operation(
        "POST",
        "/monitor/cancel-request",
        "monitor",
        "Cancel one script request in flight by its id",
        CancelRequest,
        CancelResult,
        cancel_request,
        errors=(400, 401, 404, 409, 422),
        description="Stops the request: a serverless script's JavaScript is terminated and "
        "its isolate freed; a worker script's request is dropped, and its isolate is "
        "terminated only if it is running JavaScript at that moment. The client gets "
        '503 `{"error": "cancelled", ...}` (or, while its body streams, the end of it). '
        "status cancelled: the answering process stopped it; requested: another worker "
        "process runs it and stops it within about 0.1 s. 404: no such request in flight; "
        "409: it is already sending its answer.",
    ),
    Operation(
        "GET",
        "/monitor/scripts",
        "monitor",
        "Scripts with recorded requests and their counters",
        NoInput,
        MonitoredScripts,
        scripts,
        errors=(401,),
        description=_ALL,
    ),
    Operation(
        "POST",
        "/monitor/script-performance",
        "monitor",
        "Per-script latency percentiles (cold vs warm), errors and timeouts",
        PerformanceQuery,
        PerformanceResult,
        script_performance,
        errors=(400, 401, 403, 404, 422),
        description=f"{_ALL} A script that exists but was never requested answers zeros; "
        "one that neither exists nor has figures is 404.",
    ),
    Operation(
        "GET",
        "/monitor/metrics",
        "monitor",
        "Prometheus metrics (text exposition format 0.0.4)",
        NoInput,
        None,
        metrics,
        errors=(401,),
        media_type=PROMETHEUS_MEDIA_TYPE,
        description=f"{_ALL} Metric names: docs/observability.md.",
    ),
)
