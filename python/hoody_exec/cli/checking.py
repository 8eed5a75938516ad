"""`hoody-exec validate`: magic comments and syntax, reported as file:line: message."""

from __future__ import annotations

from pathlib import Path

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
