"use strict";
const assert = require("assert");
const tick = (ms) => new Promise((r) => setTimeout(r, ms));
async function result(env, code) {
  env.run(`globalThis.__res = undefined; (async () => { ${code} })().then(v => globalThis.__res = JSON.stringify({ok: v}), e => globalThis.__res = JSON.stringify({err: String(e && e.stack || e)}))`);
  for (let i = 0; i < 200 && env.run("globalThis.__res") === undefined; i++) await tick(5);
  const r = JSON.parse(env.run("globalThis.__res"));
  if (r.err) throw new Error(r.err);
  return r.ok;
}
exports.readable_basic = async (env) => {
  const r = await result(env, `
    const log = [];
    const rs = new ReadableStream({ start(c) { log.push("start"); c.enqueue("a"); c.enqueue("b"); }, pull(c) { log.push("pull:" + c.desiredSize); if (log.length > 4) c.close(); else c.enqueue("p"); } }, { highWaterMark: 2 });
    const chunks = []; for await (const x of rs) chunks.push(x);
    return [chunks, log.slice(0, 2), rs.locked];`);
  assert.deepStrictEqual(r[0].slice(0, 2), ["a", "b"]);
  assert.strictEqual(r[1][0], "start");
  assert.strictEqual(r[2], false);
};
exports.transform_pipe = async (env) => {
  const r = await result(env, `
    const upper = new TransformStream({ transform(ch, c) { c.enqueue(ch.toUpperCase()); }, flush(c) { c.enqueue("!"); } });
    const out = [];
    await ReadableStream.from(["a", "b", "c"]).pipeThrough(upper).pipeTo(new WritableStream({ write(ch) { out.push(ch); } }));
    const enc = ReadableStream.from(["h\u00e9", "llo"]).pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream());
    let s = ""; for await (const x of enc) s += x;
    const [b1, b2] = ReadableStream.from([1, 2, 3]).tee();
    const t1 = []; for await (const x of b1) t1.push(x); const t2 = []; for await (const x of b2) t2.push(x);
    const bytes = new Blob(["xyz"]).stream(); const rd = bytes.getReader({ mode: "byob" }); const v = await rd.read(new Uint8Array(2));
    return [out, s, t1, t2, Array.from(v.value)];`);
  assert.deepStrictEqual(r, [["A", "B", "C", "!"], "héllo", [1, 2, 3], [1, 2, 3], [120, 121]]);
};
exports.writable_backpressure = async (env) => {
  const r = await result(env, `
    const log = []; let release;
    const ws = new WritableStream({ write(ch) { log.push("w" + ch); return new Promise(r => release = r); } }, new CountQueuingStrategy({ highWaterMark: 2 }));
    const w = ws.getWriter(); log.push("ds" + w.desiredSize);
    w.write(1); w.write(2); log.push("ds" + w.desiredSize); w.write(3); log.push("ds" + w.desiredSize);
    await Promise.resolve(); release(); await new Promise(r => setTimeout(r, 5)); release(); await new Promise(r => setTimeout(r, 5)); release();
    await w.close(); log.push("closed");
    const ac = new AbortController(); const p = new ReadableStream({ pull(c) { c.enqueue(1) } }).pipeTo(new WritableStream(), { signal: ac.signal });
    ac.abort(); let err; try { await p } catch (e) { err = e.name }
    const errored = new ReadableStream({ start(c) { c.error(new TypeError("boom")) } });
    let e2; try { await errored.getReader().read() } catch (e) { e2 = e.message }
    return [log, err, e2];`);
  assert.deepStrictEqual(r, [["ds2", "ds0", "ds-1", "w1", "w2", "w3", "closed"], "AbortError", "boom"]);
};
