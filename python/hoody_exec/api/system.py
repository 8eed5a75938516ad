"""Instances and system: list the servers of this folder, restart this one, and
its worker processes (with the deaths the serve process replaced).

`list` reads the instance registry (`server/instances.py`). `system/restart`
asks Granian's main process (SIGHUP) to replace every worker process on the
same socket: new workers start, old ones stop accepting, finish their in-flight
requests and exit; every isolate (and with it every worker script's `shared`)
is rebuilt. The restart's progress is kept in the state folder, because the
processes that report it afterwards are the new workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import msgspec
from pydantic import Field

from hoody_exec.api.errors import ApiError, conflict, not_found
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation
from hoody_exec.routing import RESERVED_PREFIX
from hoody_exec.server import instances, supervision
from hoody_exec.server.instances import RestartRecord, RestartState

__all__ = ["OPERATIONS"]


# ---------------------------------------------------------------- models
class InstanceInfo(Out):
    id: str = Field(description="The instance ID (random, new at every `serve`).")
    pid: int = Field(description="Its main process (it survives restarts).")
    host: str = Field(description="The address it is bound to.")
    port: int
    address: str = Field(description="host:port")
    hostname: str = Field(description="The machine it runs on.")
    started: float = Field(description="Unix time it started.")
    version: str = Field(description="hoody-exec version.")
    workers: int = Field(description="Worker processes.")
    alive: bool = Field(
        description="Its heartbeat is fresh and (same machine) its process exists; dead "
        "entries are listed once, then removed."
    )
    heartbeat: float = Field(description="Unix time of its last heartbeat.")
    heartbeat_age_s: float
    current: bool = Field(description="This is the server that answered.")


class InstanceList(Out):
    instances: list[InstanceInfo]
    count: int
    alive: int
    current: str | None = Field(
        description="The answering server's ID; null when it was not started by `serve`."
    )


class RestartAccepted(Out):
    restart_id: str
    instance_id: str
    status: RestartState
    requested_at: float
    status_url: str = Field(description="Where to follow it: system/restart-status.")


class RestartStatusQuery(Model):
    restart_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="A restart of this server; omitted: the latest one.",
    )


class RestartStatus(Out):
    restart_id: str | None = Field(description="null: this server has not restarted.")
    instance_id: str
    status: RestartState | Literal["none"] = Field(
        description="pending (accepted, not started yet), restarting (new workers "
        "starting, old ones finishing their requests), done, failed; none: no restart yet."
    )
    source: str | None = Field(description="api (system/restart) or signal (SIGHUP sent by hand).")
    requested_at: float | None
    restarting_at: float | None
    done_at: float | None
    duration_s: float | None = Field(description="From the request to done.")
    error: str | None
    requested_by_pid: int | None = Field(description="The worker that accepted the request.")
    pid: int = Field(description="The worker answering now (a new one after a restart).")


class WorkerSlotInfo(Out):
    slot: int = Field(description="1 … --workers (Granian's worker-N).")
    pid: int | None = Field(description="Its process; null while its replacement waits.")
    started_at: float | None = Field(description="Unix time the process started.")
    replacements: int = Field(description="Times this slot's worker died and was replaced.")
    next_attempt_at: float | None = Field(
        description="Unix time the next replacement starts, while the slot backs off."
    )


class WorkerDeathInfo(Out):
    slot: int
    pid: int = Field(description="The process that died.")
    cause: str = Field(description="SIGKILL, SIGSEGV, exit 1 … (the metric's label).")
    description: str = Field(description="In words: killed by SIGKILL, exited with status 1.")
    exit_code: int | None = Field(description="Its exit status; negative: the signal number.")
    lived_s: float = Field(description="How long it had been running.")
    died_at: float = Field(description="Unix time the server process saw it end.")
    crash_loop: bool = Field(
        description="It died young again, so its replacement was delayed (backoff)."
    )
    delay_s: float = Field(description="Wait before its replacement started.")
    replaced_by: int | None = Field(description="The new worker's pid; null while waiting.")
    replaced_at: float | None


class WorkersInfo(Out):
    server_pid: int = Field(description="The serve process, which replaces dead workers.")
    workers: list[WorkerSlotInfo]
    replacements: int = Field(description="Workers replaced since the server started.")
    deaths: list[WorkerDeathInfo] = Field(
        description=f"The last {supervision.DEATH_HISTORY} deaths, newest last."
    )
    pid: int = Field(description="The worker that answered.")


# ---------------------------------------------------------------- handlers
async def list_instances(ctx: Context, _: NoInput) -> InstanceList:
    found = await asyncio.to_thread(instances.list_instances, ctx.root)
    me = instances.current()
    now = time.time()
    items = [
        InstanceInfo(
            id=item.record.id,
            pid=item.record.pid,
            host=item.record.host,
            port=item.record.port,
            address=_address(item.record.host, item.record.port),
            hostname=item.record.hostname,
            started=item.record.started,
            version=item.record.version,
            workers=item.record.workers,
            alive=item.alive,
            heartbeat=item.heartbeat,
            heartbeat_age_s=round(max(0.0, now - item.heartbeat), 3),
            current=me is not None and item.record.id == me.id,
        )
        for item in found
    ]
    return InstanceList(
        instances=items,
        count=len(items),
        alive=sum(item.alive for item in items),
        current=None if me is None else me.id,
    )


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _this_server() -> instances.InstanceRecord:
    record = instances.current()
    if record is None:
        raise conflict(
            "this server was not started by `hoody-exec serve`, so there is no server "
            "process to restart it",
            None,
        )
    return record


@contextlib.contextmanager
def _restart_lock(root: Path, instance_id: str) -> Iterator[None]:
    # Two workers may take a restart request at the same moment: one wins.
    folder = instances.state_dir(root) / instances.RESTARTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f".{instance_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _request_restart(root: Path, record: instances.InstanceRecord) -> RestartRecord:
    with _restart_lock(root, record.id):
        busy = instances.restart_in_progress(root, record.id)
        if busy is not None:
            raise conflict(
                f"restart {busy.id} is {busy.status}; wait for it to finish",
                {"restart_id": busy.id, "status": busy.status},
            )
        if os.getppid() != record.pid:
            # NOTE: Granian forks workers from its main process; anything else means
            # this process cannot tell which server to signal.
            raise conflict(
                "this worker's parent is not the registered server process",
                {"pid": record.pid, "parent": os.getppid()},
            )
        restart = RestartRecord(
            id=instances.new_id(),
            instance=record.id,
            status="pending",
            requested_at=time.time(),
            requested_by_pid=os.getpid(),
        )
        instances.save_restart(root, restart)
        try:
            os.kill(record.pid, signal.SIGHUP)
        except OSError as error:
            instances.finish_restart(root, restart, error=f"could not signal the server: {error}")
            raise ApiError(
                500, "restart_failed", f"could not signal the server process: {error}"
            ) from None
        return restart


async def restart(ctx: Context, _: NoInput) -> tuple[int, RestartAccepted]:
    record = _this_server()
    accepted = await asyncio.to_thread(_request_restart, ctx.root, record)
    return 202, RestartAccepted(
        restart_id=accepted.id,
        instance_id=record.id,
        status=accepted.status,
        requested_at=accepted.requested_at,
        status_url=f"{RESERVED_PREFIX}/system/restart-status?restart_id={accepted.id}",
    )


async def restart_status(ctx: Context, q: RestartStatusQuery) -> RestartStatus:
    record = _this_server()
    history = instances.restart_history(ctx.root, record.id)
    if q.restart_id is None:
        if not history:
            return RestartStatus(
                restart_id=None,
                instance_id=record.id,
                status="none",
                source=None,
                requested_at=None,
                restarting_at=None,
                done_at=None,
                duration_s=None,
                error=None,
                requested_by_pid=None,
                pid=os.getpid(),
            )
        found = history[-1]
    else:
        match = [r for r in history if r.id == q.restart_id]
        if not match:
            raise not_found(
                f"no restart {q.restart_id} of this server",
                {"restart_id": q.restart_id, "instance_id": record.id},
            )
        found = match[0]
    return RestartStatus(
        restart_id=found.id,
        instance_id=found.instance,
        status=found.status,
        source=found.source,
        requested_at=found.requested_at,
        restarting_at=found.restarting_at,
        done_at=found.done_at,
        duration_s=None if found.done_at is None else round(found.done_at - found.requested_at, 3),
        error=found.error,
        requested_by_pid=found.requested_by_pid,
        pid=os.getpid(),
    )


async def workers(ctx: Context, _: NoInput) -> WorkersInfo:
    state = await asyncio.to_thread(supervision.load_state, ctx.app.monitor.dir)
    if state is None:
        raise conflict(
            "this server was not started by `hoody-exec serve`: no server process "
            "supervises its workers",
            None,
        )
    return WorkersInfo(
        server_pid=state.pid,
        workers=[WorkerSlotInfo(**msgspec.structs.asdict(item)) for item in state.workers],
        replacements=state.replacements,
        deaths=[WorkerDeathInfo(**msgspec.structs.asdict(item)) for item in state.deaths],
        pid=os.getpid(),
    )


OPERATIONS = (
    Operation(
        "GET",
        "/list",
        "system",
        "List the server instances sharing this scripts folder",
        NoInput,
        InstanceList,
        list_instances,
        errors=(401, 422),
        description="Every `hoody-exec serve` of this folder registers itself in its state "
        "folder; each entry has its address and liveness. Dead entries are listed once "
        "(alive: false), then removed.",
    ),
    Operation(
        "POST",
        "/system/restart",
        "system",
        "Restart this server gracefully (same port)",
        NoInput,
        RestartAccepted,
        restart,
        errors=(400, 401, 409, 422),
        success=202,
        description="Answers 202 at once. New worker processes start on the same socket; "
        "the old ones stop accepting, finish their in-flight requests (up to 5 s) and "
        "exit; every isolate is rebuilt (worker scripts start with an empty `shared`). "
        "Follow it with system/restart-status. 409 while another restart is running.",
    ),
    Operation(
        "GET",
        "/system/restart-status",
        "system",
        "The status of a restart of this server",
        RestartStatusQuery,
        RestartStatus,
        restart_status,
        errors=(401, 404, 409, 422),
        description="pending → restarting → done (or failed), with timestamps. Without "
        "restart_id: the latest restart (status none if there was none). 404: no restart "
        "with that id.",
    ),
    Operation(
        "GET",
        "/system/workers",
        "system",
        "This server's worker processes, and the ones that died",
        NoInput,
        WorkersInfo,
        workers,
        errors=(401, 409, 422),
        description="Each slot's current process, and the last deaths the server process "
        "saw: a worker that exits unasked (killed, crashed, out of memory) is replaced at "
        "once; one that keeps dying within 10 s of starting is retried after 1, 2, 4 … up "
        "to 30 s. 409: not started by `hoody-exec serve`.",
    ),
)
