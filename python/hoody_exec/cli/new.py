"""`hoody-exec new NAME --template T`: a script from a template, rendered by the
same catalog and renderer as the management API's `templates/generate`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hoody_exec.cli.args import pairs_of
from hoody_exec.cli.checking import scripts_root, validate_files

if TYPE_CHECKING:
    from hoody_exec.templates.render import VariableSpec

DEFAULT_TEMPLATE = "hello"
_SCRIPT_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mts", ".mjs")
# A default_path that is one variable plus `.ts` names the script after NAME.
_NAMED_BY = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}\.ts")


def new_command(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            help="The script to write, e.g. users or api/users.ts (.ts is added).",
            show_default=False,
        ),
    ] = None,
    template: Annotated[
        str, typer.Option("--template", "-t", help="Template name (see --list).")
    ] = DEFAULT_TEMPLATE,
    var: Annotated[
        list[str] | None,
        typer.Option("--var", metavar="K=V", help="A template variable (repeatable)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    list_templates: Annotated[
        bool, typer.Option("--list", help="List the templates and their variables.")
    ] = False,
) -> None:
    """Write a new script NAME from a template."""
    if list_templates:
        _print_catalog(scripts_root(Path.cwd() / "x"))
        return
    if name is None:
        raise typer.BadParameter("give the script's name, or --list", param_hint="NAME")
    target = Path(name if name.endswith(_SCRIPT_SUFFIXES) else f"{name}.ts").absolute()
    root = scripts_root(target)
    write_from_template(root, target, template, pairs_of(var, "--var"), force=force)


def write_from_template(
    root: Path, target: Path, template_name: str, given: dict[str, str], *, force: bool
) -> None:
    from hoody_exec.routing import route_for_file
    from hoody_exec.templates import find, render, resolve_values

    template = find(root, template_name)
    if template is None:
        raise typer.BadParameter(
            f"no template {template_name!r}; run `hoody-exec new --list` for the names",
            param_hint="--template",
        )
    given = {**_named_variable(template.meta.default_path, template.specs(), root, target), **given}
    values, problems = resolve_values(template.specs(), given)
    if problems:
        declared = ", ".join(s.name for s in template.specs()) or "none"
        lines = "; ".join(p.message for p in problems)
        raise typer.BadParameter(
            f"{lines} (the {template_name} template's variables: {declared})", param_hint="--var"
        )
    if target.exists() and not force:
        typer.echo(f"hoody-exec: {target} exists; pass --force to overwrite it", err=True)
        raise typer.Exit(1)
    from hoody_exec.api.files import atomic_write

    atomic_write(target, render(template.content, values).encode("utf-8"))
    relative = target.relative_to(root).as_posix()
    routed = route_for_file(relative)
    where = f"route {routed[0]}" if routed else "not routable: a private helper"
    typer.echo(f"wrote {target} from the {template_name} template ({where} in {root})")
    for line in validate_files([target], ()):
        typer.echo(line, err=True)


def _named_variable(
    default_path: str, specs: list[VariableSpec], root: Path, target: Path
) -> dict[str, str]:
    """The variable the template's default_path is named by, set from NAME when it fits
    the variable's pattern (the path below the root, else the bare file name)."""
    match = _NAMED_BY.fullmatch(default_path)
    if match is None:
        return {}
    spec = next((s for s in specs if s.name == match.group(1)), None)
    if spec is None:
        return {}
    stem = target.relative_to(root).with_suffix("").as_posix()
    for candidate in (stem, target.stem):
        if re.fullmatch(spec.pattern, candidate):
            return {spec.name: candidate}
    return {}


def _print_catalog(root: Path) -> None:
    from hoody_exec.templates import builtins, customs

    for template in [*builtins().values(), *customs(root).values()]:
        meta = template.meta
        typer.echo(f"{template.name}  ({template.source}) {meta.title}")
        if meta.description:
            typer.echo(f"    {meta.description}")
        for variable in meta.variables:
            default = "required" if variable.default is None else f"default {variable.default!r}"
            typer.echo(f"    --var {variable.name}=…  {variable.description} ({default})")
