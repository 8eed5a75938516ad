"""Dependencies point one way: the server and the runtime call observability,
observability imports neither (no import circle through its modules)."""

import subprocess
import sys

import pytest

MODULES = [
    "hoody_exec.observability",
    "hoody_exec.observability.logging",
    "hoody_exec.observability.logquery",
    "hoody_exec.observability.logstore",
    "hoody_exec.observability.metrics",
    "hoody_exec.observability.redact",
    "hoody_exec.observability.writer",
]


@pytest.mark.parametrize("module", MODULES)
def test_observability_imports_neither_runtime_nor_server(module):
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.startswith("
        "('hoody_exec.runtime', 'hoody_exec.server')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"
