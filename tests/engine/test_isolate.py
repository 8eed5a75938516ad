"""The Python face of the engine: real V8 isolates on their own threads."""

from __future__ import annotations

import asyncio
import time

import pytest

from hoody_exec import _native
from hoody_exec._native import (
    HoodyExecError,
    IsolateTerminated,
    JsError,
    MemoryLimitExceeded,
)


async def program(body: str, **kwargs) -> _native.Isolate:
    iso = _native.Isolate(**kwargs)
    await iso.eval(body, "program.js")
    return iso


async def test_eval_returns_primitives():
    iso = _native.Isolate()
    assert await iso.eval("6 * 7") == 42
    assert await iso.eval("'é' + 1") == "é1"
    assert await iso.eval("1.5") == 1.5
    assert await iso.eval("true") is True
    assert await iso.eval("null") is None
    assert await iso.eval("({a: 1})") is None
    iso.close()


async def test_script_errors_are_js_errors_with_positions():
    iso = _native.Isolate()
    with pytest.raises(JsError) as info:
        await iso.eval("const a = 1;\n\nnull.boom", "file.js")
    err = info.value
    assert isinstance(err, HoodyExecError)
    assert (err.name, err.filename, err.line) == ("TypeError", "file.js", 3)
    assert "boom" in err.message
    with pytest.raises(JsError) as info:
        await iso.eval("let = ;", "syntax.js")
    assert info.value.name == "SyntaxError"
    iso.close()


async def test_call_round_trip_text_and_bytes():
    iso = await program(
        "__hoody.onCall = async (p) => p === 'bin' ? new Uint8Array([104, 105]) : p.toUpperCase()"
    )
    assert await iso.call("hello") == "HELLO"
    assert await iso.call("bin") == b"hi"
    iso.close()


async def test_rejections_keep_name_message_and_stack():
    iso = await program(
        "function fail(x) { throw new RangeError('bad ' + x) }\n"
        "__hoody.onCall = async (p) => { await null; fail(p) }"
    )
    with pytest.raises(JsError) as info:
        await iso.call("input")
    assert (info.value.name, info.value.message) == ("RangeError", "bad input")
    assert "at fail (program.js:1:" in info.value.stack
    assert (info.value.filename, info.value.line) == ("program.js", 1)
    iso.close()


async def test_200_concurrent_calls_from_tasks():
    iso = await program(
        "__hoody.onCall = async (p) => { await new Promise(r => Atomics.waitAsync("
        "new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5).value.then(r)); return p + '!' }"
    )
    results = await asyncio.gather(*(iso.call(str(i)) for i in range(200)))
    assert results == [f"{i}!" for i in range(200)]
    assert iso.pending_calls == 0
    iso.close()


async def test_host_post_and_request_reach_python_on_the_loop():
    iso = await program(
        "__hoody.onCall = async (p) => { __hoody.host.post('log', 'hello ' + p);"
        " const r = await __hoody.host.request('double', p);"
        " const b = await __hoody.host.request('blob', '');"
        " let e; try { await __hoody.host.request('nope', '') }"
        " catch (x) { e = x.name + ': ' + x.message }"
        " return JSON.stringify([r, Array.from(b), e]) }"
    )
    loop = asyncio.get_running_loop()
    seen: list[tuple[int, str, bytes]] = []

    def handler(request_id: int, op: str, data: bytes) -> None:
        assert asyncio.get_running_loop() is loop
        seen.append((request_id, op, data))
        if op == "double":
            iso.resolve(request_id, data.decode() * 2)
        elif op == "blob":
            iso.resolve(request_id, bytes([1, 2, 3]))
        elif request_id:
            iso.reject(request_id, f"no op {op}", "TypeError")

    iso.set_host_handler(handler)
    assert await iso.call("ab") == '["abab",[1,2,3],"TypeError: no op nope"]'
    assert seen[0] == (0, "log", b"hello ab")
    iso.close()


