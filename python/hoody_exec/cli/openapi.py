"""`hoody-exec openapi [DIR]`: the OpenAPI document of a folder's scripts (what
`user-openapi/spec` answers), or with `--management` the management API's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


def openapi_command(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="[DIR]",
            exists=True,
            file_okay=False,
            resolve_path=True,
            help="The scripts folder (default: the current one).",
        ),
    ] = Path("."),
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", dir_okay=False, help="Write to FILE instead of stdout."),
    ] = None,
    management: Annotated[
        bool, typer.Option("--management", help="The management API's document instead.")
    ] = False,
    title: Annotated[str, typer.Option(help="info.title of the scripts' document.")] = (
        "hoody-exec scripts"
    ),
    version: Annotated[str, typer.Option("--api-version", help="info.version.")] = "1.0.0",
    server_url: Annotated[
        str | None, typer.Option(help="Add this URL as the document's server.")
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option("--env", help="A host variable scripts may read, for env:NAME tokens."),
    ] = None,
) -> None:
    """Print the OpenAPI 3.1 document of DIR's script endpoints."""
    document = (
        management_document()
        if management
        else scripts_document(
            directory,
            title=title,
            version=version,
            server_url=server_url,
            env_names=tuple(env or ()),
        )
    )
    text = json.dumps(document, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    from hoody_exec.api.files import atomic_write

    atomic_write(out, text.encode("utf-8"))
    paths = len(document.get("paths", {}))
    typer.echo(f"wrote {out} ({paths} path{'s' if paths != 1 else ''})", err=True)


def scripts_document(
    root: Path, *, title: str, version: str, server_url: str | None, env_names: tuple[str, ...]
) -> dict[str, Any]:
    from pydantic import ValidationError

    from hoody_exec.api.user_openapi import SpecOptions, script_entries, spec_document
    from hoody_exec.routing import build_route_table
    from hoody_exec.scripts import load_allowed_env

    try:
        options = SpecOptions(title=title, version=version, server_url=server_url)
    except ValidationError as error:
        raise typer.BadParameter(_first_error(error)) from None
    table = build_route_table(root)
    for problem in table.problems:
        typer.echo(f"! {problem}", err=True)
    entries = script_entries(root, table.routes, load_allowed_env(root, env_names))
    return spec_document(entries, options)


def management_document() -> dict[str, Any]:
    from hoody_exec.api.app import OPERATIONS
    from hoody_exec.api.openapi import build_document

    return build_document(OPERATIONS)


def _first_error(error: Any) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}"
