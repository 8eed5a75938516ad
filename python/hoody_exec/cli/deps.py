"""`hoody-exec deps install|check`: npm packages of a scripts folder."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="deps",
    help="Install and check the npm packages scripts import.",
    no_args_is_help=True,
    add_completion=False,
)


def _split_folder(args: list[str]) -> tuple[Path, list[str]]:
    """`[DIR] [PKG...]`: the first argument is the folder when it is an existing directory."""
    if args and (Path(args[0]).is_dir() or ("/" in args[0] and not args[0].startswith("@"))):
        folder = Path(args[0])
        if not folder.is_dir():
            raise typer.BadParameter(f"{args[0]} is not a folder", param_hint="DIR")
        return folder.resolve(), args[1:]
    return Path.cwd(), args


@app.command("install")
def install_command(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[DIR] [PKG...]",
            help="Scripts folder (default: the current one), then packages: name, name@range.",
        ),
    ] = None,
    registry: Annotated[
        str | None,
        typer.Option(envvar="HOODY_EXEC_NPM_REGISTRY", help="npm registry URL."),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(envvar="HOODY_EXEC_CACHE_DIR", file_okay=False, help="Tarball cache."),
    ] = None,
) -> None:
    """Install PKGs (and everything package.json declares) into DIR/node_modules."""
    from hoody_exec.cli.progress import Progress
    from hoody_exec.deps import DependencyError, install

    folder, packages = _split_folder(list(args or []))
    started = time.monotonic()
    try:
        with Progress(f"installing into {folder}") as shown:
            result = asyncio.run(
                install(
                    folder, packages, registry=registry, cache_dir=cache_dir, progress=shown.update
                )
            )
    except DependencyError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for name, spec in result.dependencies.items():
        typer.echo(f"{name}@{spec}")
    source = " from the lockfile" if result.from_lockfile else ""
    typer.echo(
        f"{len(result.added)} added, {len(result.removed)} removed, {result.total} in the tree"
        f"{source} ({time.monotonic() - started:.1f}s)",
        err=True,
    )


@app.command("check")
def check_command(
    directory: Annotated[
        Path,
        typer.Argument(exists=True, file_okay=False, resolve_path=True, help="Scripts folder."),
    ] = Path("."),
) -> None:
    """List bare imports of DIR's scripts that are not installed (exit 1 if any)."""
    from hoody_exec.deps.check import find_missing

    missing, problems = find_missing(directory)
    for problem in problems:
        typer.echo(f"! {problem}", err=True)
    for item in missing:
        typer.echo(f"{item.file.relative_to(directory)}: {item.package} ({item.reason})")
    if missing:
        packages = " ".join(sorted({m.package for m in missing if "invalid" not in m.reason}))
        typer.echo(f"run: hoody-exec deps install {directory} {packages}", err=True)
        raise typer.Exit(1)
    typer.echo("all imported packages are installed", err=True)
