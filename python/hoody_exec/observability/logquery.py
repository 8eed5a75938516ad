"""Reading the log store: filters, pages, search, summaries and a live tail.

Every function here does blocking file I/O: the API runs them in a thread.
Lines are ordered by when they were written; lines from several worker processes
can be out of timestamp order by the few microseconds between rendering and
writing, so time bounds stop a scan only `TIME_SLACK_S` past them.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

from hoody_exec.observability.logstore import Line, LogStore, Position

LEVEL_RANK = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
TIME_SLACK_S = 5.0
SCAN_BUDGET_S = 2.0  # a page stops here (with a cursor to go on), whatever it found
MATCH_CHARS = 16 * 1024  # of an entry's text that search looks at
Order = Literal["newest", "oldest"]


def iso(ts: float) -> str:
    """The stored timestamp format (fixed width, so strings compare like times)."""
    whole = int(ts // 1)
    micros = round((ts - whole) * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micros:06d}Z"


def epoch(stamp: str) -> float:
    parsed = datetime.fromisoformat(stamp)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LATEST = 253402300799.0  # 9999-12-31T23:59:59Z
TIME_HELP = (
    "ISO-8601 (2026-11-29T08:00:00Z; no zone means UTC), Unix epoch seconds, or a "
    "duration ago (30s, 15m, 2h, 1d)."
)


def to_epoch(value: Any) -> float | None:
    """since/until/before: ISO-8601, epoch seconds or `15m` ago → epoch seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {TIME_HELP}")
    if isinstance(value, int | float):
        ts = float(value)
    elif isinstance(value, str):
        text = value.strip()
        ago = _AGO.match(text)
        if ago is not None:
            ts = time.time() - float(ago[1]) * _UNITS[ago[2]]
        else:
            try:
                ts = float(text)
            except ValueError:
                try:
                    parsed = datetime.fromisoformat(text)
                except ValueError:
                    raise ValueError(f"not a time: {TIME_HELP}") from None
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=UTC)
                ts = parsed.timestamp()
    else:
        raise ValueError(f"not a time: {TIME_HELP}")
    if not math.isfinite(ts) or not 0 <= ts <= _LATEST:
        raise ValueError("the time is out of range (1970 to 9999)")
    return ts


class _Head(msgspec.Struct):
    """The fields a filter looks at; msgspec skips the rest of the line unread."""

    timestamp: Any = ""
    level: Any = "info"
    source: Any = "server"
    script: Any = None
    request_id: Any = None


_head = msgspec.json.Decoder(_Head)
_full = msgspec.json.Decoder(dict[str, Any])
_encode = msgspec.json.Encoder(enc_hook=repr)


def head(raw: bytes) -> _Head | None:
    try:
        return _head.decode(raw)
    except msgspec.DecodeError:
        return None  # not JSON (a hand edit, a torn line after a crash): skipped


@dataclass(frozen=True)
class Filters:
    script: str | None = None
    level: str | None = None  # minimum
    source: str | None = None
    request_id: str | None = None
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # inclusive
    _needles: tuple[bytes, ...] = field(init=False, default=())
    _bounds: tuple[str | None, str | None, str | None, str | None] = field(
        init=False, default=(None, None, None, None)
    )

    def __post_init__(self) -> None:
        needles = tuple(_encode.encode(v) for v in (self.script, self.request_id) if v is not None)
        object.__setattr__(self, "_needles", needles)
        since, until = self.since, self.until
        object.__setattr__(
            self,
            "_bounds",
            (
                None if since is None else iso(since),
                None if until is None else iso(until),
                None if since is None else iso(max(since - TIME_SLACK_S, 0)),
                None if until is None else iso(until + TIME_SLACK_S),
            ),
        )

    def quick(self, raw: bytes) -> bool:
        """A cheap look at the raw line before it is decoded."""
        return all(needle in raw for needle in self._needles)

    def matches(self, entry: _Head) -> bool:
        if self.script is not None and entry.script != self.script:
            return False
        if self.request_id is not None and entry.request_id != self.request_id:
            return False
        if self.source is not None and entry.source != self.source:
            return False
        if self.level is not None and LEVEL_RANK.get(entry.level, 20) < LEVEL_RANK[self.level]:
            return False
        since, until, _, _ = self._bounds
        stamp = entry.timestamp if isinstance(entry.timestamp, str) else ""
        if since is not None and stamp < since:
            return False
        return not (until is not None and stamp > until)

    def before_range(self, entry: _Head) -> bool:
        """Older than `since` by more than the slack: a newest-first scan may stop."""
        bound = self._bounds[2]
        return bound is not None and isinstance(entry.timestamp, str) and entry.timestamp < bound

    def after_range(self, entry: _Head) -> bool:
        bound = self._bounds[3]
        return bound is not None and isinstance(entry.timestamp, str) and entry.timestamp > bound


def entry_text(data: dict[str, Any]) -> str:
    """What search looks at: the message and `key=value` for each field."""
    parts = [str(data.get("event", ""))]
    for key, value in data.items():
        if key in ("event", "timestamp", "pid"):
            continue
        shown = value if isinstance(value, str) else _encode.encode(value).decode()
        parts.append(f"{key}={shown}")
    return " ".join(parts)[:MATCH_CHARS]


def to_entry(line: Line, data: dict[str, Any]) -> dict[str, Any]:
    """A stored line as the API shows it; `id` is the position just after it."""
    known = {k: data.pop(k, None) for k in ("timestamp", "level", "source", "event")}
    return {
        "id": str(line.end),
        "timestamp": known["timestamp"] or "",
        "level": known["level"] or "info",
        "source": known["source"] or "server",
        "message": known["event"] if isinstance(known["event"], str) else str(known["event"]),
        "script": data.pop("script", None),
        "request_id": data.pop("request_id", None),
        "pid": data.pop("pid", None),
        "fields": data,
    }


