"""shared-state: read, write and clear a worker script's `shared` object.

A worker script (`@mode worker`) keeps one isolate per script, and its `shared`
object lives in that isolate's JavaScript heap; these operations reach it with
a call on the isolate's own thread (runtime `Runtime.shared_state`), so they
interleave with requests exactly as another request would. Serverless scripts
have no state that outlives a request, so they are refused (409).

NOTE: with several worker processes (`--workers N`) every process has its own
isolate and so its own `shared`; an operation acts on the process that
answered, whose `pid` the answer carries.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, model_validator

from hoody_exec.api.errors import ApiError, conflict, not_found, unprocessable
from hoody_exec.api.models import Model, Out, PathField
from hoody_exec.api.operation import Context, Operation
from hoody_exec.routing import EXTENSIONS
from hoody_exec.runtime.engine import (
    SharedOp,
    SharedState,
    SharedStateBusy,
    SharedStateUnserializable,
)
from hoody_exec.runtime.limits import ScriptFailure, ScriptLoadFailed
from hoody_exec.runtime.loader import LoadedScript

__all__ = ["OPERATIONS"]

KeyField = Field(
    default=None,
    min_length=1,
    max_length=1024,
    description="One top-level key of `shared`; omitted: the whole object.",
)


# ---------------------------------------------------------------- models
class SharedStateQuery(Model):
    path: str = PathField
    key: str | None = KeyField


class SharedStateWrite(Model):
    path: str = PathField
    key: str | None = KeyField
    value: Any = Field(
        description="JSON to store: the key's new value, or (without `key`) the whole "
        "object, which must then be a JSON object."
    )

    @model_validator(mode="after")
    def _object_without_key(self) -> SharedStateWrite:
        if self.key is None and not isinstance(self.value, dict):
            raise ValueError("without `key`, `value` replaces the whole object: send a JSON object")
        return self


class SharedStateValue(Out):
    path: str = Field(description="The script, relative to the scripts folder.")
    key: str | None = Field(description="The key read, or null for the whole object.")
    running: bool = Field(
        description="A worker isolate runs the script's current program in this process; "
        "false: the state is empty until the next request (or set) starts one."
    )
    found: bool = Field(description="The key is present (always true for the whole object).")
    value: Any = Field(description="The JSON value (the whole object without `key`).")
    pid: int = Field(description="The worker process whose isolate answered.")


class SharedStateWritten(Out):
    path: str
    key: str | None
    started: bool = Field(description="The worker isolate was not running and was started.")
    value: Any = Field(description="What is now stored (the whole object without `key`).")
    pid: int


class SharedStateCleared(Out):
    path: str
    key: str | None
    running: bool
    cleared: bool = Field(description="Something was removed (the key existed / it was not empty).")
    pid: int


# ---------------------------------------------------------------- handlers
async def _worker_script(ctx: Context, path: str) -> LoadedScript:
    target = ctx.paths.resolve(path)
    if not target.absolute.is_file():
        raise not_found(f"no script {target.relative}", {"path": target.relative})
    name = target.name
    if not name.endswith(EXTENSIONS) or name.endswith(".d.ts"):
        raise unprocessable(
            "not_a_script",
            f"{target.relative} is not a script (expected one of {', '.join(EXTENSIONS)})",
            {"path": target.relative},
        )
    if ctx.app.routes.table.by_file(target.relative) is None:
        # Written a moment ago, before the watcher's event: one walk of the folder
        # (admin requests only, so not rate-limited like a request's miss).
        ctx.app.routes.rebuild()
    if ctx.app.routes.table.by_file(target.relative) is None:
        raise unprocessable(
            "not_routable",
            f"{target.relative} serves no route (a private file or a shadowed one), "
            "so it has no worker isolate",
            {"path": target.relative},
        )
    try:
        script = await ctx.app.runtime.loader.load(target.relative)
    except ScriptLoadFailed as failure:
        raise unprocessable(
            "load_error",
            f"{target.relative} does not load: {failure.message}",
            {"path": target.relative, "problems": failure.problems},
        ) from None
    if script.magic.mode != "worker":
        raise conflict(
            f"{target.relative} runs in {script.magic.mode} mode: every request gets a fresh "
            "isolate, so there is no shared state; add `// @mode worker` to keep one",
            {"path": target.relative, "mode": script.magic.mode},
        )
    return script


async def _call(
    ctx: Context, script: LoadedScript, op: SharedOp, key: str | None, value: Any = None
) -> SharedState | None:
    try:
        return await ctx.app.runtime.shared_state(script, op, key, value)
    except SharedStateBusy as busy:
        # NOTE: 504, not 503: the server is fine, one isolate did not answer in time.
        raise ApiError(
            504,
            "isolate_busy",
            str(busy),
            {"path": script.file, "waited_s": busy.seconds},
        ) from None
    except SharedStateUnserializable as failure:
        raise unprocessable(
            "not_serializable",
            str(failure),
            {"path": script.file, "reason": failure.reason},
        ) from None
    except ScriptFailure as failure:
        # Starting the isolate ran the script's top level, and it threw.
        raise unprocessable(
            "script_failed",
            f"starting the worker isolate of {script.file} failed: {failure.message}",
            {"path": script.file, "error": failure.to_json()},
        ) from None


async def get(ctx: Context, q: SharedStateQuery) -> SharedStateValue:
    script = await _worker_script(ctx, q.path)
    state = await _call(ctx, script, "get", q.key)
    if state is None:
        return SharedStateValue(
            path=script.file,
            key=q.key,
            running=False,
            found=q.key is None,
            value={} if q.key is None else None,
            pid=os.getpid(),
        )
    return SharedStateValue(
        path=script.file,
        key=q.key,
        running=True,
        found=state.found,
        value=state.value,
        pid=os.getpid(),
    )


async def set_state(ctx: Context, body: SharedStateWrite) -> SharedStateWritten:
    script = await _worker_script(ctx, body.path)
    state = await _call(ctx, script, "set", body.key, body.value)
    assert state is not None  # "set" starts the isolate
    return SharedStateWritten(
        path=script.file, key=body.key, started=state.started, value=state.value, pid=os.getpid()
    )


async def clear(ctx: Context, q: SharedStateQuery) -> SharedStateCleared:
    script = await _worker_script(ctx, q.path)
    state = await _call(ctx, script, "clear", q.key)
    return SharedStateCleared(
        path=script.file,
        key=q.key,
        running=state is not None,
        cleared=state is not None and state.found,
        pid=os.getpid(),
    )


_ERRORS = (400, 401, 403, 404, 409, 422, 504)

OPERATIONS = (
    Operation(
        "POST",
        "/shared-state/get",
        "shared-state",
        "Read a worker script's shared state",
        SharedStateQuery,
        SharedStateValue,
        get,
        errors=_ERRORS,
        description="The whole `shared` object, or one key. A script whose isolate is not "
        "running has an empty state (`running: false`); nothing is started.",
    ),
    Operation(
        "POST",
        "/shared-state/set",
        "shared-state",
        "Write a worker script's shared state",
        SharedStateWrite,
        SharedStateWritten,
        set_state,
        errors=_ERRORS,
        description="Sets one key, or (without `key`) replaces the whole object. Starts the "
        "worker isolate first if it is not running (it loads the script).",
    ),
    Operation(
        "POST",
        "/shared-state/clear",
        "shared-state",
        "Clear a worker script's shared state",
        SharedStateQuery,
        SharedStateCleared,
        clear,
        errors=_ERRORS,
        description="Removes one key, or every key. The object stays the same one the "
        "script holds; nothing is started.",
    ),
)
