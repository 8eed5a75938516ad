"""`cache/clear` across worker processes: a small file of clear events.

Every worker process has its own bundles and isolates. The process that answers
`cache/clear` clears its own at once and appends an event (a sequence number and
the script, or null for everything) to `cache_clear.json` in the server's run
folder; every process compares that file's identity (inode, mtime) with the
last one it saw at the start of each script request (one stat(), as the loader
does for every input) and applies the events it has not seen yet.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hoody_exec.observability import get_logger
from hoody_exec.runtime.engine import Runtime

log = get_logger("hoody_exec.cache")

EVENTS_FILE = "cache_clear.json"
LOCK_FILE = "cache_clear.lock"
KEPT_EVENTS = 100

_Signature = tuple[int, int] | None


class ClearSignal:
    def __init__(self, run_dir: Path, runtime: Runtime, *, processes: int = 1) -> None:
        self.path = run_dir / EVENTS_FILE
        self._spath = str(self.path)  # os.stat() of a str skips the Path conversion
        # A single worker process has nobody to hear from: no stat per request.
        self.shared = processes > 1
        self.lock_path = run_dir / LOCK_FILE
        self.runtime = runtime
        self.pid = os.getpid()
        # NOTE: the file exists from the start because a stat() that fails costs
        # several times one that succeeds (the exception), on every request.
        if not self.path.exists():
            with self._locked():
                if not self.path.exists():
                    self._write({"seq": 0, "at": time.time(), "events": []})
        self._signature = self._stat()
        # Events from before this process started concern caches it never had.
        self._seq = int(self._read().get("seq", 0))

    def poll(self) -> None:
        """Apply clear events of other processes (cheap when there are none)."""
        if not self.shared:
            return
        signature = self._stat()
        if signature == self._signature:
            return
        self._signature = signature
        self._apply(self._read())

    def announce(self, file: str | None) -> int:
        """Record a clear this process has just done; its sequence number."""
        with self._locked():
            data = self._read()
            self._apply(data)  # others' events first: ours must not hide them
            seq = int(data.get("seq", 0)) + 1
            events = [*data.get("events", []), {"seq": seq, "path": file, "pid": self.pid}]
            self._write({"seq": seq, "at": time.time(), "events": events[-KEPT_EVENTS:]})
        self._seq = seq
        self._signature = self._stat()
        return seq

    def _apply(self, data: dict[str, Any]) -> None:
        events = [e for e in data.get("events", []) if int(e.get("seq", 0)) > self._seq]
        if not events:
            self._seq = max(self._seq, int(data.get("seq", 0)))
            return
        if int(events[0]["seq"]) > self._seq + 1:
            # Missed events that were dropped from the file: clear everything.
            events = [{"seq": data["seq"], "path": None, "pid": 0}]
        for event in events:
            if event.get("pid") != self.pid:
                cleared = self.runtime.clear_cache(event.get("path"))
                log.info(
                    "cache cleared by another worker process",
                    script=event.get("path"),
                    by_pid=event.get("pid"),
                    bundles=len(cleared.bundles),
                    worker_isolates=len(cleared.worker_isolates),
                )
        self._seq = max(self._seq, int(data.get("seq", 0)))

    def _write(self, body: dict[str, Any]) -> None:
        # Replaced whole (new inode), so a reader sees the old file or the new one.
        tmp = self.path.with_name(f".{EVENTS_FILE}.{self.pid}.tmp")
        tmp.write_text(json.dumps(body))
        os.replace(tmp, self.path)

    def _stat(self) -> _Signature:
        try:
            st = os.stat(self._spath)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