# A matcher sees an entry's text: True/False, or None when it gave up (time limit).
Matcher = Callable[[str, bytes], bool | None]


@dataclass
class Page:
    entries: list[dict[str, Any]]
    next_cursor: str | None
    more: bool
    scanned: int
    gave_up: int = 0  # lines the matcher gave up on


def oldest_start(store: LogStore, filters: Filters) -> Position:
    """Skip whole segments that end before `since`."""
    start = store.start()
    if filters.since is None:
        return start
    for seq in store.segments():
        raw = store.first_line(seq)
        first = head(raw) if raw is not None else None
        if first is None:
            continue
        if filters.before_range(first):
            start = Position(seq, 0)
        else:
            break
    return start


def read_page(
    store: LogStore,
    filters: Filters,
    *,
    order: Order = "newest",
    limit: int = 100,
    cursor: Position | None = None,
    matcher: Matcher | None = None,
    prefilter: Callable[[bytes], bool] | None = None,
    budget_s: float = SCAN_BUDGET_S,
) -> Page:
    """One page of matching entries and where the next page starts.

    newest first: `next_cursor` is null once the oldest line was scanned.
    oldest first: `next_cursor` is always the place to go on from (lines written
    later appear there), `more` says whether the scan stopped before the end.
    """
    deadline = time.monotonic() + budget_s
    entries: list[dict[str, Any]] = []
    scanned = gave_up = 0
    newest = order == "newest"
    if cursor is not None and not newest:
        cursor = store.clamp(cursor)
    start = cursor if cursor is not None or newest else oldest_start(store, filters)
    lines = store.backward(start) if newest else store.forward(start)
    last_end: Position | None = None
    for line in lines:
        if scanned % 256 == 0 and scanned and time.monotonic() > deadline:
            return Page(entries, str(line.end if newest else line.start), True, scanned, gave_up)
        scanned += 1
        last_end = line.end
        if not filters.quick(line.raw) or (prefilter is not None and not prefilter(line.raw)):
            continue
        found = head(line.raw)
        if found is None:
            continue
        if newest and filters.before_range(found):
            return Page(entries, None, False, scanned, gave_up)
        if not newest and filters.after_range(found):
            return Page(entries, str(line.start), False, scanned, gave_up)
        if not filters.matches(found):
            continue
        data = _full.decode(line.raw)
        if matcher is not None:
            verdict = matcher(entry_text(data), line.raw)
            if verdict is None:
                gave_up += 1
            if not verdict:
                continue
        entries.append(to_entry(line, data))
        if len(entries) >= limit:
            return Page(entries, str(line.start if newest else line.end), True, scanned, gave_up)
    if newest:
        return Page(entries, None, False, scanned, gave_up)
    end = last_end or start or store.start()
    return Page(entries, str(end), False, scanned, gave_up)


# ---------------------------------------------------------------- summaries
@dataclass
class ScriptCounts:
    entries: int = 0
    errors: int = 0
    last: str = ""


@dataclass
class SegmentSummary:
    inode: int
    scanned_to: int = 0
    lines: int = 0
    first: str | None = None
    last: str | None = None
    levels: Counter[str] = field(default_factory=Counter)
    scripts: dict[str, ScriptCounts] = field(default_factory=dict)


_summaries: dict[tuple[Path, int], SegmentSummary] = {}


def summaries(store: LogStore) -> list[tuple[int, int, SegmentSummary]]:
    """(seq, size, summary) of each segment; finished parts are remembered, so a
    second call only reads what was written since."""
    out = []
    infos = store.infos()
    live = {(store.folder, i.seq) for i in infos}
    for key in [k for k in _summaries if k[0] == store.folder and k not in live]:
        del _summaries[key]
    for info in infos:
        key = (store.folder, info.seq)
        summary = _summaries.get(key)
        if summary is None or summary.inode != info.inode or summary.scanned_to > info.size:
            summary = _summaries[key] = SegmentSummary(info.inode)
        if summary.scanned_to < info.size:
            for line in store.segment_lines(info.seq, summary.scanned_to):
                summary.scanned_to = line.end.offset
                found = head(line.raw)
                if found is None:
                    continue
                summary.lines += 1
                stamp = found.timestamp if isinstance(found.timestamp, str) else ""
                if stamp and (summary.first is None or stamp < summary.first):
                    summary.first = stamp
                if stamp and (summary.last is None or stamp > summary.last):
                    summary.last = stamp
                level = found.level if isinstance(found.level, str) else "info"
                summary.levels[level] += 1
                if isinstance(found.script, str):
                    counts = summary.scripts.setdefault(found.script, ScriptCounts())
                    counts.entries += 1
                    counts.errors += LEVEL_RANK.get(level, 20) >= LEVEL_RANK["error"]
                    counts.last = max(counts.last, stamp)
        out.append((info.seq, info.size, summary))
    return out


# ---------------------------------------------------------------- live tail
class Tail:
    """New lines from `position` on, as they are written by any worker process."""

    BATCH = 1000

    def __init__(self, store: LogStore, position: Position) -> None:
        self.store = store
        self.position = position

    def poll(self) -> list[Line]:
        lines = list(itertools.islice(self.store.forward(self.position), self.BATCH))
        if lines:
            self.position = lines[-1].end
        self.position = self.store.advance(self.position)
        return lines
