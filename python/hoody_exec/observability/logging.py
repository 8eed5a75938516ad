"""Structured logs with per-script verbosity (`@log-level`).

structlog renders; which lines exist is decided per script by `LogPolicy`, not
by a global logger level, because each script picks its own level.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import structlog

from hoody_exec.observability.logstore import MAX_LINE_BYTES, LogStore
from hoody_exec.observability.redact import REDACTOR
from hoody_exec.observability.writer import Format, LineWriter

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


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1e6):06d}Z"


_NEEDS_QUOTES = re.compile(r"[\s\"']")


def _plain(value: Any) -> str:
    kind = type(value)
    if kind is int or kind is float:  # most values of a request line: no quoting needed
        return repr(value)
    text = value if kind is str or isinstance(value, str) else repr(value)
    return repr(text) if not text or _NEEDS_QUOTES.search(text) else text


def _render_console(method: str, event: dict[str, Any], stamp: str) -> str:
    """`2026-11-29T05:36:48.037538Z [info     ] request   key=value …` in one pass.

    NOTE: structlog's ConsoleRenderer and TimeStamper cost several times this.
    """
    message = event.pop("event", "")
    if isinstance(message, str) and ("\n" in message or "\r" in message):
        # A script's console.log("…\n<fake line>") must not start a line of its own.
        message = message.replace("\r", "\\r").replace("\n", "\\n")
    exc = event.pop("exception", None)
    pairs = " ".join(f"{k}={_plain(v)}" for k, v in event.items())
    line = f"{stamp} [{method:<9}] {message:<30} {pairs}"
    return f"{line}\n{exc}" if exc else line


_json_encoder = msgspec.json.Encoder(enc_hook=repr)


def _render_json(method: str, event: dict[str, Any], stamp: str) -> str:
    event["level"] = method
    event["timestamp"] = stamp
    return _json_encoder.encode(event).decode()


_LEVEL_NAMES = {"warn": "warning", "exception": "error", "fatal": "critical", "msg": "info"}
_STORE_SHORTEN = 4096  # characters kept of each long value when a line is too big


def _source(event: dict[str, Any]) -> str:
    """Which part of the server wrote the line: the `source` filter of `logs/read`."""
    if event.get("source") == "js":
        return "js"
    message = event.get("event")
    if message == "request" and "request_id" in event:
        return "request"
    return "management" if message == "management" else "server"


def _store_line(event: dict[str, Any], method: str, stamp: str) -> bytes:
    entry = {
        "timestamp": stamp,
        "level": _LEVEL_NAMES.get(method, method),
        "source": _source(event),
        "event": event.get("event", ""),
        **{k: v for k, v in event.items() if k not in ("event", "source")},
        "pid": os.getpid(),
    }
    line = _json_encoder.encode(entry)
    if len(line) >= MAX_LINE_BYTES:
        for key, value in entry.items():
            text = value if isinstance(value, str) else _json_encoder.encode(value).decode()
            if len(text) > _STORE_SHORTEN:
                entry[key] = f"{text[:_STORE_SHORTEN]}… ({len(text) - _STORE_SHORTEN} more)"
        entry["truncated"] = True
        line = _json_encoder.encode(entry)
        if len(line) >= MAX_LINE_BYTES:
            keep = ("timestamp", "level", "source", "script", "request_id", "pid")
            entry = {k: entry[k] for k in keep if k in entry}
            entry["event"] = f"(a {len(line)}-byte log line was too large to store)"
            line = _json_encoder.encode(entry)
    return line + b"\n"


def _formatter(fmt: LogFormat, stored: bool) -> Format:
    """Redact, then the stored line (when there is a store) and the rendered one."""
    render = _render_json if fmt == "json" else _render_console

    def format_line(method: str, event: dict[str, Any], at: float) -> tuple[bytes | None, str]:
        event = REDACTOR.scrub_event(event)
        stamp = _iso(at)
        line = _store_line(event, method, stamp) if stored else None
        return line, render(method, event, stamp)

    return format_line


def _hand_to(writer: LineWriter) -> Any:
    def hand_over(_: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
        writer.submit(method, event)
        raise structlog.DropEvent

    return hand_over


# The writer of the configured loggers (configure_logging), flushed by flush_logs().
_writer: LineWriter | None = None


def configure_logging(
    fmt: LogFormat = "console", *, stream: Any = None, store: LogStore | None = None
) -> None:
    """Render to `stream` (stderr); with `store`, also keep every line on disk.

    Secrets are redacted (`redact.py`) before either sees the line. The caller
    only queues a line: a thread formats and writes it (`writer.py`).
    """
    global _writer
    if _writer is not None:
        _writer.flush()
    _writer = LineWriter(
        _formatter(fmt, store is not None), store.append if store is not None else None, stream
    )
    structlog.configure(
        processors=_processors(_writer),
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=True,
    )


def log_line(method: str, event: str, fields: dict[str, Any]) -> None:
    """The line `get_logger().<method>(event, **fields)` writes, without structlog's
    per-call work (copying the context, running its processors): for the request
    line, one per request. `fields` is handed over, not copied."""
    writer = _writer
    if writer is None:  # logging not configured: structlog's defaults
        getattr(get_logger(), method)(event, **fields)
        return
    fields["event"] = event
    writer.submit(method, fields)


def flush_logs() -> None:
    """Write every line logged so far (the server's shutdown, tests)."""
    if _writer is not None:
        _writer.flush()


def _processors(writer: LineWriter) -> list[Any]:
    # NOTE: context variables and the exception being handled belong to the
    # calling thread: both are taken before the line leaves it.
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.format_exc_info,
        _hand_to(writer),
    ]


def standalone_logger(fmt: LogFormat, store: LogStore | None, **context: Any) -> Any:
    """A logger rendering and storing like the configured ones, without touching
    structlog's global configuration; it writes at once, on the calling thread.

    NOTE: for the serve process, which forks the workers: a global configuration
    (and the loggers it caches on first use) would be inherited by every worker,
    which then wrote through the parent's store object instead of its own.
    """
    writer = LineWriter(
        _formatter(fmt, store is not None),
        store.append if store is not None else None,
        threaded=False,
    )
    return structlog.wrap_logger(
        structlog.PrintLogger(sys.stderr),
        processors=_processors(writer),
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        **context,
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
