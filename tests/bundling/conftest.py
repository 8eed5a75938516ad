"""Bundling fixtures: folders with a hand-made `node_modules`, bundled by the real
bundler and run in a real V8 isolate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hoody_exec import _native


def write_tree(root: Path, files: Mapping[str, str | dict[str, Any]]) -> Path:
    """Writes `files` (path → text, or a dict written as JSON) under `root`."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(content) if isinstance(content, dict) else content
        path.write_text(text)
    return root


async def run_bundle(bundle: _native.Bundle, ctx: str = "{}") -> Any:
    """Evaluates the bundle in a fresh isolate, awaits `default(ctx)` and returns
    its result (JSON round trip). A rejection fails with the JavaScript stack."""
    iso = _native.Isolate()
    try:
        await iso.eval(bundle.code, "bundle.js", bundle.map)
        await iso.eval(
            f"Promise.resolve().then(() => globalThis.__hoody_entry.default({ctx})).then("
            "v => { globalThis.__result = JSON.stringify({ ok: v === undefined ? null : v }); },"
            "e => { globalThis.__result = JSON.stringify({ error: String(e && e.stack) }); });"
        )
        for _ in range(500):
            result = await iso.eval("globalThis.__result")
            if isinstance(result, str):
                outcome = json.loads(result)
                assert "error" not in outcome, outcome["error"]
                return outcome["ok"]
            await asyncio.sleep(0.01)
        raise AssertionError("the bundle's default() never settled")
    finally:
        iso.close()
