"""A script's `@schedule`, read from its file (the scheduler and the CLI share it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hoody_exec.scripts.magic import MagicCommentError, Schedule, parse_magic_comments


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None


def read_schedule(root: Path, file: str, env: Mapping[str, str]) -> Schedule | list[Problem] | None:
    """The script's schedule, the problems that keep it from running, or None."""
    try:
        source = (root / file).read_text(errors="replace")
    except OSError as error:
        return [Problem(file, f"cannot read the script: {error.strerror}")]
    if "@schedule" not in source:
        return None  # the common case, without parsing
    try:
        magic = parse_magic_comments(source, env=env, filename=file)
    except MagicCommentError as error:
        return [Problem(file, str(p), p.line) for p in error.problems]
    return magic.schedule
