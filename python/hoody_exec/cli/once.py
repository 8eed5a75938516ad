"""`hoody-exec run`: one request through the same code path as the server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from hoody_exec.config import ServerConfig
from hoody_exec.observability import configure_logging
from hoody_exec.routing import Route, Segment, route_for_file
from hoody_exec.sdk.store import activate as activate_sdks
from hoody_exec.server.app import HoodyApp
from hoody_exec.server.asgi import Message
from hoody_exec.server.synthetic import SyntheticRequest
from hoody_exec.webapi import egress


def run_once(
    root: Path,
    relative: str,
    *,
    method: str,
    headers: list[tuple[str, str]],
    body: bytes,
    params: dict[str, str],
    query: str,
    env_names: tuple[str, ...],
    allow_fetch: tuple[str, ...] = (),
) -> int:
    configure_logging("console")
    config = ServerConfig(
        root=str(root), reload=False, env_names=env_names, pool_size=0, allow_fetch=allow_fetch
    )
    return asyncio.run(_run(config, relative, method, headers, body, params, query))


async def _run(
    config: ServerConfig,
    relative: str,
    method: str,
    headers: list[tuple[str, str]],
    body: bytes,
    params: dict[str, str],
    query: str,
) -> int:
    app = HoodyApp(config)
    # Nothing listens on config.host:port in a one-off run: no "this server" to reach.
    # The AI gateway (HOODY_EXEC_AI_BASE_URL) stays reachable, as when serving.
    allow = (*config.allow_fetch, app.gateway.allowance) if app.gateway else config.allow_fetch
    egress.configure(egress.EgressPolicy.for_server(allow, host=None, port=None))
    activate_sdks(app.root, lambda: app.runtime.loader.env)
    routed = route_for_file(relative)
    pattern, segments = routed or ("/" + relative, (Segment("static", relative),))
    path = "/" + "/".join(
        params.get(s.value, f"[{s.value}]") if s.kind != "static" else s.value for s in segments
    )
    if not any(name == "host" for name, _ in headers):
        headers = [("host", "localhost"), *headers]
    printer = StreamPrinter()
    synthetic = SyntheticRequest(
        app,
        Route(pattern, relative, segments),
        method,
        path if routed else pattern,
        headers,
        body,
        params,
        query,
        sink=printer.send,
    )
    try:
        await synthetic.run()
    finally:
        app.runtime.close()
    printer.finish()
    return printer.status


class StreamPrinter:
    """Prints the answer as it is sent: status and headers, then each body chunk as
    it arrives (an event stream shows event by event)."""

    def __init__(self) -> None:
        self.status = 0
        self._last = b"\n"

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            lines = [f"HTTP {self.status}"]
            lines += [
                f"{k.decode('latin-1')}: {v.decode('latin-1')}" for k, v in message["headers"]
            ]
            self._write(("\n".join(lines) + "\n\n").encode("latin-1"))
        elif message["type"] == "http.response.body" and message.get("body"):
            self._write(message["body"])

    def finish(self) -> None:
        if not self._last.endswith(b"\n"):
            self._write(b"\n")

    def _write(self, data: bytes) -> None:
        out = sys.stdout.buffer
        out.write(data)
        out.flush()
        self._last = data[-1:]
