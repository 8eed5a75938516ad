"""The limits of `@websocket` connections and the close codes the server uses."""

from __future__ import annotations

from dataclasses import dataclass

from hoody_exec.config import ServerConfig
from hoody_exec.runtime.limits import LimitExceeded

# RFC 6455 §7.4.1 close codes the server sends itself.
GOING_AWAY = 1001  # server shutdown, idle timeout
TOO_BIG = 1009
INTERNAL_ERROR = 1011  # the isolate was ended (a limit) or ws.open threw
SERVICE_RESTART = 1012  # the script changed
# What a close without a status code reports (RFC 6455 §7.1.5).
NO_STATUS = 1005


@dataclass(frozen=True)
class SocketLimits:
    max_message: int  # bytes of one message from a client
    send_buffer: int  # bytes a socket may hold unsent before send() returns false
    max_connections: int  # per script, in one worker process
    idle_timeout_s: float  # 0: no idle timeout
    # Message events of one socket running at once (reading pauses beyond).
    in_flight: int = 16

    @classmethod
    def from_config(cls, config: ServerConfig) -> SocketLimits:
        return cls(
            max_message=config.ws_max_message_kb * 1024,
            send_buffer=config.ws_send_buffer_kb * 1024,
            max_connections=config.ws_max_connections,
            idle_timeout_s=config.ws_idle_timeout_s,
        )


def connections_exceeded(script: str, limit: int) -> LimitExceeded:
    return LimitExceeded(
        limit="websocket_connections",
        status=503,
        message=f"{script} already has {limit} open WebSocket connections in this worker "
        "process, its limit",
        script=script,
        configured=limit,
        measured=limit,
        unit="connections",
        setting="hoody-exec serve --ws-max-connections <n>",
        headers=[("retry-after", "1")],
    )
