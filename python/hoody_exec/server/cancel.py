"""Cancelling a request that runs in another worker process: one file per cancel.

The process answering `monitor/cancel-request` finds the request in another
process's in-flight table (`active_<pid>.json`) and creates
`cancel_<pid>/<request id>` in the server's run folder; the owning process looks
into its folder every POLL_S while it has requests in flight, removes what it
finds and stops those requests. Creating a file is atomic, so no lock is needed,
and a request that ended meanwhile just leaves an entry that is removed unused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from hoody_exec.observability import get_logger

log = get_logger("hoody_exec.server")

POLL_S = 0.1

# The request id (secrets.token_hex(8)) doubles as a file name: checked before use.
RID_PATTERN = r"^[0-9a-f]{16}$"


def _folder(run_dir: Path, pid: int) -> Path:
    return run_dir / f"cancel_{pid}"


def request_cancel(run_dir: Path, pid: int, rid: str) -> None:
    """Ask process `pid` to cancel its request `rid`."""
    folder = _folder(run_dir, pid)
    folder.mkdir(exist_ok=True)
    (folder / rid).touch()


class CancelInbox:
    """This process's folder of cancels sent by other processes."""

    def __init__(
        self, run_dir: Path, *, cancel: Callable[[str], bool], busy: Callable[[], bool]
    ) -> None:
        self.folder = _folder(run_dir, os.getpid())
        self._spath = str(self.folder)
        self.cancel = cancel  # request id → whether a request of ours was stopped
        self.busy = busy  # whether any request is in flight (else nothing to cancel)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._poll_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(OSError):
            for entry in os.listdir(self._spath):
                os.unlink(os.path.join(self._spath, entry))
            os.rmdir(self._spath)

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            if self.busy():
                try:
                    self.poll()
                except Exception:  # a failed look must not end the polling
                    log.exception("cancel inbox poll failed")

    def poll(self) -> None:
        try:
            names = os.listdir(self._spath)
        except FileNotFoundError:
            return
        for rid in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self._spath, rid))
            stopped = self.cancel(rid)
            log.info("cancel from another worker process", request_id=rid, stopped=stopped)
