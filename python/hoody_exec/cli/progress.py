"""A one-line progress display for long work (installs, the type checker's start).

On a terminal it redraws one status line on stderr, with a spinner and the time
spent, and clears it when the work ends; when stdout is not a terminal (a pipe,
a CI log) it prints nothing, so captured output holds only the results.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK_S = 0.1


class Progress:
    def __init__(
        self, label: str, *, stream: TextIO | None = None, live: bool | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.live = sys.stdout.isatty() if live is None else live
        self._label = label
        self._detail = ""
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.live:
            self._thread = threading.Thread(target=self._spin, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            with self._lock:
                self.stream.write("\r\x1b[K")
                self.stream.flush()

    def update(self, detail: str) -> None:
        """What the work is doing now (shown after the label)."""
        with self._lock:
            self._detail = detail

    def _spin(self) -> None:
        frame = 0
        while not self._stop.wait(TICK_S):
            with self._lock:
                spent = time.monotonic() - self._started
                detail = f": {self._detail}" if self._detail else ""
                line = f"{_FRAMES[frame % len(_FRAMES)]} {self._label}{detail} ({spent:.1f} s)"
                self.stream.write("\r\x1b[K" + line[: _width() - 1])
                self.stream.flush()
            frame += 1


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns
