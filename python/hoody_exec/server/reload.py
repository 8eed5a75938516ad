"""Hot reload: each worker process watches the scripts folder itself.

NOTE: every Granian worker has its own routes, caches and isolates, so each one
runs its own watcher instead of being told by a parent. While it runs, requests
make no file-system call: its events are the only news of a change, so a save
applies once its event arrives (tens of milliseconds: `debounce` + `step`). If it
stops unexpectedly (`on_failure`), the server goes back to re-checking files on
requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import watchfiles

from hoody_exec.deps.install import LOCK_NAME, STAGING_PREFIX
from hoody_exec.observability import get_logger
from hoody_exec.server.instances import STATE_DIR

log = get_logger("hoody_exec.reload")


class ScriptsFilter(watchfiles.DefaultFilter):
    """watchfiles' default filter (.git, node_modules, __pycache__, editor swap files)
    plus the server's own state folder and the installer's working files, judged on
    the path below the scripts folder so a folder above it named like them is fine.

    NOTE: installs unpack thousands of files; without this a single install would
    flood every worker with events (a reload storm). package.json and hoody-lock.json
    are kept: an install ends by writing them, and that event lets scripts that failed
    for a missing package build again in every worker.
    """

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = str(root)

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        if path.startswith(self.root + os.sep):
            parts = path[len(self.root) + 1 :].split(os.sep)
            if parts[0] in (STATE_DIR, LOCK_NAME) or parts[0].startswith(STAGING_PREFIX):
                return False
            if "node_modules" in parts:
                return False
            return super().__call__(change, path)
        return super().__call__(change, path)


class Watcher:
    def __init__(
        self,
        root: Path,
        on_changes: Callable[[set[Path]], None],
        on_failure: Callable[[], None] = lambda: None,
    ) -> None:
        self.root = root
        self.on_changes = on_changes
        self.on_failure = on_failure
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        try:
            await self._follow()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the file watcher stopped; requests re-check files from now on")
            self.on_failure()

    async def _follow(self) -> None:
        # `.env` matters (it holds script variables), so it is kept.
        async for changes in watchfiles.awatch(
            self.root,
            watch_filter=ScriptsFilter(self.root),
            stop_event=self._stop,
            debounce=30,
            step=10,
            recursive=True,
        ):
            paths = {Path(path) for _, path in changes}
            try:
                self.on_changes(paths)
            except Exception:
                log.exception("reload failed", paths=sorted(map(str, paths)))
