"use strict";
const assert = require("assert");
const j = (env, code) => JSON.parse(env.run(code));
const tick = (ms) => new Promise((r) => setTimeout(r, ms));

exports.globals = (env) => {
  const r = j(env, `JSON.stringify(["console","setTimeout","queueMicrotask","structuredClone","performance","Event","EventTarget","AbortController","DOMException"].map(n => [n, typeof globalThis[n], Object.getOwnPropertyDescriptor(globalThis, n).enumerable]))`);
  for (const [n, t, e] of r) { assert.notStrictEqual(t, "undefined", n); assert.strictEqual(e, false, n); }
  assert.strictEqual(env.run("typeof __hoody._w"), "undefined");
};
exports.console_format = (env) => {
  env.run(`console.log("a %s b %d c %i %f %o %%", "x", 42.5, 42.5, "1.5", {a:1}); console.warn({a:{b:{c:{d:1}}}, s:'q'}, [1,2,3]);
    const o = {x:1}; o.self = o; console.error(o); console.log("%c styled", "color: red"); console.debug(new Map([[1,{a:1}]]), new Set([1]), null, undefined, 1n, Symbol("s"))`);
  assert.deepStrictEqual(env.logs[0], { level: "info", message: "a x b 42.5 c 42 1.5 { a: 1 } %" });
  assert.strictEqual(env.logs[1].message, "{ a: { b: { c: [Object] } }, s: 'q' } [ 1, 2, 3 ]");
  assert.strictEqual(env.logs[2].message, "<ref *1> { x: 1, self: [Circular *1] }");
  assert.strictEqual(env.logs[3].message, " styled");
  assert.strictEqual(env.logs[4].message, "Map(1) { 1 => { a: 1 } } Set(1) { 1 } null undefined 1n Symbol(s)");
  assert.strictEqual(env.logs[4].level, "debug");
};
exports.timers_order = async (env) => {
  env.run(`globalThis.out = []; setTimeout(() => out.push("b"), 5); setTimeout(() => out.push("a"), 0);
    setTimeout(() => out.push("c"), 5); const t = setTimeout(() => out.push("X"), 5); clearTimeout(t);
    Promise.resolve().then(() => out.push("micro")); queueMicrotask(() => out.push("qm"));
    let n = 0; const iv = setInterval(() => { out.push("i" + (++n)); if (n === 3) clearInterval(iv); }, 2);
    setTimeout((x, y) => out.push(x + y), 20, "p", "q");`);
  await tick(60);
  const out = env.run("out.join()").split(",");
  assert.deepStrictEqual(out.slice(0, 3), ["micro", "qm", "a"]);
  assert.ok(out.indexOf("b") < out.indexOf("c") && !out.includes("X") && out.at(-1) === "pq" && out.includes("i3") && !out.includes("i4"), out.join());
};
exports.structured_clone = (env) => {
  const r = j(env, `const a = {d: new Date(5), r: /x/gi, m: new Map([[1, 2]]), s: new Set(["a"]), u: new Uint16Array([1,2]), e: new RangeError("boom"), n: null, big: 5n};
    a.self = a; const c = structuredClone(a);
    let err; try { structuredClone({f(){}}) } catch (e) { err = e.name + ":" + (e instanceof DOMException) + ":" + e.code }
    const buf = new ArrayBuffer(4); const t = structuredClone(buf, {transfer: [buf]});
    JSON.stringify([c !== a, c.self === c, c.d.getTime(), c.r.flags, c.m.get(1), c.s.has("a"), c.u[1], c.u instanceof Uint16Array, c.e instanceof RangeError, c.e.message, typeof c.big, err, (buf.transfer ? 0 : 4) === buf.byteLength, t.byteLength])`);
  assert.deepStrictEqual(r, [true, true, 5, "gi", 2, true, 2, true, true, "boom", "bigint", "DataCloneError:true:25", true, 4]);
};
exports.events_abort = async (env) => {
  const r = j(env, `const out = []; const t = new EventTarget();
    const h = (e) => out.push(e.type + ":" + (e.target === t)); t.addEventListener("x", h); t.addEventListener("x", h);
    t.addEventListener("x", {handleEvent(e){ out.push("obj") }}, {once: true});
    t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x"));
    const ac = new AbortController(); let reason; ac.signal.onabort = (e) => out.push("onabort");
    ac.signal.addEventListener("abort", () => reason = ac.signal.reason.name);
    const dep = AbortSignal.any([ac.signal]); ac.abort(); ac.abort();
    const ev = new Event("c", {cancelable: true}); ev.preventDefault();
    JSON.stringify([out, reason, dep.aborted, dep.reason === ac.signal.reason, ev.defaultPrevented, Object.prototype.toString.call(ac.signal), AbortSignal.abort().reason.name])`);
  assert.deepStrictEqual(r, [["x:true", "obj", "x:true", "onabort"], "AbortError", true, true, true, "[object AbortSignal]", "AbortError"]);
  env.run(`globalThis.ts = AbortSignal.timeout(5)`);
  await tick(30);
  assert.strictEqual(env.run("ts.aborted + ':' + ts.reason.name"), "true:TimeoutError");
};
