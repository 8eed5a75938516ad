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
