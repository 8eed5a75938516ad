"""Which servers share a scripts folder, and the restart record of each.

Every `hoody-exec serve` process (Granian's main process) registers itself as
`<folder>/.hoody/instances/<id>.json` once its socket is bound: id, pid, bind
address, port, host name, start time, version. The file is written atomically
(temporary file + rename) and removed at a clean shutdown. Its modification
time is the heartbeat: each worker process touches it every `HEARTBEAT_S`, so a
fresh file means some worker of that server is alive and running its loop.

Liveness of an entry: on this machine (same host name) its main pid must exist
*and* its heartbeat be fresh (a pid can be reused after a crash); on another
machine sharing the folder only the heartbeat can tell. Dead entries are reported
once as dead and then pruned (their files removed).

The restart record (`.hoody/restarts/<id>.json`) lives in the folder, not in
memory, because a restart replaces every worker process: the workers that answer
`restart-status` afterwards are not the one that accepted the request. The main
process moves it along (restarting, done); workers only create it (pending).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import msgspec

from hoody_exec.observability import get_logger

log = get_logger("hoody_exec.instances")

# NOTE: the folder of `api.auth.STATE_DIR` (the admin token's); not imported from
# there because the API imports the server package (tests check they agree).
STATE_DIR = ".hoody"

INSTANCE_ENV = "HOODY_EXEC_INSTANCE"  # this server's record, JSON, for its workers
INSTANCES_DIR = "instances"
RESTARTS_DIR = "restarts"

# NOTE: a worker touches its server's file this often; an entry is dead once its
# heartbeat is older than STALE_AFTER_S (four missed beats: a worker busy
# starting V8 or a loaded machine must not look dead).
HEARTBEAT_S = 5.0
STALE_AFTER_S = 20.0

# A restart nobody picked up within this long failed (the signal was lost or the
# main process is not a Granian server that reloads on SIGHUP).
RESTART_PICKUP_S = 30.0
RESTART_HISTORY = 10

RestartState = Literal["pending", "restarting", "done", "failed"]


class InstanceRecord(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    pid: int  # the main process (Granian's), which outlives worker restarts
    host: str  # the bind address
    port: int
    hostname: str  # the machine's name: pid checks only mean something there
    started: float  # unix time
    version: str
    workers: int


class Instance(msgspec.Struct, kw_only=True, frozen=True):
    record: InstanceRecord
    alive: bool
    heartbeat: float  # unix time of the last beat (the file's mtime)


class RestartRecord(msgspec.Struct, kw_only=True):
    id: str
    instance: str
    status: RestartState
    requested_at: float
    restarting_at: float | None = None
    done_at: float | None = None
    source: Literal["api", "signal"] = "api"
    requested_by_pid: int | None = None  # the worker that accepted the request
    error: str | None = None


def new_id() -> str:
    return secrets.token_hex(6)


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def _instances_dir(root: Path) -> Path:
    return state_dir(root) / INSTANCES_DIR


def instance_path(root: Path, instance_id: str) -> Path:
    return _instances_dir(root) / f"{instance_id}.json"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write then rename, so a reader never sees half a file. No fsync: these
    records describe running processes and mean nothing after a machine crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


# ---------------------------------------------------------------- this server
def make_record(host: str, port: int, workers: int) -> InstanceRecord:
    from hoody_exec import __version__

    return InstanceRecord(
        id=new_id(),
        pid=os.getpid(),
        host=host,
        port=port,
        hostname=socket.gethostname(),
        started=time.time(),
        version=str(__version__),
        workers=workers,
    )


def register(root: Path, record: InstanceRecord) -> None:
    state_dir(root).mkdir(mode=0o700, exist_ok=True)
    _write_atomic(instance_path(root, record.id), msgspec.json.encode(record))


def unregister(root: Path, record: InstanceRecord) -> None:
    """Remove the entry and its restart record: they describe a running server."""
    _forget(root, record.id)


def _forget(root: Path, instance_id: str) -> None:
    restarts = state_dir(root) / RESTARTS_DIR
    for path in (
        instance_path(root, instance_id),
        restarts / f"{instance_id}.json",
        restarts / f".{instance_id}.lock",
    ):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def current() -> InstanceRecord | None:
    """This server's record, as the main process handed it to its workers."""
    raw = os.environ.get(INSTANCE_ENV)
    if not raw:
        return None
    try:
        return msgspec.json.decode(raw, type=InstanceRecord)
    except msgspec.DecodeError:
        return None


