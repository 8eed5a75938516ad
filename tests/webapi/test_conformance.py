"""Per-family conformance cases (tests/webapi/conformance/<family>.js), derived
from the specifications and the topics of the web-platform-tests, written here in
our own words. Each family runs in a real isolate and, when node is installed, in
node too: every case node passes must pass here (node is the reference the issue
set), and any case failing here must be a listed known gap.

`python tests/webapi/test_conformance.py` prints the per-family table that
docs/webapi.md records.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).with_name("conformance")
FAMILIES = ["url", "encoding", "streams", "clone", "timers", "events", "blob", "http", "crypto"]
# Cases that fail here on purpose: (family, case name) -> why. Keep in step with docs/webapi.md.
KNOWN_GAPS: dict[tuple[str, str], str] = {}

Result = list[tuple[str, bool, str]]


def family_source(family: str) -> str:
    harness = (HERE / "harness.js").read_text(encoding="utf-8")
    cases = (HERE / f"{family}.js").read_text(encoding="utf-8")
    return harness + "\n" + cases + "\nreturn await run();"


def run_in_node(family: str) -> Result | None:
    """The family's results in node, or None without node."""
    node = shutil.which("node")
    if node is None:
        return None
    out = subprocess.run(
        [node, str(HERE / "node_run.mjs"), str(HERE / f"{family}.js")],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return [tuple(r) for r in json.loads(out.stdout)]  # type: ignore[misc]


async def run_in_isolate(env: Any, family: str) -> Result:
    return [tuple(r) for r in await env.js_async(family_source(family))]  # type: ignore[misc]


def node_version() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("family", FAMILIES)
async def test_family_conformance(env, family):
    ours = await run_in_isolate(env, family)
    failed = {name: message for name, passed, message in ours if not passed}
    unexpected = {n: m for n, m in failed.items() if (family, n) not in KNOWN_GAPS}
    assert unexpected == {}, f"{len(unexpected)} of {len(ours)} {family} cases fail"
    reference = run_in_node(family)
    if reference is not None:
        assert [name for name, _, _ in reference] == [name for name, _, _ in ours]
        node_passes = {name for name, passed, _ in reference if passed}
        assert sorted(node_passes & set(failed)) == []


def _table() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import Env  # the same real isolate the tests use
    from hoody_exec._native import Isolate
    from hoody_exec.webapi import host as webapi_host
    from hoody_exec.webapi import prelude_source

    async def main() -> None:
        print(f"| family | cases | pass here | pass in node {node_version() or '(absent)'} |")
        print("|---|---|---|---|")
        for family in FAMILIES:
            isolate = Isolate()
            await isolate.eval(*prelude_source())
            try:
                ours = await run_in_isolate(Env(isolate), family)
            finally:
                webapi_host.forget_isolate(isolate)
                isolate.close()
            reference = run_in_node(family)
            node = "-" if reference is None else str(sum(p for _, p, _ in reference))
            print(f"| {family} | {len(ours)} | {sum(p for _, p, _ in ours)} | {node} |")
            for name, passed, message in ours:
                if not passed:
                    print(f"|   fails: {name} | {message} | | |")

    asyncio.run(main())


if __name__ == "__main__":
    _table()
