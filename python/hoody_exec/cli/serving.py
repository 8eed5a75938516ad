"""Starting Granian for `hoody-exec serve`, registered as an instance of its folder,
and replacing its worker processes when they die (`server/supervision.py`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

from hoody_exec.config import ServerConfig
from hoody_exec.observability.logging import standalone_logger
from hoody_exec.observability.logstore import LOGS_DIR, LogStore
from hoody_exec.observability.metrics import ServerCounters
from hoody_exec.server import instances
from hoody_exec.server.supervision import (
    STABLE_AFTER_S,
    Backoff,
    WorkerDeath,
    WorkersState,
    describe_exit,
    save_state,
)

SHUTDOWN_GRACE_S = 5


class HoodyServer(Server):  # type: ignore[misc, valid-type]
    """Granian's server, replacing workers that die and recording restarts.

    NOTE: Granian respawns every worker on SIGHUP (`system/restart` sends it):
    each new worker starts on the same socket, then the old one stops accepting,
    finishes its in-flight requests (up to SHUTDOWN_GRACE_S) and exits. Its
    `_reload` runs that sequence in the main process; wrapping it is the one
    place that sees both its start and its end (granian >=2.8,<3, pinned).
    """

    hoody_root: Path
    hoody_record: instances.InstanceRecord
    hoody_run_dir: Path
    hoody_log: Any  # the supervisor's logger (standalone_logger)

    # ------------------------------------------------------------ supervision
    def _serve_loop(self, spawn_target: Any, target_loader: Any) -> None:
        """Granian's main loop, with dead workers replaced slot by slot.

        NOTE: replaces Granian's own `_serve_loop` (granian pinned >=2.8,<3), which
        replaces every dead worker at once and exits the whole server when one
        dies twice within 5.5 s. Here each slot has its own schedule (`Backoff`):
        a crash-looping slot waits between attempts while the others keep
        serving, and the server never exits for a worker's death. Worker lifetime
        and RSS limits (Granian options we do not set) are not handled.
        """
        self._pending: dict[int, tuple[float, WorkerDeath]] = {}  # slot index -> due
        self._backoff = Backoff()
        self._counters = ServerCounters(self.hoody_run_dir)
        self._state = WorkersState(pid=os.getpid(), workers=[])
        for wrk in self.wrks:
            self._state.started(wrk.idx + 1, wrk.inner.pid)
        self._save_state()
        while True:
            self.main_loop_interrupt.wait(self._next_wakeup())
            # Cleared before reading the flags: a worker dying from here on sets it again.
            self.main_loop_interrupt.clear()
            if self.interrupt_signal:
                break
            if self.interrupt_children and not self.respawn_failed_workers:
                break
            self._collect_dead()
            self._replace_due(spawn_target, target_loader)
            if self.reload_signal:
                self._reload(spawn_target, target_loader)
                self._after_reload()

    def _next_wakeup(self) -> float | None:
        if not self._pending:
            return None
        due = min(when for when, _ in self._pending.values())
        return max(0.0, due - time.monotonic())

    def _collect_dead(self) -> None:
        while self.interrupt_children:
            idx = self.interrupt_children.pop(0)
            wrk = self.wrks[idx]
            if idx in self._pending or wrk.is_alive():
                # Already scheduled, or an old worker that a restart had replaced
                # died before it was told to stop: its slot is served.
                continue
            lived = time.monotonic() - wrk.birth
            delay = self._backoff.after_death(idx + 1, lived)
            cause, phrase = describe_exit(wrk.inner.exitcode)
            death = WorkerDeath(
                slot=idx + 1,
                pid=wrk.inner.pid,
                cause=cause,
                description=phrase,
                exit_code=wrk.inner.exitcode,
                lived_s=round(lived, 3),
                died_at=time.time(),
                crash_loop=delay > 0,
                delay_s=delay,
            )
            self._pending[idx] = (time.monotonic() + delay, death)
            self._bookkeeping(self._state.died, death)
            if delay > 0:
                streak = self._backoff.streak(idx + 1)
                self.hoody_log.error(
                    f"worker {death.slot} (pid {death.pid}) died {lived:.1f} s after it "
                    f"started: {phrase}; it died within {STABLE_AFTER_S:g} s of starting "
                    f"{streak} times in a row, next attempt in {delay:g} s (its output "
                    "above says why)",
                    worker=death.slot,
                    pid=death.pid,
                    cause=cause,
                    crash_loop=streak,
                    retry_in_s=delay,
                )

    def _replace_due(self, spawn_target: Any, target_loader: Any) -> None:
        now = time.monotonic()
        for idx, (due, death) in sorted(self._pending.items()):
            if due > now:
                continue
            try:
                wrk = self._spawn_worker(
                    idx=idx, target=spawn_target, callback_loader=target_loader
                )
                wrk.start()
            except OSError as error:  # no memory or pids left to fork: try again later
                delay = self._backoff.after_death(idx + 1, 0.0) or 1.0
                self._pending[idx] = (time.monotonic() + delay, death)
                self.hoody_log.error(
                    f"worker {death.slot} could not be started again: {error}; "
                    f"next attempt in {delay:g} s",
                    worker=death.slot,
                )
                continue
            del self._pending[idx]
            self.wrks[idx] = wrk
            self._metrics.incr_spawn(1)
            self._metrics.incr_respawn_err(1)
            self._bookkeeping(self._state.replaced, death, wrk.inner.pid)
            self._bookkeeping(self._counters.replaced, death.cause)
            waited = f" after {death.delay_s:g} s" if death.delay_s else ""
            self.hoody_log.error(
                f"worker {death.slot} (pid {death.pid}) died: {death.description}; "
                f"replaced by pid {wrk.inner.pid}{waited}",
                worker=death.slot,
                pid=death.pid,
                cause=death.cause,
                new_pid=wrk.inner.pid,
                lived_s=death.lived_s,
            )

    def _after_reload(self) -> None:
        # A restart started a new worker in every slot, the waiting ones too.
        for idx in list(self._pending):
            del self._pending[idx]
        for wrk in self.wrks:
            self._backoff.forget(wrk.idx + 1)
            self._state.started(wrk.idx + 1, wrk.inner.pid)
        self._save_state()
        if self.interrupt_children:
            self.main_loop_interrupt.set()

    def _bookkeeping(self, change: Callable[..., None], *args: Any) -> None:
        """Apply `change(*args)` and save the state file.

        NOTE: the record and the counter are informational; a state folder that
        cannot be written must not end the loop that keeps the server alive."""
        try:
            change(*args)
            self._save_state()
        except Exception as error:
            self.hoody_log.warning("worker record not updated", error=repr(error))

    def _save_state(self) -> None:
        try:
            save_state(self.hoody_run_dir, self._state)
        except OSError as error:
            self.hoody_log.warning("worker record not saved", error=str(error))

    # ------------------------------------------------------------ restarts
    def _reload(self, *args: Any, **kwargs: Any) -> Any:
        # NOTE: bookkeeping must never stop the restart itself (or, raising here,
        # end Granian's main loop): a state folder that cannot be written is logged.
        restart = None
        try:
            restart = instances.begin_restart(self.hoody_root, self.hoody_record.id)
            self.hoody_log.info("restarting workers", restart_id=restart.id, source=restart.source)
        except OSError as error:
            self.hoody_log.warning("could not record the restart", error=str(error))
        try:
            result = super()._reload(*args, **kwargs)
        except BaseException as error:
            self._finish(restart, repr(error))
            raise
        self._finish(restart, None)
        return result

    def _finish(self, restart: instances.RestartRecord | None, error: str | None) -> None:
        if restart is None:
            return
        try:
            instances.finish_restart(self.hoody_root, restart, error=error)
        except OSError as failure:
            self.hoody_log.warning("could not record the restart", error=str(failure))


def run_server(config: ServerConfig, run_dir: Path) -> None:
    root = config.root_path.resolve()
    record = instances.make_record(config.host, config.port, config.workers)
    # NOTE: workers are forked after the startup hooks ran, so they inherit this
    # and learn which instance they belong to (for the heartbeat and restarts).
    os.environ[instances.INSTANCE_ENV] = msgspec.json.encode(record).decode()
    # NOTE: Granian imports the factory in each worker after forking, so V8 (started
    # lazily by the runtime) never exists in the parent. Granian's own reloader is
    # off: it restarts processes, while ours applies changes in place.
    server = HoodyServer(
        "hoody_exec.server.factory:create_app",
        address=config.host,
        port=config.port,
        interface=Interfaces.ASGI,
        workers=config.workers,
        factory=True,
        log_level=LogLevels.warning,
        websockets=True,
        # Granian drains open connections before the app hears of the shutdown, so
        # an endless response (an event stream) would hold it forever: workers get
        # this long to finish, then are killed. A restart gives old workers the same.
        workers_kill_timeout=SHUTDOWN_GRACE_S,
        # A worker that dies unasked is replaced (HoodyServer._serve_loop decides when).
        respawn_failed_workers=True,
    )
    server.hoody_root = root
    server.hoody_record = record
    server.hoody_run_dir = run_dir
    # NOTE: its own store object: the workers create theirs after the fork.
    store = LogStore(
        root / instances.STATE_DIR / LOGS_DIR,
        max_bytes=config.log_max_mb * 1024 * 1024,
        files=config.log_files,
    )
    server.hoody_log = standalone_logger(config.log_format, store)
    # Registered once the socket is bound (a port in use leaves no entry behind).
    log = server.hoody_log
    server.on_startup(lambda: _quietly(instances.register, root, record, log))
    server.on_shutdown(lambda: _quietly(instances.unregister, root, record, log))
    server.serve()


def _quietly(
    action: Callable[[Path, instances.InstanceRecord], None],
    root: Path,
    record: instances.InstanceRecord,
    log: Any,
) -> None:
    """The registry is informational: a state folder that cannot be written must
    not keep the server from starting or stopping cleanly."""
    try:
        action(root, record)
    except OSError as error:
        log.warning("instance registry not updated", error=str(error), instance=record.id)
