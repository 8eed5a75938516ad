"""`hoody-exec run`: one request through the same code path as the server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import typer

from hoody_exec.config import ServerConfig
from hoody_exec.observability import configure_logging
from hoody_exec.routing import Route, RouteMatch, Segment, route_for_file
from hoody_exec.server.app import HoodyApp, Request
from hoody_exec.server.asgi import Message
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
    routed = route_for_file(relative)
    pattern, segments = routed or ("/" + relative, (Segment("static", relative),))
    path = "/" + "/".join(
        params.get(s.value, f"[{s.value}]") if s.kind != "static" else s.value for s in segments
    )
    if not any(name == "host" for name, _ in headers):
        headers = [("host", "localhost"), *headers]
    scope = {
        "type": "http",
        "method": method,
        "path": path if routed else pattern,
        "query_string": query.encode(),
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "scheme": "http",
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 80),
    }
    sent: list[Message] = []
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            # NOTE: the one client stays until the answer is printed; a disconnect
            # here would tell the server it left (and stop the script).
            await asyncio.Event().wait()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    match = RouteMatch(Route(pattern, relative, segments), params)
    try:
        await Request(app, scope, receive, send, match, time.monotonic()).handle()
    finally:
        app.runtime.close()
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    typer.echo(f"HTTP {start['status']}")
    for name, value in start["headers"]:
        typer.echo(f"{name.decode('latin-1')}: {value.decode('latin-1')}")
    typer.echo("")
    typer.echo(payload.decode("utf-8", errors="replace"))
    return int(start["status"])
