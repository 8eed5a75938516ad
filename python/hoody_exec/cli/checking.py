"""`hoody-exec validate`: magic comments and syntax (and with `--types` the
TypeScript compiler's diagnostics), reported as file:line: message."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from hoody_exec.scripts import MagicCommentError, load_allowed_env, parse_magic_comments


def validate_files(files: list[Path], env_names: tuple[str, ...]) -> list[str]:
    from hoody_exec.runtime.checks import check_syntax

    problems: list[str] = []
    for file in files:
        try:
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{file}:1: cannot read: {error}")
            continue
        env = load_allowed_env(file.parent, env_names)
        try:
            parse_magic_comments(source, env=env)
        except MagicCommentError as error:
            problems.extend(
                f"{file}:{p.line}: {p.comment}{' ' + p.value if p.value else ''}: {p.message} "
                f"(allowed: {p.allowed})"
                for p in error.problems
            )
        problems.extend(
            f"{file}:{p.line}:{p.column}: {p.message}" for p in check_syntax(source, file.name)
        )
    return problems


# A folder holding one of these is taken as the scripts folder of a file below it.
_ROOT_MARKERS = ("package.json", "node_modules", ".hoody")


def scripts_root(file: Path) -> Path:
    """The nearest folder above `file` that looks like a scripts folder (it holds
    package.json, node_modules or .hoody), else the file's own folder: imports of
    npm packages resolve from there."""
    for folder in file.parents:
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    return file.parent


def type_check_files(files: list[Path]) -> list[str]:
    """`file:line:column: error TS<code>: message` for every error and warning."""
    from hoody_exec.deps import DependencyError
    from hoody_exec.typecheck import (
        TYPESCRIPT_VERSION,
        TypeCheckError,
        get_checker,
        installed_typescript,
    )

    async def run() -> list[str]:
        if installed_typescript() is None:
            typer.echo(f"installing typescript {TYPESCRIPT_VERSION} (first use)…", err=True)
        checker = await get_checker()
        lines: list[str] = []
        for file in files:
            root = scripts_root(file)
            result = await checker.check(root, str(file.relative_to(root)))
            for d in result.diagnostics:
                if d.category not in ("error", "warning"):
                    continue
                where = str(root / d.file) if d.file is not None else str(file)
                if d.line is not None:
                    where += f":{d.line}:{d.column}"
                message = d.message.replace("\n", "\n    ")
                lines.append(f"{where}: {d.category} TS{d.code}: {message}")
        return lines

    try:
        return asyncio.run(run())
    except (DependencyError, TypeCheckError) as error:
        return [f"typescript: the type check could not run: {error}"]
