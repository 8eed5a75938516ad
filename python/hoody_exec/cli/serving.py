"""Starting Granian for `hoody-exec serve`, registered as an instance of its folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

from hoody_exec.config import ServerConfig
from hoody_exec.observability import get_logger
from hoody_exec.server import instances

SHUTDOWN_GRACE_S = 5

log = get_logger("hoody_exec.serve")


class HoodyServer(Server):  # type: ignore[misc, valid-type]
    """Granian's server, recording restarts in the state folder.

    NOTE: Granian respawns every worker on SIGHUP (`system/restart` sends it):
    each new worker starts on the same socket, then the old one stops accepting,
    finishes its in-flight requests (up to SHUTDOWN_GRACE_S) and exits. Its
    `_reload` runs that sequence in the main process; wrapping it is the one
    place that sees both its start and its end (granian >=2.8,<3, pinned).
    """

    hoody_root: Path
    hoody_record: instances.InstanceRecord

    def _reload(self, *args: Any, **kwargs: Any) -> Any:
        # NOTE: bookkeeping must never stop the restart itself (or, raising here,
        # end Granian's main loop): a state folder that cannot be written is logged.
        restart = None
        try:
            restart = instances.begin_restart(self.hoody_root, self.hoody_record.id)
            log.info("restarting workers", restart_id=restart.id, source=restart.source)
        except OSError as error:
            log.warning("could not record the restart", error=str(error))
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
            log.warning("could not record the restart", error=str(failure))


def run_server(config: ServerConfig) -> None:
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
        websockets=False,
        # Granian drains open connections before the app hears of the shutdown, so
        # an endless response (an event stream) would hold it forever: workers get
        # this long to finish, then are killed. A restart gives old workers the same.
        workers_kill_timeout=SHUTDOWN_GRACE_S,
    )
    server.hoody_root = root
    server.hoody_record = record
    # Registered once the socket is bound (a port in use leaves no entry behind).
    server.on_startup(lambda: _quietly(instances.register, root, record))
    server.on_shutdown(lambda: _quietly(instances.unregister, root, record))
    server.serve()


def _quietly(
    action: Callable[[Path, instances.InstanceRecord], None],
    root: Path,
    record: instances.InstanceRecord,
) -> None:
    """The registry is informational: a state folder that cannot be written must
    not keep the server from starting or stopping cleanly."""
    try:
        action(root, record)
    except OSError as error:
        log.warning("instance registry not updated", error=str(error), instance=record.id)
