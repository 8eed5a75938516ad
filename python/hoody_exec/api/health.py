"""health (open): is the engine ready to run scripts?"""

from __future__ import annotations

import asyncio
import os
import time

from hoody_exec.api.models import EngineHealth, HealthResult, NoInput, PoolHealth
from hoody_exec.api.operation import Context, Operation
from hoody_exec.runtime import native

__all__ = ["OPERATIONS", "health"]


def _engine(ctx: Context) -> tuple[EngineHealth, PoolHealth]:
    runtime = ctx.app.runtime
    try:
        version = native.v8_version()
        pool = runtime.pool()
    except Exception as error:  # V8 missing or broken: report, do not fail the check
        return (
            EngineHealth(ready=False, v8_version=None, error=str(error)),
            PoolHealth(size=runtime.pool_size, ready=0, last_error=None),
        )
    pool_health = PoolHealth(size=pool.size, ready=pool.ready, last_error=pool.last_error)
    return EngineHealth(ready=True, v8_version=version, error=None), pool_health


async def health(ctx: Context, _: NoInput) -> tuple[int, HealthResult]:
    engine, pool = await asyncio.to_thread(_engine, ctx)
    ready = engine.ready and pool.last_error is None
    app = ctx.app
    result = HealthResult(
        status="ok" if ready else "unavailable",
        pid=os.getpid(),
        uptime_s=round(time.time() - app.started_at, 3),
        routes=len(app.routes.table),
        active_requests=app.runtime.active_calls,
        engine=engine,
        pool=pool,
    )
    return (200 if ready else 503), result


OPERATIONS = (
    Operation(
        "GET",
        "/health",
        "monitor",
        "Health check (no token): engine and pool readiness",
        NoInput,
        HealthResult,
        health,
        open=True,
        errors=(503,),
        description="200 when V8 is up and the isolate pool refills; 503 otherwise.",
    ),
)
