"""logs: list, read, stream (SSE), search, clear — the stored logs of this folder.

Every log line of every worker process (request lines, script console/log output,
server and management lines) is kept as JSON lines in `.hoody/logs/` (see
`observability/logstore.py`), redacted before it is written. Entries are named by
their position in the store (`id`, `SEQ.OFFSET`), which is also the pagination
cursor and the SSE event id.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import msgspec
import regex
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from hoody_exec.api.errors import bad_request
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation, StreamReply
from hoody_exec.observability.logquery import (
    MATCH_CHARS,
    TIME_HELP,
    Filters,
    Matcher,
    Page,
    Tail,
    head,
    iso,
    oldest_start,
    read_page,
    summaries,
    to_entry,
    to_epoch,
)
from hoody_exec.observability.logstore import LOGS_DIR, LogStore, Position, store_for

__all__ = ["OPERATIONS"]

Level = Literal["debug", "info", "warning", "error", "critical"]
Source = Literal["request", "js", "management", "server"]
POLL_S = 0.25  # how often a stream looks for new lines
REGEX_LINE_TIMEOUT_S = 0.05  # per entry; a pattern that needs longer skips the entry


TimeField = Annotated[
    float | None,
    BeforeValidator(to_epoch),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]}),
]
CURSOR = r"^\d{1,12}\.\d{1,15}$"


# ---------------------------------------------------------------- models
class LogFilter(Model):
    script: str | None = Field(
        default=None, min_length=1, description="Only lines about this script (its path)."
    )
    level: Level | None = Field(default=None, description="Minimum level.")
    source: Source | None = Field(
        default=None,
        description="request: request lines; js: console/log output of scripts; "
        "management: management API calls; server: everything else.",
    )
    request_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="The x-request-id of a request."
    )
    since: TimeField = Field(default=None, description=f"From this time on. {TIME_HELP}")


class ReadLogs(LogFilter):
    until: TimeField = Field(default=None, description=f"Up to this time. {TIME_HELP}")
    order: Literal["newest", "oldest"] = Field(
        default="newest",
        description="newest: latest entries first (next_cursor pages back in time); "
        "oldest: oldest first (next_cursor continues forward, also for lines written later).",
    )
    limit: int = Field(default=100, ge=1, le=1000, description="Entries per page.")
    cursor: str | None = Field(
        default=None,
        pattern=CURSOR,
        description="next_cursor of the previous page (same filters and order).",
    )

    @model_validator(mode="after")
    def _range(self) -> ReadLogs:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("`since` is after `until`")
        return self


class SearchLogs(ReadLogs):
    query: str = Field(min_length=1, max_length=1000, description="Text, or a regular expression.")
    regex: bool = Field(default=False, description="`query` is a regular expression.")
    case_sensitive: bool = False


class StreamLogs(LogFilter):
    last_event_id: str | None = Field(
        default=None,
        pattern=CURSOR,
        description="Resume after this event id (what the Last-Event-ID header carries).",
    )
    heartbeat_s: float = Field(
        default=15, ge=1, le=300, description="Seconds between heartbeat comments when idle."
    )


class ClearLogs(Model):
    script: str | None = Field(
        default=None, min_length=1, description="Only this script's lines; all lines by default."
    )
    before: TimeField = Field(default=None, description=f"Only lines older than this. {TIME_HELP}")


class LogEntry(Out):
    id: str = Field(description="Position in the store (SEQ.OFFSET); also an SSE event id.")
    timestamp: str = Field(description="UTC, ISO-8601 with microseconds.")
    level: str
    source: str
    message: str
    script: str | None = None
    request_id: str | None = None
    pid: int | None = Field(default=None, description="The worker process that wrote it.")
    fields: dict[str, Any] = Field(description="Every other field of the line.")


class LogPage(Out):
    entries: list[LogEntry]
    count: int
    order: Literal["newest", "oldest"]
    next_cursor: str | None = Field(
        description="Where the next page starts; null (newest first) when nothing is left."
    )
    more: bool = Field(description="The scan stopped early (page full or time budget).")
    scanned: int = Field(description="Lines looked at.")


class SearchResult(LogPage):
    query: str
    regex: bool
    gave_up: int = Field(description="Entries the regular expression took too long on.")


class LogFile(Out):
    name: str
    size: int
    lines: int
    first: str | None
    last: str | None
    active: bool = Field(description="The file being written.")


class ScriptLogs(Out):
    script: str
    entries: int
    errors: int = Field(description="Entries at level error or above.")
    last: str | None


class LogList(Out):
    folder: str = Field(description="Where the logs are, relative to the scripts folder.")
    files: list[LogFile]
    total_bytes: int
    total_lines: int
    max_bytes: int = Field(description="Size cap (serve --log-max-size).")
    max_files: int = Field(description="Files kept (serve --log-files).")
    first: str | None
    last: str | None
    levels: dict[str, int]
    scripts: list[ScriptLogs]


class ClearResult(Out):
    removed_lines: int
    removed_bytes: int
    removed_files: int
    script: str | None
    before: str | None


# ---------------------------------------------------------------- handlers
def _store(ctx: Context) -> LogStore:
    config = ctx.app.config
    return store_for(ctx.root, max_bytes=config.log_max_mb * 1024 * 1024, files=config.log_files)


def _filters(body: LogFilter, until: float | None = None) -> Filters:
    return Filters(
        script=body.script,
        level=body.level,
        source=body.source,
        request_id=body.request_id,
        since=body.since,
        until=until,
    )


def _entry(data: dict[str, Any]) -> LogEntry:
    for key in ("script", "request_id"):
        if not isinstance(data[key], str):
            data[key] = None
    if not isinstance(data["pid"], int):
        data["pid"] = None
    return LogEntry.model_validate(data)


async def list_logs(ctx: Context, _: NoInput) -> LogList:
    store = _store(ctx)
    found = await asyncio.to_thread(summaries, store)
    files: list[LogFile] = []
    levels: dict[str, int] = {}
    scripts: dict[str, ScriptLogs] = {}
    for i, (seq, size, summary) in enumerate(found):
        files.append(
            LogFile(
                name=store.path(seq).name,
                size=size,
                lines=summary.lines,
                first=summary.first,
                last=summary.last,
                active=i == len(found) - 1,
            )
        )
        for level, count in summary.levels.items():
            levels[level] = levels.get(level, 0) + count
        for script, counts in summary.scripts.items():
            total = scripts.setdefault(
                script, ScriptLogs(script=script, entries=0, errors=0, last=None)
            )
            total.entries += counts.entries
            total.errors += counts.errors
            total.last = max(total.last or "", counts.last) or None
    firsts = [f.first for f in files if f.first]
    lasts = [f.last for f in files if f.last]
    return LogList(
        folder=f".hoody/{LOGS_DIR}",
        files=files,
        total_bytes=sum(f.size for f in files),
        total_lines=sum(f.lines for f in files),
        max_bytes=store.max_bytes,
        max_files=store.files,
        first=min(firsts) if firsts else None,
        last=max(lasts) if lasts else None,
        levels=levels,
        scripts=sorted(scripts.values(), key=lambda s: s.script),
    )


def _page(page: Page, order: Literal["newest", "oldest"]) -> dict[str, Any]:
    return {
        "entries": [_entry(e) for e in page.entries],
        "count": len(page.entries),
        "order": order,
        "next_cursor": page.next_cursor,
        "more": page.more,
        "scanned": page.scanned,
    }


def _cursor(text: str | None) -> Position | None:
    return None if text is None else Position.parse(text)


async def read_logs(ctx: Context, body: ReadLogs) -> LogPage:
    page = await asyncio.to_thread(
        read_page,
        _store(ctx),
        _filters(body, body.until),
        order=body.order,
        limit=body.limit,
        cursor=_cursor(body.cursor),
    )
    return LogPage(**_page(page, body.order))


def _matcher(body: SearchLogs) -> tuple[Matcher, Any]:
    """The entry test and a cheap test of the raw line (or None)."""
    if body.regex:
        flags = 0 if body.case_sensitive else regex.IGNORECASE
        try:
            pattern = regex.compile(body.query, flags)
        except regex.error as error:
            raise bad_request(
                "invalid_regex",
                f"the regular expression is invalid: {error}",
                {"position": getattr(error, "pos", None)},
            ) from None

        def by_regex(text: str, _: bytes) -> bool | None:
            # NOTE: Python's own `re` cannot be interrupted, so one catastrophic
            # pattern could hold a worker for hours; `regex` takes a timeout and
            # releases the GIL while it matches.
            try:
                return (
                    pattern.search(text, timeout=REGEX_LINE_TIMEOUT_S, concurrent=True) is not None
                )
            except TimeoutError:
                return None

        return by_regex, None
    needle = body.query if body.case_sensitive else body.query.casefold()
    raw_needle: bytes | None = None
    # Where the needle is printable ASCII and cannot span the `key=value` text the
    # entry is rendered as, it must appear in the raw JSON line as it is.
    if needle.isascii() and needle.isprintable() and not set(needle) & set('"\\= '):
        raw_needle = needle.encode()

    def by_text(text: str, _: bytes) -> bool:
        return needle in (text if body.case_sensitive else text.casefold())

    def prefilter(raw: bytes) -> bool:
        assert raw_needle is not None
        return raw_needle in (raw if body.case_sensitive else raw.lower())

    return by_text, prefilter if raw_needle is not None else None


async def search_logs(ctx: Context, body: SearchLogs) -> SearchResult:
    matcher, prefilter = _matcher(body)
    page = await asyncio.to_thread(
        read_page,
        _store(ctx),
        _filters(body, body.until),
        order=body.order,
        limit=body.limit,
        cursor=_cursor(body.cursor),
        matcher=matcher,
        prefilter=prefilter,
    )
    return SearchResult(
        **_page(page, body.order), query=body.query, regex=body.regex, gave_up=page.gave_up
    )


_sse_json = msgspec.json.Encoder(enc_hook=repr)
_decode = msgspec.json.Decoder(dict[str, Any])


async def stream_logs(ctx: Context, body: StreamLogs) -> StreamReply:
    store = _store(ctx)
    filters = _filters(body)
    if body.last_event_id is not None:
        start = await asyncio.to_thread(store.clamp, Position.parse(body.last_event_id))
    elif body.since is not None:
        start = await asyncio.to_thread(oldest_start, store, filters)
    else:
        start = await asyncio.to_thread(store.end)
    return StreamReply(_events(store, filters, start, body.heartbeat_s))


async def _events(
    store: LogStore, filters: Filters, start: Position, heartbeat_s: float
) -> AsyncIterator[bytes]:
    """`text/event-stream`: one `log` event per matching line, from any worker."""
    tail = Tail(store, start)
    yield f"retry: 2000\n: hoody-exec log stream from {start}\n\n".encode()
    quiet_since = time.monotonic()
    while True:
        lines = await asyncio.to_thread(tail.poll)
        events: list[bytes] = []
        for line in lines:
            if not filters.quick(line.raw):
                continue
            found = head(line.raw)
            if found is None or not filters.matches(found):
                continue
            entry = _entry(to_entry(line, _decode.decode(line.raw)))
            data = _sse_json.encode(entry.model_dump(mode="json"))
            events.append(b"id: %s\nevent: log\ndata: %s\n\n" % (entry.id.encode(), data))
        now = time.monotonic()
        if events:
            yield b"".join(events)
            quiet_since = now
        elif now - quiet_since >= heartbeat_s:
            yield f": heartbeat {iso(time.time())}\n\n".encode()
            quiet_since = now
        if len(lines) < Tail.BATCH:
            await asyncio.sleep(POLL_S)


async def clear_logs(ctx: Context, body: ClearLogs) -> ClearResult:
    script, before = body.script, body.before
    keep = None
    if script is not None or before is not None:
        bound = None if before is None else iso(before)

        def keep(raw: bytes) -> bool:
            found = head(raw)
            if found is None:
                return True
            if script is not None and found.script != script:
                return True
            return not (
                bound is None or (isinstance(found.timestamp, str) and found.timestamp < bound)
            )

    files, lines, freed = await asyncio.to_thread(_store(ctx).clear, keep)
    return ClearResult(
        removed_lines=lines,
        removed_bytes=freed,
        removed_files=files,
        script=script,
        before=None if before is None else iso(before),
    )


_FILTERS_DOC = (
    "Filters: script (exact path), level (minimum: debug < info < warning < error < "
    "critical), source, request_id, since/until (ISO-8601, epoch seconds or 15m/2h/1d ago)."
)

OPERATIONS = (
    Operation(
        "GET",
        "/logs/list",
        "logs",
        "What is stored: files with sizes and time spans, levels, scripts with entries",
        NoInput,
        LogList,
        list_logs,
        errors=(401,),
    ),
    Operation(
        "GET",
        "/logs/read",
        "logs",
        "Read stored log entries, filtered and paginated",
        ReadLogs,
        LogPage,
        read_logs,
        description=f"{_FILTERS_DOC} Newest first by default; pass next_cursor as cursor "
        "for the next page (no duplicates, no gaps). A page scans for at most 2 s.",
    ),
    Operation(
        "GET",
        "/logs/stream",
        "logs",
        "Live tail of the stored logs as Server-Sent Events",
        StreamLogs,
        None,
        stream_logs,
        media_type="text/event-stream",
        description="Each matching line is an event `log` whose `data` is the entry JSON "
        "and whose `id` can resume the stream (last_event_id). Lines of every worker "
        f"process; a comment every heartbeat_s seconds when idle. {_FILTERS_DOC}",
    ),
    Operation(
        "POST",
        "/logs/search",
        "logs",
        "Search stored logs for text or a regular expression",
        SearchLogs,
        SearchResult,
        search_logs,
        description="Matches the message and `key=value` text of each entry (first "
        f"{MATCH_CHARS} characters). An invalid regular expression is 400 invalid_regex; "
        f"a pattern taking over {int(REGEX_LINE_TIMEOUT_S * 1000)} ms on one entry skips it "
        f"(counted in gave_up). Same filters and paging as logs/read.",
    ),
    Operation(
        "DELETE",
        "/logs/clear",
        "logs",
        "Delete stored logs: everything, one script's lines, or lines before a time",
        ClearLogs,
        ClearResult,
        clear_logs,
        description="Writers carry on in a new file; older files are deleted or "
        "rewritten without the removed lines.",
    ),
)
