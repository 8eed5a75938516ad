"""Magic comments: the `// @name value` lines at the top of a script.

Parsed once per file version at load time. Every problem is collected (not just
the first) so one save shows the user everything that is wrong, each with its
line, the comment, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import msgspec
from croniter import CroniterError, croniter

from hoody_exec.config import DEFAULT_AI_MODEL
from hoody_exec.scripts.magic_schema import FOREIGN_PRAGMAS, SPECS_BY_NAME

Mode = Literal["worker", "serverless"]
LogLevel = Literal["none", "minimal", "standard", "full", "debug"]

DEFAULT_TIMEOUT_MS = 3_600_000

_NAME = re.compile(r"@([A-Za-z][\w-]*)(?:\s+(.*?))?\s*$")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_AI_MODEL = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.:@/-]+")


class Schedule(msgspec.Struct, frozen=True):
    """A validated cron schedule. `seconds` tells a 6-field expression (seconds first)."""

    expression: str
    timezone: str | None = None
    seconds: bool = False


class MagicComments(msgspec.Struct, frozen=True, kw_only=True):
    """The effective settings of one script (defaults filled in)."""

    mode: Mode = "serverless"
    cors: str = "none"  # "none", "*", "reflective" or an origin
    timeout_ms: int | None = DEFAULT_TIMEOUT_MS  # None: no limit
    concurrent: int | None = None  # None: no cap; 1 for `false`
    # NOTE: only the SHA-256 digest of the token is kept, so no repr, log line or
    # error message can ever show the secret.
    token_digest: bytes | None = None
    token_env: str | None = None  # NAME when written as env:NAME
    websocket: bool = False
    ai: bool = False
    ai_model: str = DEFAULT_AI_MODEL
    log_level: LogLevel = "standard"
    schedule: Schedule | None = None
    # The names written in the file (for diagnostics and the management API).
    explicit: frozenset[str] = frozenset()


class MagicComment(msgspec.Struct, frozen=True):
    """One `@name value` occurrence in the leading comment block."""

    name: str
    value: str
    line: int  # 1-based


class MagicCommentProblem(msgspec.Struct, frozen=True):
    line: int
    comment: str  # "@mode"
    value: str
    message: str
    allowed: str

    def __str__(self) -> str:
        shown = f" {self.value}" if self.value else ""
        return f"line {self.line}: {self.comment}{shown}: {self.message} (allowed: {self.allowed})"


class MagicCommentError(ValueError):
    """The magic comments of a script are invalid; `problems` lists every one."""

    def __init__(self, problems: list[MagicCommentProblem], filename: str | None = None) -> None:
        self.problems = problems
        self.filename = filename
        where = f"{filename}: " if filename else ""
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{where}invalid magic comments:\n{lines}")


# ---------------------------------------------------------------- scanning


def scan_leading_comments(source: str) -> Iterator[MagicComment]:
    """Yield every `@name value` of the leading comment block, stopping at the first code.

    Both `// @name value` lines and `/* ... */` blocks (one `@name` per line,
    leading `*` allowed) count. Other comment text is free prose and ignored.
    """
    in_block = False
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if number == 1 and line.startswith("#!"):
            continue
        if in_block:
            text, closed = _block_line(line)
            in_block = not closed
            yield from _directive(text, number)
            continue
        if not line:
            continue
        if line.startswith("//"):
            yield from _directive(line[2:].lstrip("/"), number)
        elif line.startswith("/*"):
            text, closed = _block_line(line[2:].lstrip("*"))
            in_block = not closed
            yield from _directive(text, number)
        else:
            return


def _block_line(text: str) -> tuple[str, bool]:
    """The text of one line inside `/* */` and whether the block ends on it."""
    end = text.find("*/")
    closed = end >= 0
    if closed:
        text = text[:end]
    return text.strip().lstrip("*").strip(), closed


def _directive(text: str, line: int) -> Iterator[MagicComment]:
    text = text.strip()
    if not text.startswith("@"):
        return
    found = _NAME.match(text)
    if found:
        yield MagicComment(found.group(1), found.group(2) or "", line)


# ---------------------------------------------------------------- validation


class _Problems:
    def __init__(self) -> None:
        self.items: list[MagicCommentProblem] = []

    def add(self, comment: MagicComment, message: str, allowed: str) -> None:
        value = (
            "<redacted>"
            if comment.name == "token" and not _is_env_ref(comment.value)
            else (comment.value)
        )
        self.items.append(
            MagicCommentProblem(comment.line, f"@{comment.name}", value, message, allowed)
        )


def _is_env_ref(value: str) -> bool:
    return value.startswith("env:")


def parse_magic_comments(
    source: str,
    *,
    env: Mapping[str, str] | None = None,
    filename: str | None = None,
) -> MagicComments:
    """Parse and validate the leading magic comments of `source`.

    `env` holds the variables the operator allows; `@token env:NAME` is resolved
    from it. Raises `MagicCommentError` listing every problem.
    """
    problems = _Problems()
    seen: dict[str, MagicComment] = {}
    fields: dict[str, object] = {}
    for comment in scan_leading_comments(source):
        if comment.name in FOREIGN_PRAGMAS or comment.name.startswith("ts-"):
            continue
        spec = SPECS_BY_NAME.get(comment.name)
        if spec is None:
            close = difflib.get_close_matches(comment.name, list(SPECS_BY_NAME), n=1)
            hint = (
                f"unknown magic comment; did you mean @{close[0]}?"
                if close
                else ("unknown magic comment")
            )
            problems.add(comment, hint, ", ".join(f"@{name}" for name in SPECS_BY_NAME))
            continue
        if comment.name in seen:
            first = seen[comment.name]
            problems.add(
                comment,
                f"duplicate: already set on line {first.line}",
                f"one @{comment.name} per file",
            )
            continue
        seen[comment.name] = comment
        _PARSERS[comment.name](comment, fields, problems, env or {})

    result = MagicComments(**fields, explicit=frozenset(seen))  # type: ignore[arg-type]
    _check_conflicts(result, seen, problems)
    if problems.items:
        raise MagicCommentError(sorted(problems.items, key=lambda p: p.line), filename)
    return result


_Parser = Callable[[MagicComment, dict[str, object], _Problems, Mapping[str, str]], None]


def _choice(field: str, spec_name: str) -> _Parser:
    def parse(
        comment: MagicComment, out: dict[str, object], problems: _Problems, _env: Mapping[str, str]
    ) -> None:
        spec = SPECS_BY_NAME[spec_name]
        value = comment.value.lower()
        if value in spec.choices:
            out[field] = value
        else:
            problems.add(comment, "not an allowed value" if value else "missing value", spec.values)

    return parse


def _flag(field: str, spec_name: str) -> _Parser:
    def parse(
        comment: MagicComment, out: dict[str, object], problems: _Problems, _env: Mapping[str, str]
    ) -> None:
        value = comment.value.lower()
        if value in ("", "true"):
            out[field] = True
        elif value == "false":
            out[field] = False
        else:
            problems.add(comment, "not an allowed value", SPECS_BY_NAME[spec_name].values)

    return parse


def _parse_cors(
    comment: MagicComment, out: dict[str, object], problems: _Problems, _env: Mapping[str, str]
) -> None:
    value = comment.value
    if value.lower() in ("none", "*", "reflective"):
        out["cors"] = value.lower()
        return
    origin = _origin(value)
    if origin is None:
        problems.add(
            comment,
            "not an allowed value (an origin is scheme://host[:port], no path)",
            SPECS_BY_NAME["cors"].values,
        )
    else:
        out["cors"] = origin


def _origin(value: str) -> str | None:
    """`value` as a serialised origin, or None. A single trailing `/` is forgiven."""
    if value.endswith("/"):
        value = value[:-1]
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _parse_timeout(
    comment: MagicComment, out: dict[str, object], problems: _Problems, _env: Mapping[str, str]
) -> None:
    value = comment.value.lower().replace("_", "")
    if value == "unlimited":
        out["timeout_ms"] = None
    elif value.isdigit():
        out["timeout_ms"] = int(value) or None
    else:
        problems.add(comment, "not a number of milliseconds", SPECS_BY_NAME["timeout"].values)


def _parse_concurrent(
    comment: MagicComment, out: dict[str, object], problems: _Problems, _env: Mapping[str, str]
) -> None:
    value = comment.value.lower()
    if value == "true":
        out["concurrent"] = None
    elif value == "false":
        out["concurrent"] = 1
    elif value.isdigit() and int(value) > 0:
        out["concurrent"] = int(value)
    else:
        problems.add(comment, "not an allowed value", SPECS_BY_NAME["concurrent"].values)


def _parse_token(
    comment: MagicComment, out: dict[str, object], problems: _Problems, env: Mapping[str, str]
) -> None:
    value = comment.value
    allowed = SPECS_BY_NAME["token"].values
    if not value:
        problems.add(comment, "missing value", allowed)
        return
    if _is_env_ref(value):
        name = value[4:]
        if not _ENV_NAME.fullmatch(name):
            problems.add(comment, "not a valid environment variable name", allowed)
            return
        secret = env.get(name)
        if not secret:
            problems.add(
                comment,
                f"environment variable {name} is not set or not allowed "
                f"(allow it with `--env {name}` or put it in the folder's .env)",
                allowed,
            )
            return
        out["token_env"] = name
        value = secret
    elif any(ch.isspace() for ch in value):
        problems.add(comment, "a token may not contain spaces", allowed)
        return
    out["token_digest"] = hashlib.sha256(value.encode()).digest()


def _parse_ai_model(
    comment: MagicComment, out: dict[str, object], problems: _Problems, _env: Mapping[str, str]
) -> None:
    if _AI_MODEL.fullmatch(comment.value):
        out["ai_model"] = comment.value
    else:
        problems.add(comment, "not a provider/model name", SPECS_BY_NAME["ai-model"].values)


def _parse_schedule(
    comment: MagicComment, out: dict[str, object], problems: _Problems, _env: Mapping[str, str]
) -> None:
    allowed = SPECS_BY_NAME["schedule"].values
    schedule, message = parse_schedule(comment.value)
    if schedule is None:
        problems.add(comment, message, allowed)
    else:
        out["schedule"] = schedule


@functools.cache
def _zone_names() -> frozenset[str]:
    # Zones without a slash (UTC, GMT, Japan, EST5EDT); a cron field never is one.
    return frozenset(name for name in available_timezones() if "/" not in name)


def parse_schedule(value: str) -> tuple[Schedule | None, str]:
    """A `Schedule` from `cron [zone]`, or None and the reason it is invalid."""
    parts = value.split()
    if not parts:
        return None, "missing value"
    zone: str | None = None
    last = parts[-1]
    if len(parts) > 1 and last[0].isalpha() and ("/" in last or last in _zone_names()):
        zone = last
        parts = parts[:-1]
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None, f"unknown time zone {zone!r} (use an IANA name like Europe/Berlin)"
    expression = " ".join(parts)
    seconds = len(parts) == 6
    if parts[0].startswith("@"):
        if len(parts) != 1:
            return None, "a @macro takes no other fields"
    elif len(parts) not in (5, 6):
        return None, f"a cron expression has 5 or 6 fields, found {len(parts)}"
    try:
        croniter(expression, second_at_beginning=seconds)
    except (CroniterError, ValueError, KeyError) as error:
        return None, f"not a valid cron expression ({error})"
    return Schedule(expression, zone, seconds), ""


def _check_conflicts(
    result: MagicComments, seen: Mapping[str, MagicComment], problems: _Problems
) -> None:
    if result.websocket and result.mode != "worker":
        problems.add(seen["websocket"], "needs @mode worker", "@websocket with @mode worker")
    if "concurrent" in seen and result.mode == "worker":
        problems.add(
            seen["concurrent"],
            "only applies to @mode serverless (a worker interleaves requests in one isolate)",
            "@concurrent with @mode serverless",
        )
    if "ai-model" in seen and not result.ai:
        problems.add(seen["ai-model"], "has no effect without @ai true", "@ai-model with @ai true")


_PARSERS: dict[str, _Parser] = {
    "mode": _choice("mode", "mode"),
    "cors": _parse_cors,
    "timeout": _parse_timeout,
    "concurrent": _parse_concurrent,
    "token": _parse_token,
    "websocket": _flag("websocket", "websocket"),
    "ai": _flag("ai", "ai"),
    "ai-model": _parse_ai_model,
    "log-level": _choice("log_level", "log-level"),
    "schedule": _parse_schedule,
}
