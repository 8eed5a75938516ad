"""The scheduler of one worker process: finds `@schedule` scripts, wakes for their
ticks, claims each tick through the store (one run per tick for the folder) and
runs the script with a synthetic `SCHEDULE` request.

Every worker process of every server on the folder runs one; the store's lock
decides which of them runs a tick. Missed ticks (the server was down, or the
process was too busy to wake) are not replayed: the next tick is the next one
after now.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hoody_exec.observability import get_logger
from hoody_exec.runtime.loader import StatSignature, stat_signature
from hoody_exec.schedules import cron
from hoody_exec.schedules.runs import prepare_manual, run_manual, run_tick
from hoody_exec.schedules.scan import Problem, read_schedule
from hoody_exec.schedules.store import RunRecord, ScheduleStore
from hoody_exec.scripts.magic import Schedule

if TYPE_CHECKING:
    from hoody_exec.server.app import HoodyApp

log = get_logger("hoody_exec.schedules")
T = TypeVar("T")

# NOTE: besides file events, the scheduler re-checks its scripts' files this often,
# so a process without a watcher (or one another process's API write did not
# reach) still follows changes; a stat per script.
REFRESH_S = 5.0
# The longest single sleep: wall-clock jumps (NTP, a suspended VM) are caught up.
MAX_SLEEP_S = 30.0


@dataclass
class Entry:
    file: str
    schedule: Schedule
    due: datetime  # the next tick


class Scheduler:
    def __init__(self, app: HoodyApp) -> None:
        self.app = app
        self.store = ScheduleStore(app.root)
        self.entries: dict[str, Entry] = {}
        self.problems: dict[str, list[Problem]] = {}
        self._seen: dict[str, StatSignature | None] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._runs: set[asyncio.Task[Any]] = set()
        self._refreshed = 0.0

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._runs) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # ------------------------------------------------------------ scripts
    def refresh(self, *, force: bool = False) -> None:
        """Re-read the scripts whose file changed (all of them with `force`)."""
        self._refreshed = time.monotonic()
        table = self.app.routes.table
        files = {route.file for route in table.routes if not route.outside}
        for gone in [f for f in self._seen if f not in files]:
            self._forget(gone)
        for file in files:
            signature = stat_signature(str(self.app.root / file))
            if force or file not in self._seen or self._seen[file] != signature:
                self._seen[file] = signature
                self._read(file)

    def _forget(self, file: str) -> None:
        self._seen.pop(file, None)
        self.problems.pop(file, None)
        if self.entries.pop(file, None) is not None:
            log.info("schedule removed", script=file)

    def _read(self, file: str) -> None:
        found = read_schedule(self.app.root, file, self.app.runtime.loader.env)
        if isinstance(found, list):
            self.problems[file] = found
            found = None
        else:
            self.problems.pop(file, None)
        old = self.entries.get(file)
        if found is None:
            if old is not None:
                del self.entries[file]
                log.info("schedule removed", script=file)
            return
        if old is not None and old.schedule == found:
            return
        entry = self.entries[file] = Entry(file, found, cron.next_run(found, cron.now()))
        log.info(
            "schedule set",
            script=file,
            expression=found.expression,
            zone=cron.zone_of(found),
            next_run=cron.iso(entry.due),
        )
        self._wake.set()

    def on_changes(self, paths: set[Path]) -> None:
        """File events: re-read the changed scripts now."""
        del paths  # the route table was rebuilt first; the stat signatures tell
        self.refresh()
        self._wake.set()

    # ------------------------------------------------------------ the clock
    async def _loop(self) -> None:
        while True:
            try:
                await self._sleep()
                if time.monotonic() - self._refreshed >= REFRESH_S:
                    self.refresh()
                self._fire_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the clock must keep going whatever one tick did
                log.exception("scheduler tick failed")
                await asyncio.sleep(1)

    async def _sleep(self) -> None:
        now = cron.now()
        soonest = min((e.due for e in self.entries.values()), default=None)
        delay = MAX_SLEEP_S if soonest is None else (soonest - now).total_seconds()
        delay = max(0.0, min(delay, MAX_SLEEP_S, REFRESH_S))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._wake.wait()

    def _fire_due(self) -> None:
        now = cron.now()
        for entry in list(self.entries.values()):
            if entry.due > now:
                continue
            tick = entry.due
            entry.due = cron.next_run(entry.schedule, max(tick, now))
            self._claim(entry, tick)

    def _claim(self, entry: Entry, tick: datetime) -> None:
        # Every process wakes for the tick; the store lets one of them run it.
        self._track(run_tick(self.app, self.store, entry.file, entry.schedule, tick))

    # ------------------------------------------------------------ runs
    def trigger(self, file: str) -> tuple[str, asyncio.Task[RunRecord]]:
        """Run `file` now (schedules/trigger): its run id and the task running it.
        KeyError if it has no schedule, NotRoutable if it is not served."""
        entry = self.entries[file]
        synthetic = prepare_manual(self.app, file, entry.schedule)
        task = self._track(run_manual(self.app, self.store, synthetic, file, entry.schedule))
        return synthetic.rid, task

    def _track(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(work)
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)
        return task
