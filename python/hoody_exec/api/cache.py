"""cache/clear: drop compiled bundles and rebuild worker isolates.

The answering process clears at once (`Runtime.clear_cache`) and records the
clear in the server's run folder; every other worker process applies it at the
start of its next script request (`runtime/clearing.py`).
"""

from __future__ import annotations

import os

from pydantic import Field

from hoody_exec.api.errors import not_found
from hoody_exec.api.models import Model, Out
from hoody_exec.api.operation import Context, Operation

__all__ = ["OPERATIONS"]


class CacheClearRequest(Model):
    path: str | None = Field(
        default=None,
        min_length=1,
        description="One script (relative to the scripts folder); omitted: every script.",
    )


class CacheClearResult(Out):
    path: str | None = Field(description="The script cleared, or null for every script.")
    bundles: list[str] = Field(description="Scripts whose compiled bundle was dropped.")
    failed_loads: int = Field(
        description="Remembered load failures forgotten (the next request retries at once)."
    )
    pending_builds: list[str] = Field(
        description="Builds in progress whose result will not be cached (the requests "
        "awaiting them still get it)."
    )
    worker_isolates: list[str] = Field(
        description="Worker scripts whose isolate was retired: the next request starts a "
        "fresh one (new `shared`); calls running on the old one finish there."
    )
    sequence: int = Field(description="Number of this clear in the server's run.")
    pid: int = Field(description="The worker process that cleared at once.")
    other_processes: str = Field(
        description="How the other worker processes (`--workers N`) follow."
    )


async def clear(ctx: Context, body: CacheClearRequest) -> CacheClearResult:
    relative: str | None = None
    if body.path is not None:
        target = ctx.paths.resolve(body.path)
        relative = target.relative
        runtime = ctx.app.runtime
        known = runtime.loader.cached(relative) is not None or target.absolute.is_file()
        if not known:
            raise not_found(
                f"no script {relative} (neither a file nor a cached bundle)", {"path": relative}
            )
    # Another process's earlier clear first, so ours is numbered after it.
    ctx.app.clear_signal.poll()
    cleared = ctx.app.runtime.clear_cache(relative)
    sequence = ctx.app.clear_signal.announce(relative)
    return CacheClearResult(
        path=relative,
        bundles=cleared.bundles,
        failed_loads=cleared.failed_loads,
        pending_builds=cleared.pending_builds,
        worker_isolates=cleared.worker_isolates,
        sequence=sequence,
        pid=os.getpid(),
        other_processes="each clears the same at the start of its next script request",
    )


OPERATIONS = (
    Operation(
        "POST",
        "/cache/clear",
        "cache",
        "Clear compiled bundles and rebuild worker isolates",
        CacheClearRequest,
        CacheClearResult,
        clear,
        errors=(400, 401, 403, 404, 422),
        description="Drops the compiled bundles (and remembered load failures and builds "
        "in progress) of every script, or of `path`, and retires worker isolates so the "
        "next request starts fresh. Counts are those of the answering process; other "
        "worker processes clear on their next script request.",
    ),
)
