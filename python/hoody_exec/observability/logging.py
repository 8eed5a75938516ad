"""Structured logs with per-script verbosity (`@log-level`).

structlog renders; which lines exist is decided per script by `LogPolicy`, not
by a global logger level, because each script picks its own level.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import structlog

LogFormat = Literal["console", "json"]
LEVELS: tuple[str, ...] = ("none", "minimal", "standard", "full", "debug")

# Credentials never reach a log line, whatever the level.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-token", "x-api-key"}
)
_TOKEN_PARAM = re.compile(r"(?i)(^|&)(token|access_token|api_key|key)=[^&]*")
BODY_LOG_LIMIT = 2048


@dataclass(frozen=True)
class LogPolicy:
    """What gets logged for one script at its `@log-level`."""

    level: str = "standard"

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)

    @property
    def errors(self) -> bool:
        return self.rank >= 1

    @property
    def requests(self) -> bool:
        return self.rank >= 2

    @property
    def console(self) -> bool:
        return self.rank >= 2

    @property
    def payloads(self) -> bool:
        return self.rank >= 3

    @property
    def lifecycle(self) -> bool:
        return self.rank >= 4

    def allows_console(self, level: str) -> bool:
        """console.error shows from `minimal`, console.debug only at `debug`."""
        if level == "error":
            return self.errors
        if level == "debug":
            return self.lifecycle
        return self.console


def configure_logging(fmt: LogFormat = "console", *, stream: Any = None) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str = "hoody_exec") -> Any:
    return structlog.get_logger(name)


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        shown = "[redacted]" if name.lower() in SECRET_HEADERS else value
        out[name] = f"{out[name]}, {shown}" if name in out else shown
    return out


def redact_query(query_string: str) -> str:
    return _TOKEN_PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}=[redacted]", query_string)


def truncate_body(body: bytes, limit: int = BODY_LOG_LIMIT) -> str:
    text = body[:limit].decode("utf-8", errors="replace")
    return text + f"… ({len(body) - limit} more bytes)" if len(body) > limit else text
