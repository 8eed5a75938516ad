# ruff: noqa: E501  (JavaScript sources embedded in strings)
"""Globals, console, timers, queueMicrotask, structuredClone, events, performance."""

from __future__ import annotations

GLOBALS = [
    "console", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask",
    "structuredClone", "performance", "Event", "EventTarget", "CustomEvent", "AbortController",
    "AbortSignal", "DOMException", "TextEncoder", "TextDecoder", "atob", "btoa", "URL",
    "URLSearchParams", "crypto", "Headers", "Blob", "File", "FormData", "ReadableStream",
    "WritableStream", "TransformStream", "TextDecoderStream", "TextEncoderStream", "Request",
    "Response", "fetch",
]  # fmt: skip


async def test_globals_installed_like_browsers(env):
    result = await env.js(
        f"JSON.stringify({GLOBALS}.map(n => {{ const d = Object.getOwnPropertyDescriptor(globalThis, n);"
        " return [n, !!d && d.enumerable === false && d.configurable === true && d.writable === true]; }))"
    )
    assert [n for n, ok in result if not ok] == []
    assert await env.js("JSON.stringify(typeof __hoody._w)") == "undefined"
    tags = await env.js(
        "JSON.stringify([new URL('http://h'), new Headers(), new Blob(), crypto, new AbortController(),"
        " new ReadableStream(), new Response()].map(o => Object.prototype.toString.call(o)))"
    )
    assert tags == [
        "[object URL]", "[object Headers]", "[object Blob]", "[object Crypto]",
        "[object AbortController]", "[object ReadableStream]", "[object Response]",
    ]  # fmt: skip


async def test_console_formats_and_posts_log(env):
    await env.js(
        """console.log("a %s b %d c %i %f %o %%", "x", 42.5, 42.5, "1.5", {a: 1});
        const o = {x: 1}; o.self = o; console.error(o);
        console.warn({a: {b: {c: {d: 1}}}}); console.debug(new Map([[1, 2]]), [1, , 3]);
        console.log("%c styled", "color: red"); '""'"""
    )
    assert env.logs[0] == {"level": "info", "message": "a x b 42.5 c 42 1.5 { a: 1 } %"}
    assert env.logs[1] == {"level": "error", "message": "<ref *1> { x: 1, self: [Circular *1] }"}
    assert env.logs[2] == {"level": "warn", "message": "{ a: { b: { c: [Object] } } }"}
    assert env.logs[3] == {
        "level": "debug",
        "message": "Map(1) { 1 => 2 } [ 1, <1 empty item>, 3 ]",
    }
    assert env.logs[4]["message"] == " styled"


async def test_timers_order_and_cancel(env):
    out = await env.js_async(
        """const out = [];
        setTimeout(() => out.push("b"), 10); setTimeout(() => out.push("a"), 0);
        setTimeout(() => out.push("c"), 10);
        const t = setTimeout(() => out.push("cancelled"), 5); clearTimeout(t);
        Promise.resolve().then(() => out.push("micro")); queueMicrotask(() => out.push("qm"));
        let n = 0; const iv = setInterval(() => { out.push("i" + ++n); if (n === 3) clearInterval(iv); }, 2);
        await new Promise(r => setTimeout(r, 60, "x"));
        return out;"""
    )
    assert out[:3] == ["micro", "qm", "a"]
    assert out.index("b") < out.index("c")
    assert "cancelled" not in out
    assert [x for x in out if x.startswith("i")] == ["i1", "i2", "i3"]


async def test_timer_delay_is_respected(env):
    elapsed = await env.js_async(
        "const t0 = performance.now(); await new Promise(r => setTimeout(r, 50)); return performance.now() - t0;"
    )
    assert 45 <= elapsed < 1000


