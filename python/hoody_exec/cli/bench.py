"""`hoody-exec bench URL|FILE`: a short load run printed as a table (req/s,
p50/p90/p99, errors). A FILE is served by a server of its own, started for the run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Literal

import typer

from hoody_exec.cli import wrk
from hoody_exec.cli.args import headers_of, pairs_of
from hoody_exec.cli.checking import scripts_root
from hoody_exec.cli.loadgen import Target, run_load
from hoody_exec.cli.summary import Summary

START_TIMEOUT_S = 60.0
HEALTH = "/api/v1/exec/health"


def bench_command(
    target: Annotated[
        str,
        typer.Argument(metavar="TARGET", help="An http:// URL, or a script file to serve."),
    ],
    connections: Annotated[
        int, typer.Option("--connections", "-c", min=1, max=10_000, help="Open connections.")
    ] = 10,
    seconds: Annotated[
        float, typer.Option("--seconds", "-s", min=0.1, max=3600, help="Length of the run.")
    ] = 10.0,
    method: Annotated[str, typer.Option("--method", "-X", help="HTTP method.")] = "GET",
    header: Annotated[
        list[str] | None,
        typer.Option("--header", "-H", metavar="K:V", help="A header (repeatable)."),
    ] = None,
    body: Annotated[str | None, typer.Option("--body", "-d", help="Request body.")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", metavar="K=V", help="FILE's route parameter (repeatable)."),
    ] = None,
    tool: Annotated[
        Literal["auto", "python", "wrk"],
        typer.Option(help="Load generator: wrk when installed (GET without body), else python."),
    ] = "auto",
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes of the server started for a FILE.")
    ] = 1,
    warmup: Annotated[
        float, typer.Option(min=0, help="Seconds of load before measuring (not counted).")
    ] = 1.0,
) -> None:
    """Put load on URL (or on FILE, served for the run) and print the figures."""
    headers = tuple(headers_of(header))
    with _served(target, pairs_of(param, "--param"), workers) as url:
        try:
            request = Target.from_url(
                url, method=method, headers=headers, body=(body or "").encode()
            )
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="TARGET") from None
        chosen = _tool(tool, request)
        if warmup > 0:
            asyncio.run(run_load(request, connections=connections, seconds=warmup))
        if chosen == "wrk":
            summary = wrk.run_wrk(url, request, connections=connections, seconds=seconds)
        else:
            summary = Summary.of(
                asyncio.run(run_load(request, connections=connections, seconds=seconds))
            )
    for line in summary.table(f"{method.upper()} {url}", connections):
        typer.echo(line)
    if summary.requests == 0:
        typer.echo("hoody-exec: no request was answered", err=True)
        raise typer.Exit(1)


def _tool(tool: str, request: Target) -> str:
    if tool == "wrk" and not wrk.available():
        raise typer.BadParameter("wrk is not installed", param_hint="--tool")
    if tool == "wrk" and not wrk.usable_for(request):
        raise typer.BadParameter("wrk here sends plain GETs only", param_hint="--tool")
    if tool == "auto":
        return "wrk" if wrk.available() and wrk.usable_for(request) else "python"
    return tool


@contextlib.contextmanager
def _served(target: str, params: dict[str, str], workers: int) -> Iterator[str]:
    """The URL to load: `target` itself, or a server started for a script file."""
    if "://" in target:
        yield target
        return
    file = Path(target).resolve()
    if not file.is_file():
        raise typer.BadParameter(f"{target} is neither a URL nor a file", param_hint="TARGET")
    root = scripts_root(file)
    path = _route_path(file.relative_to(root).as_posix(), params)
    port = _free_port()
    plural = "s" if workers != 1 else ""
    typer.echo(
        f"serving {root} on 127.0.0.1:{port} for the run ({workers} worker{plural})…", err=True
    )
    # NOTE: its log goes to a file: a pipe nobody reads would fill and stall it.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "hoody_exec.cli", "serve", str(root)),
                *("--port", str(port), "--workers", str(workers)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_healthy(server, port, log)
            yield f"http://127.0.0.1:{port}{path}"
        finally:
            _stop(server)


def _route_path(relative: str, params: dict[str, str]) -> str:
    from hoody_exec.routing import route_for_file

    routed = route_for_file(relative)
    if routed is None:
        raise typer.BadParameter(
            f"{relative} is not routable (private, or not a script)", param_hint="TARGET"
        )
    parts = []
    for segment in routed[1]:
        if segment.kind == "static":
            parts.append(segment.value)
        elif segment.value in params:
            parts.append(params[segment.value])
        else:
            raise typer.BadParameter(
                f"the route {routed[0]} needs --param {segment.value}=VALUE", param_hint="--param"
            )
    return "/" + "/".join(parts)


def _wait_healthy(server: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            typer.echo(f"hoody-exec: the server did not start:\n{output}", err=True)
            raise typer.Exit(1)
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}{HEALTH}", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    typer.echo(f"hoody-exec: the server did not answer within {START_TIMEOUT_S:g} s", err=True)
    raise typer.Exit(1)


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
