// hoody-exec Web platform prelude: shared internals.
// Every prelude file is an IIFE in strict mode. Shared helpers live on a hidden
// namespace (`__hoody._w`) that each file captures at load time; the last file of
// the prelude removes it from `__hoody`, so user code never sees it.
(function () {
  "use strict";
  const hoody = globalThis.__hoody || (globalThis.__hoody = {});
  const W = Object.create(null);
  Object.defineProperty(hoody, "_w", { value: W, writable: false, enumerable: false, configurable: true });

  W.host = hoody.host;

  /** Install a global like browsers do: writable, configurable, non-enumerable. */
  W.defineGlobal = function (name, value) {
    Object.defineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: true });
  };
  /** Make class prototype members enumerable=false (class default) and set the tag. */
  W.tag = function (cls, tagName) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, {
      value: tagName || cls.name, writable: false, enumerable: false, configurable: true,
    });
  };
  /** Define non-enumerable getters (for namespace-like objects). */
  W.defineMethods = function (obj, methods) {
    for (const key of Object.keys(methods)) {
      Object.defineProperty(obj, key, { value: methods[key], writable: true, enumerable: true, configurable: true });
    }
  };

  // ------------------------------------------------------------------ DOMException
  const codes = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  class DOMException extends Error {
    #name;
    #message;
    constructor(message = "", name = "Error") {
      super(String(message));
      this.#message = String(message);
      this.#name = String(name);
      // `message` as own property shadows Error.prototype.message; hide it again.
      delete this.message;
    }
    get name() { return this.#name; }
    get message() { return this.#message; }
    get code() { return codes[this.#name] || 0; }
    static { W.isDOMException = (v) => v !== null && typeof v === "object" && #name in v; }
  }
  for (const [name, code] of Object.entries(codes)) {
    const constName = name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase().replace(/_ERROR$/, "_ERR");
    Object.defineProperty(DOMException, constName, { value: code, enumerable: true });
    Object.defineProperty(DOMException.prototype, constName, { value: code, enumerable: true });
  }
  // Names whose legacy constant names differ from the mechanical rule.
  for (const [k, v] of [["DOMSTRING_SIZE_ERR", 2], ["INUSE_ATTRIBUTE_ERR", 10], ["VALIDATION_ERR", 16]]) {
    Object.defineProperty(DOMException, k, { value: v, enumerable: true });
    Object.defineProperty(DOMException.prototype, k, { value: v, enumerable: true });
  }
  W.tag(DOMException);
  W.defineGlobal("DOMException", DOMException);
  W.DOMException = DOMException;

  // ------------------------------------------------------------------ small WebIDL helpers
  W.toUSVString = function (v) {
    const s = String(v);
    return typeof s.toWellFormed === "function" ? s.toWellFormed() : s;
  };
  W.toByteString = function (v) {
    const s = String(v);
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 255) throw new TypeError(`Cannot convert "${s}" to a ByteString: character at index ${i} is above 255`);
    }
    return s;
  };
  W.requiredArgs = function (n, required, ctx) {
    if (n < required) {
      throw new TypeError(`${ctx}: ${required} argument${required === 1 ? "" : "s"} required, but only ${n} present.`);
    }
  };
  W.isBufferSource = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v) ||
    (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer);
  /** A Uint8Array view of a BufferSource (no copy). */
  W.bytesView = function (v) {
    if (v instanceof Uint8Array) return v;
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return new Uint8Array(v);
  };
  /** A fresh copy of a BufferSource's bytes. */
  W.bytesCopy = function (v) {
    const view = W.bytesView(v);
    return new Uint8Array(view);
  };
  W.concatBytes = function (chunks, total) {
    if (total === undefined) { total = 0; for (const c of chunks) total += c.byteLength; }
    if (chunks.length === 1 && chunks[0].byteLength === total) return chunks[0];
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.byteLength; }
    return out;
  };
  W.reportError = function (e) {
    // replaced by console.js once loaded
    try { W.host && W.host.post("log", JSON.stringify({ level: "error", message: "Uncaught " + String(e) })); } catch (_) { /* ignore */ }
  };
  W.defineGlobal("reportError", function reportError(e) {
    W.requiredArgs(arguments.length, 1, "Failed to execute 'reportError'");
    W.reportError(e);
  });
  W.defineGlobal("self", globalThis);
})();
