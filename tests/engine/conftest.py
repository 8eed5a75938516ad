from __future__ import annotations

import os
from pathlib import Path

import pytest


def os_threads() -> int:
    """Threads of this process as the OS sees them (V8 pump threads included)."""
    return len(os.listdir("/proc/self/task"))


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def native():
    from hoody_exec import _native

    return _native
