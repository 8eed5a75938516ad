// HTML structured serialisation through structuredClone.
test("primitives pass through", () => {
  for (const v of [1, -0, NaN, "s", true, null, undefined, 10n]) assertEq(structuredClone(v), v);
});
test("plain objects and arrays are deep copies", () => {
  const o = { a: [1, { b: 2 }] }; const c = structuredClone(o);
  assertSame(c, o); assertTrue(c !== o && c.a !== o.a && c.a[1] !== o.a[1]);
});
test("cycles and shared references are kept", () => {
  const o = { x: {} }; o.self = o; o.y = o.x; const c = structuredClone(o);
  assertTrue(c.self === c && c.x === c.y);
});
test("sparse arrays keep holes and extra properties", () => {
  const a = [1, , 3]; a.extra = "e"; const c = structuredClone(a);
  assertEq(1 in c, false); assertEq(c.length, 3); assertEq(c.extra, "e");
});
test("Date, RegExp, boxed primitives", () => {
  const d = new Date(5); const r = /a+/gi;
  assertEq(structuredClone(d).getTime(), 5); assertEq(String(structuredClone(r)), "/a+/gi");
  assertEq(typeof structuredClone(Object(1)), "object"); assertEq(structuredClone(Object("s")).valueOf(), "s");
});
test("Map and Set keep order and clone members", () => {
  const k = {}; const m = structuredClone(new Map([[k, 1], ["b", 2]]));
  assertSame([...m.values()], [1, 2]); assertTrue([...m.keys()][0] !== k);
  assertSame([...structuredClone(new Set([3, 1, 2]))], [3, 1, 2]);
});
test("ArrayBuffer and views, sharing one buffer", () => {
  const buf = new ArrayBuffer(4); const o = { a: new Uint8Array(buf, 1, 2), b: new DataView(buf) };
  o.a[0] = 7; const c = structuredClone(o);
  assertTrue(c.a.buffer === c.b.buffer); assertEq(c.a[0], 7); assertEq(c.a.byteOffset, 1); assertTrue(c.a.buffer !== buf);
});
test("Error types, message and cause are kept", () => {
  const c = structuredClone(new RangeError("r", { cause: "why" }));
  assertTrue(c instanceof RangeError); assertEq(Object.prototype.toString.call(c), "[object Error]");
  assertSame([c.name, c.message, c.cause], ["RangeError", "r", "why"]);
});
test("an Error with an unknown name becomes Error", () => {
  const e = new Error("m"); e.name = "Custom"; const c = structuredClone(e);
  assertEq(c.name, "Error"); assertEq(c.constructor, Error);
});
test("an Error without message has no own message", () => {
  assertEq(Object.hasOwn(structuredClone(new TypeError()), "message"), false);
});
test("DOMException is cloneable", () => {
  const c = structuredClone(new DOMException("m", "AbortError"));
  assertTrue(c instanceof DOMException); assertSame([c.name, c.message, c.code], ["AbortError", "m", 20]);
});
test("functions and symbols throw DataCloneError", () => {
  assertThrows("DataCloneError", () => structuredClone(() => {}));
  assertThrows("DataCloneError", () => structuredClone(Symbol("s")));
  assertThrows("DataCloneError", () => structuredClone({ f() {} }));
});
test("platform objects that are not serializable throw", () => {
  assertThrows("DataCloneError", () => structuredClone(new WeakMap()));
  assertThrows("DataCloneError", () => structuredClone(Promise.resolve()));
});
test("prototype and getters are not kept: own enumerable data only", () => {
  class P { constructor() { this.x = 1; } get y() { return 2; } }
  const c = structuredClone(new P()); assertEq(Object.getPrototypeOf(c), Object.prototype); assertSame(c, { x: 1 });
});
test("symbol-keyed and non-enumerable properties are dropped", () => {
  const o = { a: 1, [Symbol("s")]: 2 }; Object.defineProperty(o, "h", { value: 3, enumerable: false });
  assertSame(Object.getOwnPropertyNames(structuredClone(o)), ["a"]);
});
test("transfer detaches the original buffer", () => {
  const buf = new Uint8Array([1, 2]).buffer; const c = structuredClone(buf, { transfer: [buf] });
  assertEq(buf.byteLength, 0); assertSame(bytes(new Uint8Array(c)), [1, 2]);
});
test("transferring the same buffer twice is a DataCloneError", () => {
  const buf = new ArrayBuffer(1); assertThrows("DataCloneError", () => structuredClone(buf, { transfer: [buf, buf] }));
});
test("Blob and File are cloneable", async () => {
  const f = structuredClone(new File(["hi"], "a.txt", { type: "text/plain" }));
  assertTrue(f instanceof File); assertSame([f.name, f.type, await f.text()], ["a.txt", "text/plain", "hi"]);
});
test("structuredClone needs an argument", () => { assertThrows("TypeError", () => structuredClone()); });
