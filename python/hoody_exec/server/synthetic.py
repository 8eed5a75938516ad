"""A request the server makes to itself (`hoody-exec run`, scheduled runs).

It goes through `Request.handle` like any client's, so routing aside everything
applies by construction: @timeout, @concurrent, the memory cap, the log line,
the metrics and the in-flight table (`monitor/active-requests`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from hoody_exec.routing import Route, RouteMatch
from hoody_exec.runtime.limits import ScriptFailure
from hoody_exec.server.app import HoodyApp, Request
from hoody_exec.server.asgi import Headers, Message


@dataclass
class SyntheticAnswer:
    status: int
    headers: Headers
    body: bytes  # up to the body limit
    truncated: bool  # the body was longer than the limit
    failure: ScriptFailure | None  # what stopped the script, if something did
    error: str | None  # the message the log line carries


@dataclass
class SyntheticRequest:
    app: HoodyApp
    route: Route
    method: str
    path: str
    headers: Headers
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    query: str = ""
    # The server's own request: `@token` is not asked for (it cannot know the
    # secret, only its digest).
    trusted: bool = False
    body_limit: int | None = None
    # Given, each message of the answer goes there as it is sent (`hoody-exec run`
    # prints a stream as it arrives); the answer then carries no body.
    sink: Callable[[Message], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        announced = ("content-length", "transfer-encoding")
        if self.body and not any(name in announced for name, _ in self.headers):
            # As an HTTP client frames it: the server reads no body that is not announced.
            self.headers = [*self.headers, ("content-length", str(len(self.body)))]
        scope = {
            "type": "http",
            "method": self.method,
            "path": self.path,
            "query_string": self.query.encode(),
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers],
            "scheme": "http",
            "client": ("127.0.0.1", 0),
            "server": ("localhost", 80),
        }
        self._chunks: list[bytes] = []
        self._size = 0
        self._start: Message | None = None
        self._delivered = False
        match = RouteMatch(self.route, self.params)
        self.request = Request(self.app, scope, self._receive, self._send, match, time.monotonic())
        self.request.trusted = self.trusted

    @property
    def rid(self) -> str:
        return self.request.rid

    async def _receive(self) -> Message:
        if self._delivered:
            # NOTE: the caller stays until the answer is complete; a disconnect here
            # would tell the server it left (and stop the script).
            await asyncio.Event().wait()
        self._delivered = True
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def _send(self, message: Message) -> None:
        if self.sink is not None:
            await self.sink(message)
        if message["type"] == "http.response.start":
            self._start = message
            return
        chunk = message.get("body", b"") if self.sink is None else b""
        self._size += len(chunk)
        if self.body_limit is None:
            self._chunks.append(chunk)
            return
        room = self.body_limit - sum(len(c) for c in self._chunks)
        if room > 0:
            self._chunks.append(chunk[:room])

    async def run(self) -> SyntheticAnswer:
        await self.request.handle()
        start = self._start
        status = int(start["status"]) if start is not None else self.request.status
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in (start["headers"] if start is not None else [])
        ]
        body = b"".join(self._chunks)
        return SyntheticAnswer(
            status=status,
            headers=headers,
            body=body,
            truncated=self._size > len(body),
            failure=self.request.failure,
            error=self.request.error,
        )