async def test_terminate_stops_a_busy_loop_and_is_reported_distinctly():
    iso = await program("__hoody.onCall = async () => { await null; for (;;) {} }")
    call = iso.call("")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(call), 0.2)
    iso.terminate()
    with pytest.raises(IsolateTerminated):
        await call
    assert not isinstance(IsolateTerminated("x"), JsError)
    assert not iso.alive
    with pytest.raises(IsolateTerminated):
        await iso.eval("1")


async def test_loop_keeps_running_while_javascript_computes():
    iso = await program(
        "__hoody.onCall = async () => {"
        " const end = Date.now() + 300; while (Date.now() < end) {} return 'done' }"
    )
    ticks = 0
    call = asyncio.ensure_future(iso.call(""))
    while not call.done():
        await asyncio.sleep(0.01)
        ticks += 1
    assert await call == "done"
    # NOTE: a loop blocked by JavaScript (or by a held GIL) would tick once or twice.
    assert ticks >= 10
    iso.close()


async def test_memory_cap_fails_one_isolate_and_spares_the_others():
    small = await program(
        "__hoody.onCall = async () => { await null; const a = [];"
        " for (;;) a.push(new Array(1000).fill(7)) }",
        memory_limit=16 * 1024 * 1024,
    )
    other = await program("__hoody.onCall = async (p) => 'still ' + p")
    with pytest.raises(MemoryLimitExceeded) as info:
        await small.call("")
    assert info.value.limit == 16 * 1024 * 1024
    assert not small.alive
    assert await other.call("here") == "still here"
    other.close()


async def test_heap_stats_and_limits():
    iso = _native.Isolate(memory_limit=64 * 1024 * 1024)
    stats = iso.heap_stats()
    assert stats["used_heap_size"] > 0
    assert iso.memory_limit == 64 * 1024 * 1024
    assert not iso.memory_limit_reached()
    iso.close()


async def test_pool_hands_out_fresh_isolates_and_refills():
    prelude = [("globalThis.seen = (globalThis.seen || 0) + 1", "p.js")]
    pool = _native.IsolatePool(3, prelude=prelude)
    deadline = time.monotonic() + 10
    while pool.ready < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert pool.ready == 3
    taken = [pool.take() for _ in range(5)]  # two more than ready: created inline
    assert len({iso.id for iso in taken}) == 5
    for iso in taken:
        assert await iso.eval("globalThis.seen") == 1
        iso.close()
    while pool.ready < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert pool.ready == 3
    pool.close()


async def test_broken_prelude_is_reported():
    pool = _native.IsolatePool(1, prelude=[("throw new Error('prelude broke')", "bad.js")])
    with pytest.raises(_native.EngineError, match="prelude broke"):
        pool.take()
    pool.close()


async def test_errors_point_into_the_typescript_through_the_bundle_map(tmp_path):
    (tmp_path / "_lib").mkdir()
    (tmp_path / "_lib" / "check.ts").write_text(
        "interface Input { n: number }\n"
        "\n"
        "export function check(input: Input): number {\n"
        "  if (input.n < 0) {\n"
        "    throw new RangeError(`negative: ${input.n}`);\n"
        "  }\n"
        "  return input.n;\n"
        "}\n"
    )
    (tmp_path / "main.ts").write_text(
        "import { check } from './_lib/check';\n"
        "type Ctx = { n: number };\n"
        "export default async (ctx: Ctx) => check({ n: ctx.n });\n"
    )
    bundle = _native.bundle(str(tmp_path), "main.ts")
    iso = _native.Isolate()
    await iso.eval(bundle.code, "bundle:main.ts", bundle.map)
    await iso.eval("__hoody.onCall = async (p) => String(await __hoody_entry.default({ n: +p }))")
    assert await iso.call("3") == "3"
    with pytest.raises(JsError) as info:
        await iso.call("-1")
    err = info.value
    assert (err.name, err.message) == ("RangeError", "negative: -1")
    assert (err.filename, err.line, err.column) == ("_lib/check.ts", 5, 11)
    assert "_lib/check.ts:5:11" in err.stack
    iso.close()
