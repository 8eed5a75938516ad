// queueMicrotask, structuredClone, performance.
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const { DOMException } = W;

  // ------------------------------------------------------------------ queueMicrotask
  const resolved = Promise.resolve();
  W.defineGlobal("queueMicrotask", function queueMicrotask(callback) {
    W.requiredArgs(arguments.length, 1, "Failed to execute 'queueMicrotask'");
    if (typeof callback !== "function") {
      throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
    }
    resolved.then(() => {
      try { callback(); } catch (e) { W.reportError(e); }
    });
  });

  // ------------------------------------------------------------------ structuredClone
  const errorCtors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  const typedCtors = {
    Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
  };
  if (typeof Float16Array === "function") typedCtors.Float16Array = Float16Array;
  const objToString = Object.prototype.toString;
  const getProto = Object.getPrototypeOf;
  const cloneHooks = []; // [test(v) -> bool, clone(v, memo, clone) -> copy] registered by Blob etc.
  W.registerCloneable = function (test, clone) { cloneHooks.push([test, clone]); };

  function dataCloneError(what) {
    return new DOMException(`${what} could not be cloned.`, "DataCloneError");
  }

  function cloneBuffer(buf, memo) {
    if (memo.has(buf)) return memo.get(buf);
    if (typeof SharedArrayBuffer === "function" && buf instanceof SharedArrayBuffer) { memo.set(buf, buf); return buf; }
    if (buf.detached) throw dataCloneError("A detached ArrayBuffer");
    const copy = buf.resizable ? new ArrayBuffer(buf.byteLength, { maxByteLength: buf.maxByteLength }) : new ArrayBuffer(buf.byteLength);
    new Uint8Array(copy).set(new Uint8Array(buf));
    memo.set(buf, copy);
    return copy;
  }

  function clone(v, memo) {
    const t = typeof v;
    if (t === "symbol") throw dataCloneError(String(v));
    if (t === "function") throw dataCloneError(`${String(v).slice(0, 60)}`);
    if (v === null || t !== "object") return v;
    if (memo.has(v)) return memo.get(v);
    const tag = objToString.call(v);
    let out;
    switch (tag) {
      case "[object Boolean]": out = Object(Boolean.prototype.valueOf.call(v)); break;
      case "[object Number]": out = Object(Number.prototype.valueOf.call(v)); break;
      case "[object String]": out = Object(String.prototype.valueOf.call(v)); break;
      case "[object BigInt]": out = Object(BigInt.prototype.valueOf.call(v)); break;
      case "[object Date]": out = new Date(Date.prototype.getTime.call(v)); break;
      case "[object RegExp]": out = new RegExp(v.source, v.flags); break;
      case "[object ArrayBuffer]": case "[object SharedArrayBuffer]": return cloneBuffer(v, memo);
      default: break;
    }
    if (out !== undefined) { memo.set(v, out); return out; }
    if (ArrayBuffer.isView(v)) {
      const name = tag.slice(8, -1);
      const Ctor = typedCtors[name];
      if (!Ctor) throw dataCloneError(tag);
      const buf = cloneBuffer(v.buffer, memo);
      out = name === "DataView"
        ? new DataView(buf, v.byteOffset, v.byteLength)
        : new Ctor(buf, v.byteOffset, v.length);
      memo.set(v, out);
      return out;
    }
    if (v instanceof Map || tag === "[object Map]") {
      out = new Map();
      memo.set(v, out);
      for (const [k, val] of Map.prototype.entries.call(v)) out.set(clone(k, memo), clone(val, memo));
      return out;
    }
    if (v instanceof Set || tag === "[object Set]") {
      out = new Set();
      memo.set(v, out);
      for (const val of Set.prototype.values.call(v)) out.add(clone(val, memo));
      return out;
    }
    if (tag === "[object Error]" || v instanceof Error) {
      let name = v.name;
      if (!Object.prototype.hasOwnProperty.call(errorCtors, name)) name = "Error";
      if (W.isDOMException(v)) {
        out = new DOMException(v.message, v.name);
      } else {
        // NOTE: constructed, not Object.create'd: the copy needs the [[ErrorData]] slot
        // (Object.prototype.toString, Error.isError) that only the constructor gives.
        const desc = Object.getOwnPropertyDescriptor(v, "message");
        out = desc && "value" in desc ? new errorCtors[name](String(desc.value)) : new errorCtors[name]();
      }
      memo.set(v, out);
      if (typeof v.stack === "string") Object.defineProperty(out, "stack", { value: v.stack, writable: true, configurable: true });
      if ("cause" in v) Object.defineProperty(out, "cause", { value: clone(v.cause, memo), writable: true, configurable: true });
      return out;
    }
    for (const [test, fn] of cloneHooks) {
      if (test(v)) { out = fn(v); memo.set(v, out); return out; }
    }
    if (Array.isArray(v)) {
      out = new Array(v.length);
      memo.set(v, out);
      for (const key of Object.keys(v)) out[key] = clone(v[key], memo);
      return out;
    }
    const proto = getProto(v);
    if (tag !== "[object Object]" && proto !== Object.prototype && proto !== null) {
      // Platform objects (Promise, WeakMap, streams, ...) are not serializable.
      if (tag !== "[object Object]") throw dataCloneError(tag);
    }
    out = {};
    memo.set(v, out);
    for (const key of Object.keys(v)) out[key] = clone(v[key], memo);
    return out;
  }

  W.defineGlobal("structuredClone", function structuredClone(value, options) {
    W.requiredArgs(arguments.length, 1, "Failed to execute 'structuredClone'");
    const memo = new Map();
    const transfer = options && options.transfer !== undefined ? Array.from(options.transfer) : [];
    for (const buf of transfer) {
      if (!(buf instanceof ArrayBuffer)) throw dataCloneError("Value in transfer list");
      if (buf.detached) throw dataCloneError("A detached ArrayBuffer");
      if (memo.has(buf)) throw new DOMException("ArrayBuffer is duplicated in the transfer list", "DataCloneError");
      memo.set(buf, null);
    }
    memo.clear();
    const result = clone(value, memo);
    // The clone holds copies; detaching the originals completes the transfer.
    for (const buf of transfer) if (typeof buf.transfer === "function") buf.transfer();
    return result;
  });

  // ------------------------------------------------------------------ performance
  const timeOrigin = Date.now();
  W.timeOrigin = timeOrigin;
  class Performance {
    constructor(key) { if (key !== W) throw new TypeError("Illegal constructor"); }
    get timeOrigin() { return timeOrigin; }
    now() { return Date.now() - timeOrigin; }
    toJSON() { return { timeOrigin }; }
  }
  W.tag(Performance);
  const performance = new Performance(W);
  W.defineGlobal("Performance", Performance);
  W.defineGlobal("performance", performance);
  W.now = () => Date.now() - timeOrigin;
})();