async def test_structured_clone(env):
    result = await env.js(
        """const a = {d: new Date(5), r: /x/gi, m: new Map([[1, {z: 2}]]), s: new Set(["a"]),
          u: new Uint16Array([1, 2]), e: new RangeError("boom"), big: 5n, n: null};
        a.self = a; a.list = [a.m, a.m];
        const c = structuredClone(a);
        let err; try { structuredClone({f() {}}); } catch (e) { err = [e.name, e instanceof DOMException, e.code]; }
        let sym; try { structuredClone(Symbol("s")); } catch (e) { sym = e.name; }
        const buf = new ArrayBuffer(8); const moved = structuredClone(buf, {transfer: [buf]});
        JSON.stringify([c !== a, c.self === c, c.list[0] === c.list[1], c.list[0] === c.m, c.d.getTime(),
          c.r.flags, c.m.get(1).z, c.s.has("a"), c.u instanceof Uint16Array, c.u[1],
          c.e instanceof RangeError, c.e.message, typeof c.big, err, sym, buf.byteLength, moved.byteLength])"""
    )
    assert result == [
        True, True, True, True, 5, "gi", 2, True, True, 2, True, "boom", "bigint",
        ["DataCloneError", True, 25], "DataCloneError", 0, 8,
    ]  # fmt: skip


async def test_events_and_abort(env):
    result = await env.js_async(
        """const out = []; const t = new EventTarget();
        const h = (e) => out.push(e.type + ":" + (e.target === t) + ":" + e.eventPhase);
        t.addEventListener("x", h); t.addEventListener("x", h);
        t.addEventListener("x", {handleEvent() { out.push("once"); }}, {once: true});
        t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x"));
        const ev = new CustomEvent("c", {cancelable: true, detail: 7}); ev.preventDefault();
        const ac = new AbortController(); ac.signal.onabort = () => out.push("onabort");
        const any = AbortSignal.any([ac.signal, new AbortController().signal]);
        ac.abort(); ac.abort("ignored");
        const ts = AbortSignal.timeout(10);
        await new Promise(r => ts.addEventListener("abort", r));
        let thrown; try { ts.throwIfAborted(); } catch (e) { thrown = e.name; }
        return [out, ev.defaultPrevented, ev.detail, ac.signal.reason.name, any.aborted,
                any.reason === ac.signal.reason, ts.reason.name, thrown, AbortSignal.abort(1).reason];"""
    )
    assert result == [
        ["x:true:2", "once", "x:true:2", "onabort"], True, 7, "AbortError", True, True,
        "TimeoutError", "TimeoutError", 1,
    ]  # fmt: skip


async def test_dom_exception(env):
    result = await env.js(
        """const e = new DOMException("m", "AbortError");
        JSON.stringify([e.name, e.message, e.code, e instanceof Error, String(e), DOMException.ABORT_ERR,
          new DOMException().name])"""
    )
    assert result == ["AbortError", "m", 20, True, "AbortError: m", 20, "Error"]


async def test_microtasks_of_a_timer_run_before_the_next_timer(env):
    # HTML event loop: each timer callback is a task, followed by a microtask checkpoint
    result = await env.js_async(
        """const log = [];
        await new Promise((done) => {
          setTimeout(() => { log.push("A"); queueMicrotask(() => { log.push("mA"); Promise.resolve().then(() => log.push("mA2")); }); }, 0);
          setTimeout(() => { log.push("B"); Promise.resolve().then(() => log.push("mB")); }, 0);
          setTimeout(() => { log.push("C"); done(); }, 0);
        });
        return log;"""
    )
    assert result == ["A", "mA", "mA2", "B", "mB", "C"]


async def test_structured_clone_keeps_error_types(env):
    result = await env.js(
        """const e = new TypeError("bad", { cause: new RangeError("inner") });
        const c = structuredClone(e);
        const renamed = new Error("x"); renamed.name = "SyntaxError";
        const custom = new Error("y"); custom.name = "Custom";
        const bare = structuredClone(new Error());
        JSON.stringify([Object.prototype.toString.call(c), c instanceof TypeError, c.name, c.message,
          c.cause instanceof RangeError, c.cause.message, structuredClone(renamed) instanceof SyntaxError,
          structuredClone(custom).name, Object.hasOwn(bare, "message"), typeof c.stack])"""
    )
    assert result == [
        "[object Error]", True, "TypeError", "bad", True, "inner", True, "Error", False, "string",
    ]  # fmt: skip


async def test_symbol_metadata_is_the_one_lowered_decorators_use(env):
    # V8 has no Symbol.metadata yet; the decorators the transpiler lowers fall
    # back to the registered symbol, so `C[Symbol.metadata]` must be that one
    assert await env.js(
        'JSON.stringify([typeof Symbol.metadata, Symbol.metadata === Symbol.for("Symbol.metadata")])'
    ) == ["symbol", True]
