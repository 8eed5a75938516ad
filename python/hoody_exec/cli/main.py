"""The `hoody-exec` commands: serve, run, routes, validate; the others live in
their own modules and are registered here, one line each."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from hoody_exec.cli.bench import bench_command
from hoody_exec.cli.deps import app as deps_app
from hoody_exec.cli.helptext import plain_metavars
from hoody_exec.cli.new import new_command
from hoody_exec.cli.openapi import openapi_command
from hoody_exec.cli.output import print_routes
from hoody_exec.cli.version import show_version
from hoody_exec.config import (
    ADMIN_TOKEN_ENV,
    AI_API_KEY_ENV,
    AI_BASE_URL_ENV,
    AI_MODEL_ENV,
    ALLOW_FETCH_ENV,
    CONFIG_ENV,
    DEFAULT_AI_MODEL,
    ServerConfig,
)
from hoody_exec.runtime.budget import minimum_budget_mb

if TYPE_CHECKING:
    from hoody_exec.routing import RouteTable

app = typer.Typer(
    name="hoody-exec",
    help="A folder of TypeScript files becomes a live HTTP API.",
    no_args_is_help=True,
    add_completion=False,
    # Plain click layout: wraps at the terminal's width, cuts nothing (helptext.py).
    rich_markup_mode=None,
)
app.add_typer(deps_app)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=show_version,
            help="Print the package, V8 and TypeScript versions and exit.",
        ),
    ] = False,
) -> None:
    """A folder of TypeScript files becomes a live HTTP API."""
    # NOTE: runs before the subcommand parses its arguments (and prints its --help).
    plain_metavars(ctx.command, ctx)


DirArg = Annotated[
    Path,
    typer.Argument(
        metavar="DIR", exists=True, file_okay=False, resolve_path=True, help="The scripts folder."
    ),
]
AllowFetchOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-fetch",
        envvar=ALLOW_FETCH_ENV,
        help="Let scripts' fetch reach this CIDR, IP or host[:port] although it is "
        "loopback, private or link-local (repeatable; the variable is space-separated).",
    ),
]
EnvOpt = Annotated[
    list[str] | None,
    typer.Option("--env", help="Let this host environment variable reach scripts (repeatable)."),
]


@app.command()
def serve(
    directory: DirArg = Path("."),
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8080,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reuse_port: Annotated[
        bool,
        typer.Option(
            "--reuse-port",
            help="Share the port with another server already listening on it (the kernel "
            "splits connections between them); without it a port in use is refused.",
        ),
    ] = False,
    reload: Annotated[bool, typer.Option(help="Apply saved files without a restart.")] = True,
    admin_token: Annotated[
        str | None, typer.Option(envvar=ADMIN_TOKEN_ENV, help="Management API token.")
    ] = None,
    log_format: Annotated[str, typer.Option(help="console or json.")] = "console",
    env: EnvOpt = None,
    memory_limit: Annotated[int, typer.Option(min=8, help="Isolate memory cap in MiB.")] = 128,
    cpu_limit: Annotated[
        int, typer.Option(min=0, help="CPU time one request may use, in ms (0: no limit).")
    ] = 30_000,
    max_queue: Annotated[
        int, typer.Option(min=1, help="Requests that may wait behind one @concurrent cap.")
    ] = 1000,
    max_body: Annotated[int, typer.Option(min=1, help="Request body limit in MiB.")] = 32,
    body_timeout: Annotated[
        float,
        typer.Option(
            min=0.001, help="Seconds a client may take to send a request body (else 408)."
        ),
    ] = 30.0,
    pool_size: Annotated[int, typer.Option(min=0, help="Pre-created isolates per worker.")] = 4,
    isolate_memory_budget: Annotated[
        int | None,
        typer.Option(
            envvar="HOODY_EXEC_ISOLATE_MEMORY_BUDGET",
            min=8,
            help="Sum of isolate memory caps per worker process in MiB "
            "(default: half the RAM or cgroup limit, divided by --workers).",
        ),
    ] = None,
    primed_isolates: Annotated[
        int | None,
        typer.Option(
            envvar="HOODY_EXEC_PRIMED_ISOLATES",
            min=0,
            help="Isolates per worker kept primed with serverless scripts' bundles, "
            "reserved in the memory budget (default: a quarter of the budget, at most 16; "
            "0: off).",
        ),
    ] = None,
    isolate_memory_wait: Annotated[
        float,
        typer.Option(
            envvar="HOODY_EXEC_ISOLATE_MEMORY_WAIT",
            min=0,
            help="Seconds a request may wait for memory budget before a 503.",
        ),
    ] = 5.0,
    log_max_size: Annotated[
        int, typer.Option(min=1, help="Size cap of the stored logs (DIR/.hoody/logs) in MiB.")
    ] = 100,
    log_files: Annotated[
        int, typer.Option(min=2, help="Files the stored logs rotate through.")
    ] = 10,
    npm_registry: Annotated[
        str | None,
        typer.Option(envvar="HOODY_EXEC_NPM_REGISTRY", help="npm registry URL for installs."),
    ] = None,
    npm_cache_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="HOODY_EXEC_CACHE_DIR", file_okay=False, help="Tarball and packument cache."
        ),
    ] = None,
    auto_install: Annotated[
        bool, typer.Option(help="Install a package a script imports on its first request.")
    ] = True,
    allow_fetch: AllowFetchOpt = None,
    ai_base_url: Annotated[
        str | None,
        typer.Option(
            envvar=AI_BASE_URL_ENV,
            help="OpenAI-compatible gateway for @ai scripts (https://openrouter.ai/api/v1, "
            "http://127.0.0.1:11434/v1 and the like); without it @ai scripts answer 503.",
        ),
    ] = None,
    ai_api_key_env: Annotated[
        str,
        typer.Option(
            help="Environment variable holding the gateway's key (the host attaches it; "
            "scripts never see it)."
        ),
    ] = AI_API_KEY_ENV,
    ai_model: Annotated[
        str,
        typer.Option(
            envvar=AI_MODEL_ENV, help="The model of `model` when a script has no @ai-model."
        ),
    ] = DEFAULT_AI_MODEL,
    ws_max_message: Annotated[
        int, typer.Option(min=1, help="@websocket: largest message a client may send, in KiB.")
    ] = 1024,
    ws_send_buffer: Annotated[
        int, typer.Option(min=1, help="@websocket: unsent bytes one socket may hold, in KiB.")
    ] = 1024,
    ws_max_connections: Annotated[
        int, typer.Option(min=1, help="@websocket: open sockets per script and worker process.")
    ] = 10_000,
    ws_idle_timeout: Annotated[
        float,
        typer.Option(min=0, help="@websocket: seconds a socket may stay silent (0: off)."),
    ] = 300.0,
) -> None:
    """Serve DIR: every script becomes a route."""
    if log_format not in ("console", "json"):
        raise typer.BadParameter("console or json", param_hint="--log-format")
    allowances = _allowances(allow_fetch)
    if ai_base_url:
        from hoody_exec.webapi.gateway import parse_base_url

        try:
            ai_base_url = parse_base_url(ai_base_url)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--ai-base-url") from None
    fmt: Literal["console", "json"] = "json" if log_format == "json" else "console"
    if isolate_memory_budget is not None:
        needed = minimum_budget_mb(memory_limit, pool_size + (primed_isolates or 0))
        if isolate_memory_budget < needed:
            raise typer.BadParameter(
                f"{isolate_memory_budget} MiB cannot hold the {pool_size} pre-created "
                f"and {primed_isolates or 0} primed isolates and one request's "
                f"({needed // memory_limit} x --memory-limit {memory_limit} MiB): "
                f"at least {needed} MiB",
                param_hint="--isolate-memory-budget",
            )
    config = ServerConfig(
        root=str(directory),
        host=host,
        port=port,
        workers=workers,
        reuse_port=reuse_port,
        reload=reload,
        admin_token=admin_token,
        log_format=fmt,
        env_names=tuple(env or ()),
        memory_limit_mb=memory_limit,
        cpu_limit_ms=cpu_limit,
        max_queue=max_queue,
        max_body_mb=max_body,
        body_timeout_s=body_timeout,
        pool_size=pool_size,
        isolate_memory_budget_mb=isolate_memory_budget,
        isolate_memory_wait_s=isolate_memory_wait,
        primed_isolates=primed_isolates,
        log_max_mb=log_max_size,
        log_files=log_files,
        npm_registry=npm_registry,
        npm_cache_dir=str(npm_cache_dir) if npm_cache_dir is not None else None,
        auto_install=auto_install,
        allow_fetch=allowances,
        ai_base_url=ai_base_url or None,
        ai_api_key_env=ai_api_key_env,
        ai_model=ai_model,
        ws_max_message_kb=ws_max_message,
        ws_send_buffer_kb=ws_send_buffer,
        ws_max_connections=ws_max_connections,
        ws_idle_timeout_s=ws_idle_timeout,
    )
    from hoody_exec.cli.serving import run_server
    from hoody_exec.routing import build_route_table
    from hoody_exec.server.ports import PortUnavailable, check_port

    try:
        check_port(host, port, directory, reuse_port=reuse_port)
    except PortUnavailable as error:
        typer.echo(f"hoody-exec: {error}", err=True)
        raise typer.Exit(1) from None
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    typer.echo(f"hoody-exec serving {directory} on {url}")
    table = build_route_table(directory)
    print_routes(table, url)
    if workers > 1:
        warn_websockets_across_workers(directory, table, workers)
    from hoody_exec.cli.problems import report_at_start

    watcher = report_at_start(directory, config.env_names, auto_install, reload)
    os.environ[CONFIG_ENV] = config.to_env()
    from hoody_exec.observability.metrics import RUN_DIR_ENV, prepare_run_dir

    # One run folder per server (every worker's metrics files), fresh before the
    # workers start; they inherit its path.
    run_dir = prepare_run_dir(directory)
    os.environ[RUN_DIR_ENV] = str(run_dir)
    try:
        run_server(config, run_dir)
    finally:
        if watcher is not None:
            from hoody_exec.cli.problems import stop_save_watcher

            stop_save_watcher(watcher)


def warn_websockets_across_workers(directory: Path, table: RouteTable, workers: int) -> None:
    """Rooms and broadcast reach the sockets of one worker process only (no
    cross-process fan-out yet): say so when that matters."""
    from hoody_exec.scripts import parse_magic_comments

    found = []
    for route in table.routes:
        try:
            if parse_magic_comments((directory / route.file).read_text()).websocket:
                found.append(route.file)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    if found:
        typer.echo(
            f"hoody-exec: warning: --workers {workers} with @websocket scripts "
            f"({', '.join(found)}): each worker process has its own sockets, so "
            "ws.broadcast, rooms and ws.sockets() reach only the clients connected to the "
            "same process (docs/websockets.md); use --workers 1 for one shared set",
            err=True,
        )


def _allowances(values: list[str] | None) -> tuple[str, ...]:
    """The `--allow-fetch` entries, each checked now so a typo stops the start."""
    from hoody_exec.webapi.egress import parse_allowance

    entries = tuple(part for value in values or () for part in value.replace(",", " ").split())
    for entry in entries:
        try:
            parse_allowance(entry)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--allow-fetch") from None
    return entries


@app.command()
def run(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, resolve_path=True, help="The script.")
    ],
    method: Annotated[str, typer.Option("--method", "-X", help="HTTP method.")] = "GET",
    header: Annotated[
        list[str] | None, typer.Option("--header", "-H", help="K:V request header (repeatable).")
    ] = None,
    body: Annotated[str | None, typer.Option("--body", "-d", help="Request body.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="k=v route parameter (repeatable).")
    ] = None,
    query: Annotated[str, typer.Option(help="Query string, e.g. a=1&b=2.")] = "",
    root: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            resolve_path=True,
            help="Scripts folder (default: the nearest folder above FILE with package.json, "
            "node_modules or .hoody/, else FILE's own).",
        ),
    ] = None,
    env: EnvOpt = None,
    allow_fetch: AllowFetchOpt = None,
) -> None:
    """Run FILE once as the server would and print status, headers and body (streamed)."""
    from hoody_exec.cli.args import headers_of, pairs_of
    from hoody_exec.cli.checking import scripts_root
    from hoody_exec.cli.once import run_once

    folder = root or scripts_root(file)
    try:
        relative = file.relative_to(folder).as_posix()
    except ValueError:
        raise typer.BadParameter(f"{file} is not inside {folder}", param_hint="--root") from None
    headers = headers_of(header)
    params = pairs_of(param, "--param")
    status = run_once(
        folder,
        relative,
        method=method.upper(),
        headers=headers,
        body=(body or "").encode(),
        params=params,
        query=query,
        env_names=tuple(env or ()),
        allow_fetch=_allowances(allow_fetch),
    )
    raise typer.Exit(0 if status < 500 else 1)


@app.command()
def routes(directory: DirArg = Path(".")) -> None:
    """Print the route table of DIR."""
    from hoody_exec.routing import build_route_table

    print_routes(build_route_table(directory), None)


@app.command()
def schedules(directory: DirArg = Path("."), env: EnvOpt = None) -> None:
    """Print DIR's @schedule scripts with their next runs and last outcome."""
    from hoody_exec.cli.schedules import print_schedules

    raise typer.Exit(1 if print_schedules(directory, tuple(env or ())) else 0)


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            exists=True,
            resolve_path=True,
            help="Scripts, or folders: every script below them (default: the current folder).",
            show_default=False,
        ),
    ] = None,
    env: EnvOpt = None,
    types: Annotated[
        bool,
        typer.Option(
            "--types",
            help="Also type-check with the TypeScript compiler (installed on first use).",
        ),
    ] = False,
) -> None:
    """Check syntax and magic comments; print each problem as file:line: message."""
    from hoody_exec.cli.checking import expand_paths, type_check_files, validate_files

    files = expand_paths(paths or [Path.cwd()])
    if not files:
        typer.echo("hoody-exec: no scripts found (.ts, .tsx, .js, ...)", err=True)
        raise typer.Exit(1)
    problems = validate_files(files, tuple(env or ()))
    if types:
        problems.extend(type_check_files(files))
    for line in problems:
        typer.echo(line, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{len(files)} file{'s' if len(files) != 1 else ''} OK")


app.command("new")(new_command)
app.command("openapi")(openapi_command)
app.command("bench")(bench_command)


def main() -> None:
    # Also under `python -m hoody_exec.cli`: help and errors name the command users type.
    app(prog_name="hoody-exec")
