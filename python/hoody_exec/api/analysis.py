"""Shared checks of one script's source: magic comments and syntax, as API models."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from hoody_exec.api.errors import ApiError, not_found
from hoody_exec.api.files import MAX_SCRIPT_BYTES
from hoody_exec.api.models import (
    EffectiveComments,
    MagicCommentItem,
    MagicProblemItem,
    MagicValidation,
    Problem,
    SyntaxItem,
    SyntaxResult,
)
from hoody_exec.api.paths import ScriptPath
from hoody_exec.runtime import native
from hoody_exec.schedules import cron
from hoody_exec.scripts import (
    MagicCommentError,
    MagicComments,
    parse_magic_comments,
    scan_leading_comments,
)

REDACTED = "<redacted>"


def read_text(target: ScriptPath) -> str:
    """The file's text (404 if missing, 400 for a folder, 413 if too large)."""
    path = target.absolute
    if path.is_dir():
        raise ApiError(
            400, "not_a_file", f"{target.relative} is a folder", {"path": target.relative}
        )
    try:
        size = path.stat().st_size
        if size > MAX_SCRIPT_BYTES:
            raise ApiError(
                413,
                "payload_too_large",
                f"{target.relative} is larger than {MAX_SCRIPT_BYTES} bytes",
                {"limit_bytes": MAX_SCRIPT_BYTES},
            )
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise not_found(f"no file {target.relative}", {"path": target.relative}) from None


def comment_items(source: str) -> list[MagicCommentItem]:
    return [
        MagicCommentItem(name=c.name, value=_shown(c.name, c.value), line=c.line)
        for c in scan_leading_comments(source)
    ]


def comments_dict(source: str) -> dict[str, str]:
    return {item.name: item.value for item in comment_items(source)}


def _shown(name: str, value: str) -> str:
    if name == "token" and value and not value.startswith("env:"):
        return REDACTED
    return value


def effective(magic: MagicComments) -> EffectiveComments:
    token: Literal["none", "literal", "env"] = "none"
    if magic.token_digest is not None:
        token = "env" if magic.token_env else "literal"
    schedule = magic.schedule
    return EffectiveComments(
        mode=magic.mode,
        cors=magic.cors,
        timeout_ms=magic.timeout_ms,
        concurrent=magic.concurrent,
        token=token,
        token_env=magic.token_env,
        websocket=magic.websocket,
        ai=magic.ai,
        ai_model=magic.ai_model,
        log_level=magic.log_level,
        schedule=None
        if schedule is None
        else " ".join(filter(None, [schedule.expression, schedule.timezone])),
        schedule_next_runs=[]
        if schedule is None
        else [cron.iso(t) for t in cron.next_runs(schedule, cron.now(), 3)],
        explicit=sorted(magic.explicit),
    )


def check_magic(source: str, env: Mapping[str, str]) -> MagicValidation:
    items = comment_items(source)
    try:
        magic = parse_magic_comments(source, env=env)
    except MagicCommentError as error:
        problems = [
            MagicProblemItem(
                line=p.line, comment=p.comment, value=p.value, message=p.message, allowed=p.allowed
            )
            for p in error.problems
        ]
        return MagicValidation(ok=False, comments=items, effective=None, problems=problems)
    return MagicValidation(ok=True, comments=items, effective=effective(magic), problems=[])


def check_syntax(source: str, filename: str) -> SyntaxResult:
    try:
        native.transpile(source, filename)
    except native.TranspileError as error:
        errors = [
            SyntaxItem(line=i.line, column=i.column, message=i.message, frame=i.frame)
            for i in error.errors
        ] or [SyntaxItem(line=error.line, column=error.column, message=str(error), frame="")]
        return SyntaxResult(ok=False, filename=filename, errors=errors)
    return SyntaxResult(ok=True, filename=filename, errors=[])


def quick_problems(source: str, filename: str, env: Mapping[str, str]) -> list[Problem]:
    """Syntax and magic-comment problems, for the answer of a write."""
    problems = [
        Problem(kind="magic-comment", line=p.line, message=str_problem(p))
        for p in check_magic(source, env).problems
    ]
    problems.extend(
        Problem(kind="syntax", line=e.line, column=e.column, message=e.message)
        for e in check_syntax(source, filename).errors
    )
    return problems


def str_problem(p: MagicProblemItem) -> str:
    shown = f" {p.value}" if p.value else ""
    return f"{p.comment}{shown}: {p.message} (allowed: {p.allowed})"


def mode_and_problems(path: Path, env: Mapping[str, str]) -> tuple[str | None, list[str], str]:
    """Effective mode, problems and source of a file (best effort, for listings)."""
    try:
        source = path.read_bytes()[:MAX_SCRIPT_BYTES].decode("utf-8", errors="replace")
    except OSError as error:
        return None, [f"cannot read: {error.strerror}"], ""
    result = check_magic(source, env)
    mode = result.effective.mode if result.effective else None
    problems = [f"line {p.line}: {str_problem(p)}" for p in result.problems]
    # A syntax error keeps the script from loading as surely as a bad comment does.
    problems += [
        f"line {e.line}:{e.column}: syntax: {e.message}"
        for e in check_syntax(source, path.name).errors
    ]
    return mode, problems, source
