"""`hoody-exec validate`: magic comments and syntax (and with `--types` the
TypeScript compiler's diagnostics), reported as file:line: message."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from hoody_exec.scripts import MagicCommentError, load_allowed_env, parse_magic_comments


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; each folder replaced by every script below it (helpers too;
    node_modules and dot-folders skipped), without duplicates."""
    from hoody_exec.deps.check import iter_scripts

    found: dict[Path, None] = {}
    for path in paths:
        for file in iter_scripts(path) if path.is_dir() else (path,):
            found.setdefault(file, None)
    return list(found)


def validate_files(files: list[Path], env_names: tuple[str, ...]) -> list[str]:
    """`file:line[:column]: message` for each syntax and magic-comment problem; the
    allowed variables (for `@token env:NAME`) are those of each file's scripts folder."""
    return [
        line
        for file in files
        for line in file_problems(file, load_allowed_env(scripts_root(file), env_names), str(file))
    ]


def file_problems(file: Path, env: Mapping[str, str], shown: str) -> list[str]:
    from hoody_exec.runtime.checks import check_syntax

    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [f"{shown}:1: cannot read: {error}"]
    problems: list[str] = []
    try:
        parse_magic_comments(source, env=env)
    except MagicCommentError as error:
        problems.extend(
            f"{shown}:{p.line}: {p.comment}{' ' + p.value if p.value else ''}: {p.message} "
            f"(allowed: {p.allowed})"
            for p in error.problems
        )
    problems.extend(
        f"{shown}:{p.line}:{p.column}: {p.message}" for p in check_syntax(source, file.name)
    )
    return problems


def missing_package_problems(root: Path, file: Path, shown: str) -> list[str]:
    """Imported packages `root/node_modules` does not hold (or holds outside the range)."""
    from hoody_exec import TranspileError
    from hoody_exec.deps.check import package_imports, why_missing
    from hoody_exec.deps.errors import InvalidSpecifier
    from hoody_exec.deps.specifiers import PackageSpecifier, parse_specifier

    try:
        source = file.read_text(encoding="utf-8")
        imports = package_imports(source, file.name)
    except (OSError, UnicodeDecodeError, TranspileError):
        return []  # file_problems reports those
    problems: list[str] = []
    for spec in imports:
        line = _line_of(source, spec)
        try:
            parsed = parse_specifier(spec)
        except InvalidSpecifier as error:
            problems.append(f"{shown}:{line}: import {spec!r}: {error.message}")
            continue
        if isinstance(parsed, PackageSpecifier):
            reason = why_missing(root, parsed)
            if reason is not None:
                problems.append(f"{shown}:{line}: package {parsed}: {reason}")
    return problems


def _line_of(source: str, specifier: str) -> int:
    for number, text in enumerate(source.splitlines(), start=1):
        if any(f"{quote}{specifier}{quote}" in text for quote in "'\"`"):
            return number
    return 1


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
    from hoody_exec.cli.progress import Progress
    from hoody_exec.deps import DependencyError
    from hoody_exec.typecheck import (
        TYPESCRIPT_VERSION,
        TypeCheckError,
        get_checker,
        installed_typescript,
    )

    async def run() -> list[str]:
        first_use = installed_typescript() is None
        label = (
            f"installing typescript {TYPESCRIPT_VERSION} (first use) and starting the checker"
            if first_use
            else "starting the type checker"
        )
        with Progress(label):
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