def beat(root: Path, record: InstanceRecord) -> None:
    """Touch the record; write it again if it is gone (pruned by a server whose
    clock ran ahead, or the folder was cleaned)."""
    path = instance_path(root, record.id)
    try:
        os.utime(path)
    except FileNotFoundError:
        register(root, record)


class Heartbeat:
    """A worker's task that keeps its server's entry fresh."""

    def __init__(self, root: Path, record: InstanceRecord) -> None:
        self.root = root
        self.record = record
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                beat(self.root, self.record)
            except OSError as error:  # a read-only or vanished folder: keep serving
                log.warning("instance heartbeat failed", error=str(error))
            await asyncio.sleep(HEARTBEAT_S)


# ---------------------------------------------------------------- every server
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def _is_alive(record: InstanceRecord, heartbeat: float, now: float) -> bool:
    fresh = now - heartbeat <= STALE_AFTER_S
    if record.hostname == socket.gethostname():
        return fresh and _pid_alive(record.pid)
    return fresh


def _entries(root: Path) -> Iterator[tuple[Path, float, InstanceRecord | None]]:
    folder = _instances_dir(root)
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = folder / name
        try:
            mtime = path.stat().st_mtime
            record: InstanceRecord | None = msgspec.json.decode(
                path.read_bytes(), type=InstanceRecord
            )
        except FileNotFoundError:
            continue
        except (OSError, msgspec.DecodeError):
            record = None
            mtime = _mtime_or_now(path)
        yield path, mtime, record


def _mtime_or_now(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def list_instances(root: Path, *, prune: bool = True) -> list[Instance]:
    """Every registered server, oldest first; dead ones are reported, then their
    files removed (unreadable files too, once stale)."""
    now = time.time()
    found: list[Instance] = []
    for path, heartbeat, record in _entries(root):
        if record is None:
            if prune and now - heartbeat > STALE_AFTER_S:
                _remove(path, "unreadable")
            continue
        alive = _is_alive(record, heartbeat, now)
        found.append(Instance(record=record, alive=alive, heartbeat=heartbeat))
        if not alive and prune:
            _forget(root, record.id)
            log.info("pruned instance entry", reason="dead", instance=record.id)
    found.sort(key=lambda item: (item.record.started, item.record.id))
    return found


def _remove(path: Path, why: str, **fields: object) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        log.info("pruned instance entry", reason=why, file=path.name, **fields)


# ---------------------------------------------------------------- restarts
def _restart_path(root: Path, instance_id: str) -> Path:
    return state_dir(root) / RESTARTS_DIR / f"{instance_id}.json"


_history = msgspec.json.Decoder(list[RestartRecord])


def restart_history(root: Path, instance_id: str) -> list[RestartRecord]:
    """This instance's restarts, newest last; a pending one nobody picked up in
    time is reported as failed."""
    try:
        records = _history.decode(_restart_path(root, instance_id).read_bytes())
    except (FileNotFoundError, msgspec.DecodeError):
        return []
    now = time.time()
    for record in records:
        if record.status == "pending" and now - record.requested_at > RESTART_PICKUP_S:
            record.status = "failed"
            record.error = (
                f"the server process did not start the restart within {RESTART_PICKUP_S:g} s"
            )
    return records


def save_restart(root: Path, record: RestartRecord) -> None:
    """Insert or update `record` in its instance's history (kept short).

    NOTE: only two writers ever touch one file, one after the other: the worker
    that accepts the request (before it signals) and then the main process.
    """
    records = [r for r in restart_history(root, record.instance) if r.id != record.id]
    records.append(record)
    records = records[-RESTART_HISTORY:]
    _write_atomic(_restart_path(root, record.instance), msgspec.json.encode(records))


def restart_in_progress(root: Path, instance_id: str) -> RestartRecord | None:
    for record in reversed(restart_history(root, instance_id)):
        if record.status in ("pending", "restarting"):
            return record
    return None


def begin_restart(root: Path, instance_id: str) -> RestartRecord:
    """Main process, at SIGHUP: the pending record moves on, or (a signal sent
    by hand) a new one is created."""
    record = restart_in_progress(root, instance_id) or RestartRecord(
        id=new_id(),
        instance=instance_id,
        status="pending",
        requested_at=time.time(),
        source="signal",
    )
    record.status = "restarting"
    record.restarting_at = time.time()
    save_restart(root, record)
    return record


def finish_restart(root: Path, record: RestartRecord, error: str | None = None) -> None:
    record.status = "failed" if error else "done"
    record.done_at = time.time()
    record.error = error
    save_restart(root, record)
