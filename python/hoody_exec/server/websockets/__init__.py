"""`@websocket` scripts: connections, their limits and the sockets of a process."""

from hoody_exec.server.websockets.connection import serve_websocket
from hoody_exec.server.websockets.hub import SocketHub
from hoody_exec.server.websockets.limits import SocketLimits

__all__ = ["SocketHub", "SocketLimits", "serve_websocket"]
