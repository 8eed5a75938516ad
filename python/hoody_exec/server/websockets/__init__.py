"""`@websocket` scripts: connections, their limits and the sockets of a process."""

from hoody_exec.server.websockets.connection import serve_websocket
from hoody_exec.server.websockets.hub import SocketHub
from hoody_exec.server.websockets.limits import SocketLimits
from hoody_exec.server.websockets.shutdown import close_sockets_first

__all__ = ["SocketHub", "SocketLimits", "close_sockets_first", "serve_websocket"]
