// Streams Standard: readable (default and byte), writable, transform, pipes,
// tee, async iteration, queuing strategies.
const from = (xs) => new ReadableStream({ start(c) { for (const x of xs) c.enqueue(x); c.close(); } });
test("start, then pull until the high-water mark", async () => {
  const log = [];
  new ReadableStream({ start() { log.push("start"); }, pull(c) { log.push("pull " + c.desiredSize); c.enqueue(1); } }, { highWaterMark: 2 });
  await tick(); assertSame(log, ["start", "pull 2", "pull 1"]);
});
test("read delivers chunks in order then done", async () => {
  const r = from([1, 2]).getReader();
  assertSame([await r.read(), await r.read(), await r.read()], [{ value: 1, done: false }, { value: 2, done: false }, { value: undefined, done: true }]);
});
test("an errored stream rejects reads and closed", async () => {
  const rs = new ReadableStream({ start(c) { c.error(new RangeError("bad")); } });
  const r = rs.getReader(); await assertRejects("RangeError", r.read()); await assertRejects("RangeError", r.closed);
});
test("cancel calls the source's cancel with the reason", async () => {
  let why; const rs = new ReadableStream({ cancel(r) { why = r; } });
  await rs.cancel("stop"); assertEq(why, "stop");
});
test("a locked stream cannot get a second reader or be cancelled", async () => {
  const rs = new ReadableStream(); rs.getReader();
  assertThrows("TypeError", () => rs.getReader()); await assertRejects("TypeError", rs.cancel());
});
test("releaseLock rejects pending reads and unlocks", async () => {
  const rs = new ReadableStream(); const r = rs.getReader(); const p = r.read();
  r.releaseLock(); await assertRejects("TypeError", p); assertEq(rs.locked, false);
});
test("enqueue after close throws TypeError", () => {
  new ReadableStream({ start(c) { c.close(); assertThrows("TypeError", () => c.enqueue(1)); } });
});
test("size function and desiredSize", () => {
  new ReadableStream({ start(c) { c.enqueue("abc"); assertEq(c.desiredSize, 7); } }, { highWaterMark: 10, size: (s) => s.length });
});
test("async iteration and return() cancels", async () => {
  let cancelled = false;
  const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { cancelled = true; } });
  for await (const x of rs) { assertEq(x, 1); break; }
  assertTrue(cancelled); assertEq(rs.locked, false);
});
test("values({preventCancel}) leaves the stream open", async () => {
  const rs = from([1, 2]);
  for await (const x of rs.values({ preventCancel: true })) { assertEq(x, 1); break; }
  assertEq((await rs.getReader().read()).value, 2);
});
test("ReadableStream.from an async generator and an array", async () => {
  async function* gen() { yield "a"; yield "b"; }
  assertSame(await readAll(ReadableStream.from(gen())), ["a", "b"]);
  assertSame(await readAll(ReadableStream.from([1, 2])), [1, 2]);
});
test("tee gives both branches every chunk", async () => {
  const [a, b] = from([1, 2, 3]).tee();
  assertSame(await Promise.all([readAll(a), readAll(b)]), [[1, 2, 3], [1, 2, 3]]);
});
test("byte stream: BYOB reads fill the view and keep the rest", async () => {
  const rs = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4, 5])); c.close(); } });
  const r = rs.getReader({ mode: "byob" }); const got = [];
  for (;;) { const { value, done } = await r.read(new Uint8Array(2)); if (done) break; got.push(bytes(value)); }
  assertSame(got, [[1, 2], [3, 4], [5]]);
});
test("byte stream: a default reader gets the chunks", async () => {
  const rs = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([9])); c.close(); } });
  assertSame((await readAll(rs)).map(bytes), [[9]]);
});
test("BYOB reader on a default stream is a TypeError", () => {
  assertThrows("TypeError", () => new ReadableStream().getReader({ mode: "byob" }));
});
test("writer: writes reach the sink in order, close after them", async () => {
  const log = []; const ws = new WritableStream({ write(c) { log.push(c); }, close() { log.push("close"); } });
  const w = ws.getWriter(); w.write(1); w.write(2); await w.close(); assertSame(log, [1, 2, "close"]);
});
test("writer: desiredSize and ready follow backpressure", async () => {
  let release; const ws = new WritableStream({ write() { return new Promise((r) => { release = r; }); } }, { highWaterMark: 1 });
  const w = ws.getWriter(); assertEq(w.desiredSize, 1);
  w.write("a"); assertEq(w.desiredSize, 0); await tick(); release(); await w.ready; assertEq(w.desiredSize, 1);
});
test("writer: a failing write errors the stream", async () => {
  const ws = new WritableStream({ write() { throw new RangeError("nope"); } });
  const w = ws.getWriter(); await assertRejects("RangeError", w.write(1)); await assertRejects("RangeError", w.closed);
});
test("abort reaches the sink and rejects pending writes", async () => {
  let reason; const ws = new WritableStream({ write() { return new Promise(() => {}); }, abort(r) { reason = r; } });
  const w = ws.getWriter(); w.write(1); const second = w.write(2);
  await w.abort("why"); assertEq(reason, "why"); await assertRejects(undefined, second);
});
test("controller.signal aborts with the reason", async () => {
  let signal; const ws = new WritableStream({ start(c) { signal = c.signal; } });
  await ws.abort("r"); assertTrue(signal.aborted); assertEq(signal.reason, "r");
});
test("transform: chunks are transformed and flush runs last", async () => {
  const t = new TransformStream({ transform(c, k) { k.enqueue(c * 10); }, flush(k) { k.enqueue("end"); } });
  assertSame(await readAll(from([1, 2, 3]).pipeThrough(t)), [10, 20, 30, "end"]);
});
test("transform: identity passes every chunk", async () => {
  assertSame(await readAll(from(["a", "b", "c"]).pipeThrough(new TransformStream())), ["a", "b", "c"]);
});
test("transform: an error thrown in transform errors both sides", async () => {
  const t = new TransformStream({ transform() { throw new TypeError("t"); } });
  await assertRejects("TypeError", readAll(from([1]).pipeThrough(t)));
});
test("transform: terminate closes the readable side", async () => {
  const t = new TransformStream({ transform(c, k) { k.enqueue(c); k.terminate(); } });
  const w = t.writable.getWriter(); w.write(1).catch(() => {});
  assertSame(await readAll(t.readable), [1]);
});
test("pipeTo: the last chunk is written before close", async () => {
  const log = []; await from([1, 2, 3]).pipeTo(new WritableStream({ async write(c) { await tick(); log.push(c); }, close() { log.push("close"); } }));
  assertSame(log, [1, 2, 3, "close"]);
});
test("pipeTo: preventClose leaves the destination open", async () => {
  const log = []; const ws = new WritableStream({ write(c) { log.push(c); }, close() { log.push("close"); } });
  await from([1]).pipeTo(ws, { preventClose: true }); assertEq(ws.locked, false);
  const w = ws.getWriter(); await w.write(2); assertSame(log, [1, 2]);
});
test("pipeTo: a source error aborts the destination", async () => {
  let aborted; const rs = new ReadableStream({ start(c) { c.error(new RangeError("src")); } });
  await assertRejects("RangeError", rs.pipeTo(new WritableStream({ abort(r) { aborted = r; } })));
  assertEq(errorName(aborted), "RangeError");
});
test("pipeTo: a destination error cancels the source", async () => {
  let cancelled; const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel(r) { cancelled = r; } });
  await assertRejects("RangeError", rs.pipeTo(new WritableStream({ write() { throw new RangeError("dst"); } })));
  assertEq(errorName(cancelled), "RangeError");
});
test("pipeTo: an abort signal stops the pipe with AbortError", async () => {
  const ac = new AbortController(); const p = new ReadableStream({ pull(c) { c.enqueue(1); } }).pipeTo(new WritableStream(), { signal: ac.signal });
  ac.abort(); const e = await assertRejects("AbortError", p);
});
test("queuing strategies", () => {
  assertEq(new CountQueuingStrategy({ highWaterMark: 3 }).size(), 1);
  assertEq(new ByteLengthQueuingStrategy({ highWaterMark: 3 }).size(new Uint8Array(7)), 7);
  assertEq(new CountQueuingStrategy({ highWaterMark: 3 }).highWaterMark, 3);
});
test("an invalid highWaterMark is a RangeError", () => {
  assertThrows("RangeError", () => new ReadableStream({}, { highWaterMark: -1 }));
});
test("constructors of controllers and readers are not callable directly", () => {
  assertThrows("TypeError", () => new ReadableStreamDefaultController());
  assertThrows("TypeError", () => new ReadableStreamDefaultReader({}));
});
