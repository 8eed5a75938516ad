"""Messages from JavaScript to Python (`__hoody.host.post/request`).

A small registry keyed by operation name. The runtime registers `log`; the Web
API package registers its own operations (fetch, …) through `register_host_ops`
in `hoody_exec.webapi.host` if it defines one:

    def register_host_ops(registry: HostRegistry) -> None:
        registry.register("fetch", handle_fetch)

A handler gets a `HostCall`; for `request` messages (id > 0) it must eventually
answer with `call.resolve(value)` or `call.reject(message)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from hoody_exec.observability import LogPolicy, get_logger
from hoody_exec.webapi import host as webapi_host
from hoody_exec.webapi import websocket_client


class _Answerable(Protocol):
    def resolve(self, request_id: int, value: str | bytes) -> None: ...
    def reject(self, request_id: int, message: str) -> None: ...


@dataclass(frozen=True)
class HostCall:
    isolate: _Answerable
    id: int  # 0 for post (no answer expected)
    op: str
    data: bytes
    script: str
    request_id: str | None  # serverless: the one request this isolate serves
    policy: LogPolicy
    running: Sequence[str] = ()  # worker: the request ids of the calls in flight

    def resolve(self, value: str | bytes) -> None:
        if self.id:
            self.isolate.resolve(self.id, value)

    def reject(self, message: str) -> None:
        if self.id:
            self.isolate.reject(self.id, message)


HostOp = Callable[[HostCall], None]


class _LogLine(msgspec.Struct):
    level: str = "info"
    message: str = ""
    fields: dict[str, Any] | None = None
    rid: Any = None  # a claim by the isolate, checked by `_request_id`


_log_decoder = msgspec.json.Decoder(_LogLine)
_LEVELS = {"debug": "debug", "info": "info", "log": "info", "warn": "warning", "error": "error"}


def handle_log(call: HostCall) -> None:
    """console/log output of a script → the server log, filtered by `@log-level`."""
    try:
        line = _log_decoder.decode(call.data)
    except msgspec.DecodeError:
        line = _LogLine(message=call.data.decode("utf-8", errors="replace"))
    if not call.policy.allows_console(line.level):
        return
    method = _LEVELS.get(line.level, "info")
    extra = {f"js_{key}": value for key, value in (line.fields or {}).items()}
    getattr(get_logger("hoody_exec.script"), method)(
        line.message,
        script=call.script,
        request_id=_request_id(call, line.rid),
        source="js",
        **extra,
    )


def _request_id(call: HostCall, claimed: object) -> str | None:
    """The request a script's log line belongs to, decided by the host.

    NOTE: anything in the isolate can post a log message with any `rid`, so the
    claim only picks among the requests the host knows are running there: the
    one request of a serverless isolate, or one of a worker's calls in flight.
    """
    if call.request_id is not None:
        return call.request_id
    running = call.running
    if len(running) == 1:
        return running[0]
    return claimed if isinstance(claimed, str) and claimed in running else None


class HostRegistry:
    def __init__(self) -> None:
        self._ops: dict[str, HostOp] = {"log": handle_log}

    def register(self, op: str, handler: HostOp) -> None:
        self._ops[op] = handler

    def ops(self) -> list[str]:
        return sorted(self._ops)

    def dispatch(self, call: HostCall) -> None:
        handler = self._ops.get(call.op)
        if handler is None:
            call.reject(f"unknown host operation {call.op!r}")
            return
        try:
            handler(call)
        except Exception as error:  # a broken handler must not kill the loop callback
            get_logger("hoody_exec.host").exception("host op failed", op=call.op)
            call.reject(f"host operation {call.op!r} failed: {error}")


def default_registry() -> HostRegistry:
    """The runtime's operations plus whatever the Web API package registers."""
    registry = HostRegistry()
    webapi_host.register_host_ops(registry)
    websocket_client.register_host_ops(registry)
    return registry
    register: Callable[[HostRegistry], None] | None = getattr(
        webapi_host, "register_host_ops", None
    )
    if register is not None:
        register(registry)
    return registry
