"""Log lines formatted, redacted, stored and written off the caller's path.

NOTE: one request line per request at `standard` is on the hot path. Formatting
it (redaction, JSON for the store, the console line) and writing it (a locked
append to the store and a write to stderr per line) cost about an eighth of a
worker-mode hello request. The caller only queues the event with its time; a
thread of the writer handles what gathered in batches of up to FLUSH_AFTER_S, with
one store append and one stderr write per batch. Nothing queued is lost at a
normal exit: `flush()` runs at the server's shutdown, at interpreter exit and at
the exit of a forked worker process (multiprocessing's finalizers).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing import util as mp_util
from typing import Any

# Seconds the writer lets lines gather before handling them.
FLUSH_AFTER_S = 0.01

Event = dict[str, Any]
# (method, event, time.time() when it was logged) → (stored line or None, rendered line)
Format = Callable[[str, Event, float], tuple[bytes | None, str]]


class LineWriter:
    def __init__(
        self,
        format_line: Format,
        store: Callable[[bytes], None] | None,
        stream: Any = None,
        *,
        threaded: bool = True,
    ) -> None:
        self.format_line = format_line
        self.store = store
        self.stream = stream
        self.threaded = threaded
        self._queue: collections.deque[tuple[str, Event, float]] = collections.deque()
        self._lock = threading.Lock()  # one flush at a time, in line order
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if threaded:
            os.register_at_fork(after_in_child=self._after_fork)
            atexit.register(self.flush)

    def submit(self, method: str, event: Event) -> None:
        self._queue.append((method, event, time.time()))
        if not self.threaded:
            self.flush()
            return
        if self._thread is None:
            self._start()
        if not self._wake.is_set():
            self._wake.set()

    def flush(self) -> None:
        """Handle every queued line now (any thread)."""
        with self._lock:
            queue = self._queue
            stored: list[bytes] = []
            rendered: list[str] = []
            while queue:
                method, event, at = queue.popleft()
                try:
                    line, text = self.format_line(method, event, at)
                except Exception as error:  # a bad value must not lose the other lines
                    line, text = None, f"(a log line could not be formatted: {error!r})"
                if line is not None:
                    stored.append(line)
                rendered.append(text)
            if stored and self.store is not None:
                with contextlib.suppress(Exception):  # stderr still gets the lines
                    self.store(b"".join(stored))
            if rendered:
                stream = self.stream or sys.stderr
                with contextlib.suppress(Exception):
                    stream.write("\n".join(rendered) + "\n")
                    stream.flush()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="hoody-log", daemon=True)
            self._thread.start()
        # A forked worker process exits through multiprocessing, which runs its
        # finalizers but not atexit's handlers.
        mp_util.Finalize(self, self.flush, exitpriority=100)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(FLUSH_AFTER_S)
            self._wake.clear()
            self.flush()

    def _after_fork(self) -> None:
        # The parent's thread does not exist here, its lock may have been held, and
        # the lines it had queued are the parent's to write.
        self._queue = collections.deque()
        self._thread = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
