# ruff: noqa: E501  (JavaScript sources embedded in strings)
"""The lazy Web runtime: families load on first use and look as if loaded eagerly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hoody_exec.runtime.protocol import CallRequest, dispatch_source, encode_call
from hoody_exec.webapi import lazy_families, prelude

try:
    from hoody_exec._native import Isolate
except Exception:  # the engine is not built: the env fixture skips too
    Isolate = None  # type: ignore[assignment,misc]

# Snapshot of what a file adds: globals and W keys whose value is new or changed
# (V8 has a `console` of its own, which the console family replaces), and own
# keys of __hoody.
SNAPSHOT = """(() => {
  const W = __hoody._w || {};
  const before = globalThis.__before;
  const now = {
    g: new Map(Object.getOwnPropertyNames(globalThis).map((n) => [n, Object.getOwnPropertyDescriptor(globalThis, n).value])),
    w: new Map(Object.keys(W).map((k) => [k, W[k]])),
    h: Object.getOwnPropertyNames(__hoody),
  };
  globalThis.__before = now;
  if (!before) return "{}";
  return JSON.stringify({
    g: [...now.g].filter(([k, v]) => k !== "__before" && (!before.g.has(k) || !Object.is(before.g.get(k), v))).map(([k]) => k),
    w: [...now.w].filter(([k, v]) => !before.w.has(k) || before.w.get(k) !== v).map(([k]) => k),
    h: now.h.filter((n) => !before.h.includes(n) && n !== "_w"),
  });
})()"""


@pytest.fixture
async def isolate() -> Any:
    if Isolate is None:
        pytest.skip("native engine not available")
    iso = Isolate()
    yield iso
    iso.close()


async def test_family_table_matches_what_each_file_defines(isolate):
    """Evaluated eagerly, file by file, each family adds exactly the globals, W keys
    and __hoody keys its table entry lists (webapi/families.py reads them from the
    source; a new way of installing a global must show up here)."""
    table = {f.source_name: f for f in lazy_families()}
    await isolate.eval(SNAPSHOT)
    for code, name in prelude():
        if name.endswith("99_seal.js"):
            continue
        await isolate.eval(code, name)
        added = json.loads(await isolate.eval(SNAPSHOT))
        family = table[name]
        assert sorted(added["g"]) == sorted(family.globals), name
        assert set(added["w"]) <= set(family.w_keys), name
        assert sorted(added["h"]) == sorted(family.hoody_keys), name


async def test_a_plain_call_loads_no_family_and_request_loads_its_own(env):
    await env.isolate.eval(*dispatch_source())
    call = CallRequest(
        rid="r1", script="t.ts", mode="serverless", method="POST", url="http://h/p?q=1",
        path="/p", query={"q": "1"}, params={}, headers=[("content-type", "application/json")],
        body='{"a":1}', body_kind="json",
    )  # fmt: skip
    await env.isolate.eval(
        "globalThis.__hoody_entry = { __hoody_style: 'body', default: async (ctx) => ({ a: ctx.body.a }) }"
    )
    out = json.loads(await env.isolate.call(encode_call(call)))
    assert json.loads(out["body"]) == {"a": 1}
    assert await env.js("JSON.stringify(__hoody.lazy.loaded())") == []
    await env.isolate.eval(
        "globalThis.__hoody_entry = { __hoody_style: 'body', default: async (ctx) => ({ m: ctx.request.method, u: new URL(ctx.request.url).search }) }"
    )
    out = json.loads(await env.isolate.call(encode_call(call)))
    assert json.loads(out["body"]) == {"m": "POST", "u": "?q=1"}
    loaded = await env.js("JSON.stringify(__hoody.lazy.loaded())")
    assert "hoody:webapi/95_fetch.js" in loaded and "hoody:webapi/60_url.js" in loaded
    assert "hoody:webapi/70_crypto.js" not in loaded


async def test_unloaded_globals_look_loaded(env):
    result = await env.js(
        """const d = Object.getOwnPropertyDescriptor(globalThis, "URL");
        const r = Reflect.getOwnPropertyDescriptor(globalThis, "TextEncoder");
        JSON.stringify([typeof d.value, d.writable, d.enumerable, d.configurable, typeof r.value,
          typeof fetch, "crypto" in globalThis, Object.keys(globalThis).includes("Blob")])"""
    )
    assert result == ["function", True, False, True, "function", "function", True, False]


async def test_a_global_replaced_before_its_family_loads_keeps_the_scripts_value(env):
    result = await env.js(
        """globalThis.Headers = 5; delete globalThis.FormData;
        const r = new Response("x", { headers: { "x-a": "1" } });
        JSON.stringify([Headers, typeof FormData, r.headers.get("x-a"),
          Object.getOwnPropertyDescriptor(globalThis, "Headers").enumerable])"""
    )
    assert result == [5, "undefined", "1", False]


async def test_errors_from_a_lazy_family_name_its_file(env):
    stack = await env.js("try { new URL('nope') } catch (e) { JSON.stringify(e.stack) }")
    assert stack.startswith("TypeError: ") and "hoody:webapi/60_url.js" in stack
