"""Real packages installed from the public npm registry, bundled and run in an
isolate (skipped unless HOODY_TEST_NETWORK=1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoody_exec import _native
from hoody_exec.deps import Installer, PackageCache

from .conftest import run_bundle, write_tree

pytestmark = pytest.mark.network


async def test_zod_and_ms(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    write_tree(
        folder,
        {
            "api/user.ts": (
                'import { z } from "zod";\nimport ms from "ms@2";\n'
                "export default async function () {\n"
                "  const User = z.object({ name: z.string(), age: z.number().int() });\n"
                "  const bad = User.safeParse({ name: 1 });\n"
                "  return { ok: User.parse({ name: 'a', age: 3 }), bad: bad.success,\n"
                "    issues: bad.success ? 0 : bad.error.issues.length, ms: ms('2h') };\n"
                "}\n"
            )
        },
    )
    with pytest.raises(_native.BundleError) as info:
        _native.bundle(str(folder), "api/user.ts")
    assert info.value.missing_package == "zod"
    installer = Installer(cache=PackageCache(tmp_path / "cache"))
    await installer.install(folder, ["zod@3", "ms@2"])
    bundle = _native.bundle(str(folder), "api/user.ts")
    assert any(m.startswith("node_modules/zod/") for m in bundle.modules)
    assert await run_bundle(bundle) == {
        "ok": {"name": "a", "age": 3},
        "bad": False,
        "issues": 2,
        "ms": 7_200_000,
    }


async def test_node_builtins_with_browser_packages(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    write_tree(
        folder,
        {
            "main.ts": """import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import util from "node:util";
import path from "node:path";
import url from "node:url";
import qs from "node:querystring";
import { StringDecoder } from "node:string_decoder";
import assert from "node:assert";
import { Readable } from "node:stream";
export default async function () {
  const emitter = new EventEmitter();
  let got = 0;
  emitter.on("x", (v: number) => (got = v));
  emitter.emit("x", 5);
  const chunks: string[] = [];
  await new Promise<void>((resolve, reject) => {
    new Readable({ read() { this.push("a"); this.push("b"); this.push(null); } })
      .on("data", (c: unknown) => chunks.push(String(c)))
      .on("end", () => resolve())
      .on("error", reject);
  });
  let assertFailed = false;
  try { assert.strictEqual(1, 2); } catch { assertFailed = true; }
  return {
    buffer: Buffer.from("héllo").toString("base64"),
    got,
    format: util.format("%s=%d", "a", 1),
    join: path.join("/a", "../b", "c.txt"),
    pathname: url.parse("http://x.test/p?q=1").pathname,
    qs: qs.stringify({ a: 1, b: "x y" }),
    decoded: new StringDecoder("utf8").write(Buffer.from("é")),
    assertFailed,
    chunks,
  };
}
""",
        },
    )
    # Install what the bundler asks for until it has everything: a built-in's
    # browser package may itself import another built-in (string_decoder → buffer).
    installer = Installer(cache=PackageCache(tmp_path / "cache"))
    for _ in range(12):
        try:
            bundle = _native.bundle(str(folder), "main.ts")
            break
        except _native.BundleError as e:
            assert e.missing_package is not None, str(e)
            await installer.install(folder, [e.missing_package])
    else:
        raise AssertionError("still missing packages")
    assert await run_bundle(bundle) == {
        "buffer": "aMOpbGxv",
        "got": 5,
        "format": "a=1",
        "join": "/b/c.txt",
        "pathname": "/p",
        "qs": "a=1&b=x%20y",
        "decoded": "é",
        "assertFailed": True,
        "chunks": ["a", "b"],
    }
