"""Human-readable output shared by the commands."""

from __future__ import annotations

import typer

from hoody_exec.routing import RouteTable


def print_routes(table: RouteTable, base_url: str | None) -> None:
    if not table.routes:
        typer.echo("  (no scripts yet: add hello.ts to the folder)")
    width = max((len(route.pattern) for route in table.routes), default=0)
    for route in table.routes:
        target = f"{base_url}{route.pattern}" if base_url else route.pattern
        typer.echo(f"  {target.ljust(width + len(base_url or ''))}  {route.file}")
    for problem in table.problems:
        typer.echo(f"  ! {problem}", err=True)
