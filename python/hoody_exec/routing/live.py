"""The current route table of a folder, kept fresh from file events.

The server's watcher calls `apply_changes` with watchfiles events; a request
whose path misses may also force a rescan (rate-limited), so a file created a
moment ago is found even before its event arrives. A server that does not follow
file changes (`--no-reload`) sets `follow` off: its table changes only when told.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from hoody_exec.routing.table import EXTENSIONS, RouteTable, build_route_table

# NOTE: a miss-triggered rescan walks the folder; 0.25 s between them bounds the
# cost of a 404 flood while keeping "save, then request" immediate in practice.
MISS_RESCAN_INTERVAL = 0.25


class LiveRoutes:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.table: RouteTable = build_route_table(root)
        self._scanned_at = time.monotonic()
        self.follow = True

    def rebuild(self) -> RouteTable:
        self.table = build_route_table(self.root)
        self._scanned_at = time.monotonic()
        return self.table

    def rescan_if_stale(self) -> bool:
        """Rescan after a miss unless one happened very recently; True if it did."""
        if not self.follow:
            return False
        if time.monotonic() - self._scanned_at < MISS_RESCAN_INTERVAL:
            return False
        self.rebuild()
        return True

    def apply_changes(self, paths: Iterable[Path]) -> bool:
        """Rebuild if any changed path can affect routing; True if it did."""
        if any(_affects_routes(path) for path in paths):
            self.rebuild()
            return True
        return False


def _affects_routes(path: Path) -> bool:
    # Folders change routes too (a renamed folder emits events only for itself).
    return path.suffix in EXTENSIONS or path.suffix == ""
