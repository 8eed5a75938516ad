"""Starting Granian for `hoody-exec serve`."""

from __future__ import annotations

from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

from hoody_exec.config import ServerConfig


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
    ).serve()
