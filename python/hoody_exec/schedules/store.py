"""What the scheduler keeps under `.hoody/schedules/`: who runs each tick, and the runs.

- `state/<key>.json`: per script, the last tick claimed and the runs in progress,
  read and written under an exclusive `flock` on `state/<key>.lock`. Every
  process of every server on the folder wakes for a tick; the first to take the
  lock claims it, the others find it taken. That is what makes each tick run
  exactly once per folder on one host (a later issue moves the lock to Redis).
- `history/<key>/<started>-<run id>.json`: one file per run, written atomically
  (temporary file, then rename), the oldest removed past MAX_RUNS per script.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec

from hoody_exec.api.files import atomic_write

SCHEDULES_DIR = Path(".hoody") / "schedules"
MAX_RUNS = 200  # history files kept per script
BODY_LIMIT = 64 * 1024  # bytes of a run's answer kept in its history entry

Outcome = Literal["ok", "error", "timeout", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("ok", "error", "timeout", "skipped")
Trigger = Literal["schedule", "manual"]
Claim = Literal["run", "skipped", "taken"]


class RunRecord(msgspec.Struct, kw_only=True):
    """One run (or skipped tick) as the history keeps it."""

    run_id: str
    script: str
    expression: str
    zone: str
    trigger: Trigger
    scheduled_at: str | None  # ISO (UTC); None for a manual run
    started_at: str | None  # None for a skipped tick
    duration_ms: float | None
    outcome: Outcome
    status: int | None
    body: str | None = None  # the first BODY_LIMIT bytes (UTF-8, replaced if binary)
    body_truncated: bool = False
    error: dict[str, Any] | None = None  # the error JSON (message, TypeScript line)
    lateness_ms: float | None = None  # start minus scheduled time
    pid: int | None = None


def script_key(script: str) -> str:
    """A file name for `script`: readable, and unique through a digest."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", script)[:60]
    digest = hashlib.sha256(script.encode()).hexdigest()[:12]
    return f"{readable}-{digest}"


def _alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return True  # not ours to check: trust it until it finishes
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class ScheduleStore:
    root: Path

    @property
    def base(self) -> Path:
        return self.root / SCHEDULES_DIR

    # ------------------------------------------------------------ claims
    @contextlib.contextmanager
    def _locked(self, script: str) -> Iterator[tuple[Path, dict[str, Any]]]:
        state_dir = self.base / "state"
        state_dir.mkdir(parents=True, exist_ok=True)
        key = script_key(script)
        with open(state_dir / f"{key}.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                path = state_dir / f"{key}.json"
                try:
                    state = json.loads(path.read_bytes())
                except (OSError, ValueError):
                    state = {}
                yield path, state
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def claim(self, script: str, tick: float, run_id: str, *, manual: bool = False) -> Claim:
        """Claim the tick at `tick` (UNIX seconds) for `run_id`.

        "taken": another process claimed it first; "skipped": ours, but a run of
        the script is still in progress; "run": ours to run (call `finished` after).
        A manual run never skips and claims no tick.
        """
        with self._locked(script) as (path, state):
            running = {
                rid: item
                for rid, item in state.get("running", {}).items()
                if _alive(item["pid"], item["host"])
            }
            if not manual:
                if state.get("last_tick", 0.0) >= tick:
                    return "taken"
                state["last_tick"] = tick
            outcome: Claim = "skipped" if running and not manual else "run"
            if outcome == "run":
                running[run_id] = {"pid": os.getpid(), "host": socket.gethostname()}
            state["running"] = running
            atomic_write(path, json.dumps(state).encode())
            return outcome

    def finished(self, script: str, run_id: str) -> None:
        with self._locked(script) as (path, state):
            running = state.get("running", {})
            if running.pop(run_id, None) is not None:
                atomic_write(path, json.dumps(state).encode())

    def running(self, script: str) -> list[str]:
        """Run ids of the script's runs in progress (any process)."""
        with self._locked(script) as (_, state):
            return [
                rid
                for rid, item in state.get("running", {}).items()
                if _alive(item["pid"], item["host"])
            ]

    # ------------------------------------------------------------ history
    def record(self, run: RunRecord) -> None:
        folder = self.base / "history" / script_key(run.script)
        stamp = (run.started_at or run.scheduled_at or "").replace(":", "")
        atomic_write(folder / f"{stamp}-{run.run_id}.json", msgspec.json.encode(run))
        files = sorted(p for p in folder.glob("*.json"))
        for old in files[: max(len(files) - MAX_RUNS, 0)]:
            with contextlib.suppress(OSError):
                old.unlink()

    def history(self, script: str | None = None) -> list[RunRecord]:
        """Runs, newest first (of one script, or of all)."""
        base = self.base / "history"
        folders = [base / script_key(script)] if script is not None else _folders(base)
        found: list[RunRecord] = []
        for folder in folders:
            for path in folder.glob("*.json"):
                try:
                    found.append(msgspec.json.decode(path.read_bytes(), type=RunRecord))
                except (OSError, msgspec.DecodeError):
                    continue  # removed by rotation while we listed, or not ours
        found.sort(key=lambda r: r.started_at or r.scheduled_at or "", reverse=True)
        return found

    def last(self, script: str) -> RunRecord | None:
        folder = self.base / "history" / script_key(script)
        for path in sorted(folder.glob("*.json"), reverse=True):
            try:
                return msgspec.json.decode(path.read_bytes(), type=RunRecord)
            except (OSError, msgspec.DecodeError):
                continue
        return None


def _folders(base: Path) -> list[Path]:
    try:
        return [p for p in base.iterdir() if p.is_dir()]
    except OSError:
        return []
