"""Hot reload: each worker process watches the scripts folder itself.

NOTE: every Granian worker has its own routes, caches and isolates, so each one
runs its own watcher instead of being told by a parent; the loader's per-request
stat check covers the few milliseconds before an event arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import watchfiles

from hoody_exec.observability import get_logger

log = get_logger("hoody_exec.reload")


class Watcher:
    def __init__(self, root: Path, on_changes: Callable[[set[Path]], None]) -> None:
        self.root = root
        self.on_changes = on_changes
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
        # The default filter already skips .git, node_modules, __pycache__ and editor
        # swap files; `.env` matters (it holds script variables), so it is kept.
        async for changes in watchfiles.awatch(
            self.root, stop_event=self._stop, debounce=30, step=10, recursive=True
        ):
            paths = {Path(path) for _, path in changes}
            try:
                self.on_changes(paths)
            except Exception:
                log.exception("reload failed", paths=sorted(map(str, paths)))
