# ruff: noqa: E501  (JavaScript sources embedded in strings)
"""Streams Standard: ordering, backpressure, pipes, tee, async iteration, encoders."""

from __future__ import annotations


async def test_readable_ordering_and_pull(env):
    result = await env.js_async(
        """const log = [];
        const rs = new ReadableStream({
          start(c) { log.push("start"); c.enqueue("a"); c.enqueue("b"); },
          pull(c) { log.push("pull:" + c.desiredSize); if (log.length > 5) c.close(); else c.enqueue("p" + log.length); },
        }, {highWaterMark: 3});
        await new Promise(r => setTimeout(r, 5));
        const chunks = []; for await (const x of rs) chunks.push(x);
        const errored = new ReadableStream({ start(c) { c.error(new TypeError("boom")); } });
        let err; try { await errored.getReader().read(); } catch (e) { err = e.message; }
        const cancelled = []; const cs = new ReadableStream({ cancel(r) { cancelled.push(r); } });
        await cs.cancel("why");
        const locked = new ReadableStream(); locked.getReader();
        let lockErr; try { locked.getReader(); } catch (e) { lockErr = e.name; }
        return [log.slice(0, 3), chunks, err, cancelled, lockErr, rs.locked];"""
    )
    assert result == [
        ["start", "pull:1", "pull:1"], ["a", "b", "p2", "p3", "p4", "p5"], "boom", ["why"],
        "TypeError", False,
    ]  # fmt: skip


async def test_transform_pipe_tee_encoders(env):
    result = await env.js_async(
        """const upper = new TransformStream({ transform(ch, c) { c.enqueue(ch.toUpperCase()); }, flush(c) { c.enqueue("!"); } });
        const out = [];
        await ReadableStream.from(["a", "b", "c"]).pipeThrough(upper).pipeTo(new WritableStream({ write(ch) { out.push(ch); } }));
        const bytes = [0x68, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80].map(b => new Uint8Array([b]));
        let decoded = ""; for await (const s of ReadableStream.from(bytes).pipeThrough(new TextDecoderStream())) decoded += s;
        const encoded = []; for await (const b of ReadableStream.from(["\\uD83D", "\\uDE00"]).pipeThrough(new TextEncoderStream())) encoded.push(...b);
        const [t1, t2] = ReadableStream.from([1, 2, 3]).tee();
        const a1 = []; for await (const x of t1) a1.push(x); const a2 = []; for await (const x of t2) a2.push(x);
        const byob = new Blob(["xyz"]).stream().getReader({mode: "byob"});
        const v = await byob.read(new Uint8Array(2));
        return [out, decoded, encoded, a1, a2, Array.from(v.value)];"""
    )
    assert result == [
        ["A", "B", "C", "!"], "hé😀", [0xF0, 0x9F, 0x98, 0x80], [1, 2, 3], [1, 2, 3], [120, 121],
    ]  # fmt: skip


async def test_writable_backpressure_and_abort(env):
    result = await env.js_async(
        """const log = []; let release;
        const ws = new WritableStream({ write(ch) { log.push("w" + ch); return new Promise(r => release = r); } },
                                      new CountQueuingStrategy({highWaterMark: 2}));
        const w = ws.getWriter(); log.push("ds" + w.desiredSize);
        w.write(1); w.write(2); log.push("ds" + w.desiredSize); w.write(3); log.push("ds" + w.desiredSize);
        for (let i = 0; i < 3; i++) { await new Promise(r => setTimeout(r, 2)); release(); }
        await w.close(); log.push("closed");
        const ac = new AbortController();
        const p = new ReadableStream({ pull(c) { c.enqueue(1); } }).pipeTo(new WritableStream(), {signal: ac.signal});
        ac.abort(); let aborted; try { await p; } catch (e) { aborted = e.name; }
        const sink = []; const aw = new WritableStream({ abort(r) { sink.push("abort:" + r); } });
        await aw.abort("stop");
        return [log, aborted, sink, new ByteLengthQueuingStrategy({highWaterMark: 8}).size(new Uint8Array(5))];"""
    )
    assert result == [
        ["ds2", "ds0", "ds-1", "w1", "w2", "w3", "closed"], "AbortError", ["abort:stop"], 5,
    ]  # fmt: skip


async def test_pipes_keep_every_chunk_and_the_close_order(env):
    # a source that enqueues its last chunk and closes in the same step used to
    # lose that chunk: the close shut the pipe before the chunk was written
    result = await env.js_async(
        """const src = (xs) => new ReadableStream({ start(c) { for (const x of xs) c.enqueue(x); c.close(); } });
        const readAll = async (rs) => { const r = rs.getReader(), out = []; for (;;) { const { value, done } = await r.read(); if (done) return out; out.push(value); } };
        const upper = await readAll(src(["hello ", "world", "!"]).pipeThrough(new TransformStream({ transform(ch, c) { c.enqueue(ch.toUpperCase()); } })));
        const identity = await readAll(src(["a", "b", "c"]).pipeThrough(new TransformStream()));
        const sink = []; await src([1, 2, 3]).pipeTo(new WritableStream({ async write(c) { await null; sink.push(c); }, close() { sink.push("close"); } }));
        const kept = []; const ws = new WritableStream({ write(c) { kept.push(c); }, close() { kept.push("close"); } });
        await src([1, 2]).pipeTo(ws, { preventClose: true });
        const w = ws.getWriter(); await w.write(3); await w.close();
        const enc = new TransformStream({ transform(ch, c) { c.enqueue(new TextEncoder().encode(ch)); } });
        const text = (await readAll(src(["h", "é", "llo"]).pipeThrough(enc).pipeThrough(new TextDecoderStream()))).join("");
        let failure; try { await readAll(src(["x", "y"]).pipeThrough(new TransformStream({ transform(ch) { throw new RangeError("cannot " + ch); } }))); } catch (e) { failure = e.name + ": " + e.message; }
        return [upper.join(""), identity, sink, kept, text, failure];"""
    )
    assert result == [
        "HELLO WORLD!", ["a", "b", "c"], [1, 2, 3, "close"], [1, 2, 3, "close"], "héllo", "RangeError: cannot x",
    ]  # fmt: skip


async def test_byob_reads_after_the_first(env):
    result = await env.js_async(
        """const readAll = async (reader, size) => { const out = []; for (;;) { const { value, done } = await reader.read(new Uint8Array(size)); if (done) { out.push(value.byteLength === 0 ? "done" : "done+data"); return out; } out.push(new TextDecoder().decode(value)); } };
        const body = await readAll(new Response("abcdefghij").body.getReader({ mode: "byob" }), 4);
        const bytes = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4, 5])); c.enqueue(new Uint8Array([6, 7])); c.close(); } });
        const r = bytes.getReader({ mode: "byob" }); const views = [];
        for (;;) { const { value, done } = await r.read(new Uint8Array(3)); if (done) break; views.push(Array.from(value)); }
        let n = 0;
        const pulled = new ReadableStream({ type: "bytes", async pull(c) { await new Promise((res) => setTimeout(res, 1)); if (n++ < 3) c.enqueue(new TextEncoder().encode("xyz" + n)); else c.close(); } });
        return [body, views, await readAll(pulled.getReader({ mode: "byob" }), 16)];"""
    )
    assert result == [
        ["abcd", "efgh", "ij", "done"], [[1, 2, 3], [4, 5], [6, 7]], ["xyz1", "xyz2", "xyz3", "done"],
    ]  # fmt: skip
