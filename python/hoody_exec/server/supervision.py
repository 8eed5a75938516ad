"""Replacing worker processes that die: why each died, when to replace it, the record.

The serve process (Granian's main process) is the supervisor: a worker that exits
without being asked to (a SIGKILL, the kernel's OOM killer, a segfault in native
code, an uncaught error at start-up) is replaced in its slot, on the same port,
while the other workers keep serving. `cli/serving.py` wires this into Granian;
this module holds what does not depend on Granian:

- `describe_exit`: "killed by SIGKILL", "exited with status 1";
- `Backoff`: replace at once, unless the slot's workers keep dying young (a crash
  loop at start-up), then wait 1, 2, 4 … 30 s between attempts, so a script
  folder or machine that kills every new worker does not burn a core on restarts;
- `WorkersState`: `<run dir>/workers.json`, rewritten by the serve process at each
  change and read by `GET system/workers` (the workers cannot see each other).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import msgspec

WORKERS_FILE = "workers.json"

# NOTE: a worker needs a second or two to import the app and start serving; one
# that dies within STABLE_AFTER_S of its start most likely never got going (a
# crash loop), so its slot backs off. One that lived longer is replaced at once.
STABLE_AFTER_S = 10.0
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
DEATH_HISTORY = 20


def describe_exit(exitcode: int | None) -> tuple[str, str]:
    """(cause, phrase) of a process's end from its `multiprocessing` exit code:
    ("SIGKILL", "killed by SIGKILL"), ("exit 1", "exited with status 1")."""
    if exitcode is None:
        return "unknown", "ended (exit status unknown)"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        phrase = f"killed by {name}"
        if -exitcode == signal.SIGKILL:
            phrase += " (by hand or by the kernel's out-of-memory killer)"
        return name, phrase
    return f"exit {exitcode}", f"exited with status {exitcode}"


class Backoff:
    """How long each slot waits before its next replacement."""

    def __init__(self) -> None:
        self._young_deaths: dict[int, int] = {}  # slot -> deaths in a row, each young

    def after_death(self, slot: int, lived_s: float) -> float:
        """Record a death; the delay before the slot's replacement starts.

        The first young death is replaced at once as well (an OOM kill can come
        early); from the second in a row on the delay doubles up to BACKOFF_MAX_S.
        """
        if lived_s >= STABLE_AFTER_S:
            self._young_deaths[slot] = 0
            return 0.0
        streak = self._young_deaths.get(slot, 0) + 1
        self._young_deaths[slot] = streak
        if streak == 1:
            return 0.0
        return min(BACKOFF_FIRST_S * 2 ** (streak - 2), BACKOFF_MAX_S)

    def streak(self, slot: int) -> int:
        return self._young_deaths.get(slot, 0)

    def forget(self, slot: int) -> None:
        """A restart replaced the slot's worker on purpose: start counting afresh."""
        self._young_deaths.pop(slot, None)


class WorkerDeath(msgspec.Struct, kw_only=True):
    slot: int  # 1-based, as Granian names them (worker-1 …)
    pid: int
    cause: str  # "SIGKILL", "SIGSEGV", "exit 1": the metric's label
    description: str  # "killed by SIGKILL …"
    exit_code: int | None  # the process's status; negative: the signal's number
    lived_s: float
    died_at: float  # unix time the supervisor saw it
    crash_loop: bool  # died young again: its replacement was delayed
    delay_s: float  # wait before the replacement started
    replaced_by: int | None = None  # the new worker's pid, once started
    replaced_at: float | None = None


class WorkerSlot(msgspec.Struct, kw_only=True):
    slot: int
    pid: int | None  # None while a replacement waits (backing off)
    started_at: float | None
    replacements: int = 0
    next_attempt_at: float | None = None  # unix time, while backing off


class WorkersState(msgspec.Struct, kw_only=True):
    pid: int  # the serve process
    workers: list[WorkerSlot]
    replacements: int = 0
    deaths: list[WorkerDeath] = msgspec.field(default_factory=list)  # newest last

    def slot(self, slot: int) -> WorkerSlot:
        for item in self.workers:
            if item.slot == slot:
                return item
        item = WorkerSlot(slot=slot, pid=None, started_at=None)
        self.workers.append(item)
        self.workers.sort(key=lambda s: s.slot)
        return item

    def started(self, slot: int, pid: int | None) -> None:
        item = self.slot(slot)
        item.pid = pid
        item.started_at = time.time()
        item.next_attempt_at = None

    def died(self, death: WorkerDeath) -> None:
        item = self.slot(death.slot)
        item.pid = None
        item.started_at = None
        item.next_attempt_at = death.died_at + death.delay_s
        self.deaths.append(death)
        del self.deaths[:-DEATH_HISTORY]

    def replaced(self, death: WorkerDeath, pid: int | None) -> None:
        death.replaced_by = pid
        death.replaced_at = time.time()
        self.replacements += 1
        self.slot(death.slot).replacements += 1
        self.started(death.slot, pid)


_decoder = msgspec.json.Decoder(WorkersState)


def save_state(run_dir: Path, state: WorkersState) -> None:
    path = run_dir / WORKERS_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(msgspec.json.encode(state))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def load_state(run_dir: Path) -> WorkersState | None:
    """The serve process's record; None when there is none (not started by `serve`)."""
    try:
        return _decoder.decode((run_dir / WORKERS_FILE).read_bytes())
    except (FileNotFoundError, msgspec.DecodeError):
        return None
