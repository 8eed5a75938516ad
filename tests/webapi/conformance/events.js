// DOM Standard: Event, CustomEvent, EventTarget, AbortController, AbortSignal.
test("listeners run in order with the event as argument and this", () => {
  const t = new EventTarget(); const log = [];
  t.addEventListener("x", function (e) { log.push([this === t, e.type, e.target === t, e.currentTarget === t]); });
  t.addEventListener("x", () => log.push("second"));
  assertEq(t.dispatchEvent(new Event("x")), true); assertSame(log, [[true, "x", true, true], "second"]);
});
test("the same listener is added once", () => {
  const t = new EventTarget(); let n = 0; const f = () => n++;
  t.addEventListener("x", f); t.addEventListener("x", f); t.dispatchEvent(new Event("x")); assertEq(n, 1);
});
test("once, removeEventListener and the signal option", () => {
  const t = new EventTarget(); const ac = new AbortController(); let a = 0, b = 0, c = 0; const fb = () => b++;
  t.addEventListener("x", () => a++, { once: true }); t.addEventListener("x", fb); t.addEventListener("x", () => c++, { signal: ac.signal });
  t.dispatchEvent(new Event("x")); t.removeEventListener("x", fb); ac.abort(); t.dispatchEvent(new Event("x"));
  assertSame([a, b, c], [1, 1, 1]);
});
test("handleEvent objects are listeners", () => {
  const t = new EventTarget(); let seen; t.addEventListener("x", { handleEvent(e) { seen = e.type; } });
  t.dispatchEvent(new Event("x")); assertEq(seen, "x");
});
test("preventDefault only for cancelable events", () => {
  const t = new EventTarget(); t.addEventListener("x", (e) => e.preventDefault());
  assertEq(t.dispatchEvent(new Event("x", { cancelable: true })), false); assertEq(t.dispatchEvent(new Event("x")), true);
});
test("stopImmediatePropagation skips later listeners", () => {
  const t = new EventTarget(); const log = [];
  t.addEventListener("x", (e) => { log.push(1); e.stopImmediatePropagation(); }); t.addEventListener("x", () => log.push(2));
  t.dispatchEvent(new Event("x")); assertSame(log, [1]);
});
test("a throwing listener does not stop the others", () => {
  const t = new EventTarget(); const log = []; const orig = globalThis.reportError;
  t.addEventListener("x", () => { throw new Error("l1"); }); t.addEventListener("x", () => log.push(2));
  t.dispatchEvent(new Event("x")); assertSame(log, [2]);
});
test("dispatching an event twice is an InvalidStateError", () => {
  const t = new EventTarget(); const e = new Event("x");
  t.addEventListener("x", () => assertThrows("InvalidStateError", () => t.dispatchEvent(e))); t.dispatchEvent(e);
});
test("Event defaults and timeStamp", () => {
  const e = new Event("x"); assertSame([e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.eventPhase, e.isTrusted], [false, false, false, false, 0, false]);
  assertTrue(typeof e.timeStamp === "number");
});
test("Event needs a type", () => { assertThrows("TypeError", () => new Event()); });
test("CustomEvent carries detail", () => { assertEq(new CustomEvent("c", { detail: { a: 1 } }).detail.a, 1); assertEq(new CustomEvent("c").detail, null); });
test("EventTarget can be subclassed", () => {
  class T extends EventTarget {} const t = new T(); let hit = false; t.addEventListener("x", () => { hit = true; }); t.dispatchEvent(new Event("x")); assertTrue(hit);
});
test("abort: signal fires abort once, reason is an AbortError DOMException", () => {
  const ac = new AbortController(); let n = 0; ac.signal.addEventListener("abort", () => n++); ac.signal.onabort = () => n++;
  ac.abort(); ac.abort(); assertEq(n, 2); assertTrue(ac.signal.reason instanceof DOMException); assertEq(ac.signal.reason.name, "AbortError");
});
test("abort with a custom reason; throwIfAborted throws it", () => {
  const ac = new AbortController(); ac.abort("why"); assertEq(ac.signal.reason, "why");
  try { ac.signal.throwIfAborted(); throw new Error("no throw"); } catch (e) { assertEq(e, "why"); }
});
test("AbortSignal.abort() is already aborted", () => { const s = AbortSignal.abort(); assertTrue(s.aborted); assertEq(s.reason.name, "AbortError"); });
test("AbortSignal.timeout aborts with a TimeoutError", async () => {
  const s = AbortSignal.timeout(5); await tick(30); assertTrue(s.aborted); assertEq(s.reason.name, "TimeoutError");
});
test("AbortSignal.any follows the first source", () => {
  const a = new AbortController(), b = new AbortController(); const s = AbortSignal.any([a.signal, b.signal]);
  b.abort("b"); assertTrue(s.aborted); assertEq(s.reason, "b");
  assertTrue(AbortSignal.any([AbortSignal.abort("x")]).aborted);
});
test("AbortSignal has no public constructor", () => { assertThrows("TypeError", () => new AbortSignal()); });
test("DOMException names, codes and inheritance", () => {
  const e = new DOMException("m", "NotFoundError");
  assertSame([e.name, e.message, e.code, e instanceof Error, DOMException.NOT_FOUND_ERR], ["NotFoundError", "m", 8, true, 8]);
  assertEq(new DOMException().name, "Error");
});
