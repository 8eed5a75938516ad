"""Starting Granian for `hoody-exec serve`."""

from __future__ import annotations

from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

from hoody_exec.config import ServerConfig

SHUTDOWN_GRACE_S = 5


def run_server(config: ServerConfig) -> None:
    # NOTE: Granian imports the factory in each worker after forking, so V8 (started
    # lazily by the runtime) never exists in the parent. Granian's own reloader is
    # off: it restarts processes, while ours applies changes in place.
    Server(
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
        # this long to finish, then are killed.
        workers_kill_timeout=SHUTDOWN_GRACE_S,
    ).serve()
