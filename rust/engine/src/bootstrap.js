// The engine's bootstrap: evaluated first in every isolate. Its completion value
// is `install`, which the engine calls with `this` = the one host callback
// function; it returns the mailbox (a SharedArrayBuffer the host reads and writes while
// JavaScript is paused inside that callback). See docs/architecture.md.
(function install() {
  "use strict";
  const hostFn = this;
  const CAP = __MAILBOX_BYTES__;
  const HEADER = 64;
  const BODY = CAP - HEADER;
  const sab = new SharedArrayBuffer(CAP);
  const H = new Int32Array(sab, 0, HEADER / 4);
  const B = new Uint8Array(sab);
  // Message kinds and flags; the same numbers are in rust/engine/src/mailbox.rs.
  const K_POST = 1, K_REQUEST = 2, K_RESULT = 3, K_ERROR = 4, K_TAKE = 5;
  const K_RANDOM = 10, K_DIGEST = 11, K_HMAC = 12, K_SOURCE = 13, K_IDNA = 14;
  const F_BINARY = 1, F_MORE = 2;

  // UTF-8 encoding into a byte array; lone surrogates become U+FFFD.
  function encodeInto(str, out, at) {
    const n = str.length;
    for (let i = 0; i < n; i++) {
      let c = str.charCodeAt(i);
      if (c < 0x80) { out[at++] = c; continue; }
      if (c < 0x800) { out[at++] = 0xc0 | (c >> 6); out[at++] = 0x80 | (c & 63); continue; }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? str.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[at++] = 0xf0 | (c >> 18); out[at++] = 0x80 | ((c >> 12) & 63);
          out[at++] = 0x80 | ((c >> 6) & 63); out[at++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd;
      }
      out[at++] = 0xe0 | (c >> 12); out[at++] = 0x80 | ((c >> 6) & 63); out[at++] = 0x80 | (c & 63);
    }
    return at;
  }
  function toBytes(str) {
    const tmp = new Uint8Array(str.length * 3);
    return tmp.subarray(0, encodeInto(str, tmp, 0));
  }
  function asBytes(data) {
    if (data instanceof Uint8Array) return data;
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return null;
  }

  // Writes one message (op + data) and calls the host once per chunk.
  function send(kind, id, op, data, extra) {
    const opLen = encodeInto(op, B, HEADER) - HEADER;
    let bytes = asBytes(data);
    const binary = bytes !== null;
    if (!binary) {
      const text = data == null ? "" : String(data);
      if (text.length * 3 <= BODY - opLen) {
        const end = encodeInto(text, B, HEADER + opLen);
        H[0] = kind; H[1] = id; H[2] = opLen; H[3] = end - HEADER - opLen; H[4] = 0; H[5] = extra | 0;
        hostFn();
        return;
      }
      bytes = toBytes(text);
    }
    let off = 0;
    let first = true;
    do {
      const head = first ? opLen : 0;
      const room = BODY - head;
      const n = Math.min(room, bytes.length - off);
      B.set(bytes.subarray(off, off + n), HEADER + head);
      off += n;
      H[0] = kind; H[1] = id; H[2] = head; H[3] = n;
      H[4] = (binary ? F_BINARY : 0) | (off < bytes.length ? F_MORE : 0); H[5] = extra | 0;
      hostFn();
      first = false;
    } while (off < bytes.length);
  }
  // A synchronous host operation: the reply is in the mailbox when hostFn returns.
  function syncCall(kind, op, data, extra) {
    send(kind, 0, op, data, extra);
    const status = H[7];
    const len = H[6];
    const out = B.slice(HEADER, HEADER + len);
    if (status !== 0) {
      throw new (status === 2 ? RangeError : TypeError)(String.fromCharCode.apply(null, out));
    }
    return out;
  }

  const pending = new Map();
  let nextRequest = 1;
  const host = Object.freeze({
    post(op, data) { send(K_POST, 0, String(op), data, 0); },
    request(op, data) {
      const id = nextRequest;
      nextRequest = nextRequest >= 0x7fffffff ? 1 : nextRequest + 1;
      const d = Promise.withResolvers();
      pending.set(id, d);
      send(K_REQUEST, id, String(op), data, 0);
      return d.promise;
    },
    randomBytes(n) { return syncCall(K_RANDOM, "", "", n >>> 0); },
    digest(alg, data) { return syncCall(K_DIGEST, String(alg), asBytes(data) || new Uint8Array(0), 0); },
    // UTS #46 ToASCII as the URL Standard's "domain to ASCII" (null: not a valid domain)
    domainToASCII(domain) {
      try { return String.fromCharCode.apply(null, syncCall(K_IDNA, "", String(domain), 0)); } catch { return null; }
    },
    hmac(alg, key, data) {
      const k = asBytes(key), d = asBytes(data);
      const both = new Uint8Array(k.length + d.length);
      both.set(k, 0); both.set(d, k.length);
      return syncCall(K_HMAC, String(alg), both, k.length);
    },
    // A registered script's text (rust/engine/src/sources.rs), sent as UTF-16LE.
    source(name) {
      const bytes = syncCall(K_SOURCE, String(name), "", 0);
      const units = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
      const parts = [];
      for (let i = 0; i < units.length; i += 8192) {
        parts.push(String.fromCharCode.apply(null, units.subarray(i, i + 8192)));
      }
      return parts.join("");
    },
  });
  const hoody = { onCall: null, host };
  Object.defineProperty(globalThis, "__hoody", { value: hoody, writable: false, enumerable: false, configurable: false });

  function describe(e) {
    if (e instanceof Error || (e && typeof e === "object" && "message" in e && "stack" in e)) {
      let stack = "";
      try { stack = String(e.stack || ""); } catch { /* a getter may throw */ }
      return JSON.stringify({ name: String(e.name || "Error"), message: String(e.message), stack });
    }
    let text;
    try { text = typeof e === "string" ? e : JSON.stringify(e); } catch { text = String(e); }
    return JSON.stringify({ name: "Error", message: "Uncaught " + text, stack: "" });
  }
  function deliver(id, v) {
    if (v instanceof Uint8Array || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) send(K_RESULT, id, "", v, 0);
    else send(K_RESULT, id, "", v === undefined ? "" : String(v), 0);
  }
  // Called by the host with `this` = "<id>:<payload>".
  function dispatch() {
    const s = String(this);
    const i = s.indexOf(":");
    const id = +s.slice(0, i);
    let p;
    try {
      const f = hoody.onCall;
      if (typeof f !== "function") throw new TypeError("__hoody.onCall is not set: no program is loaded");
      p = Promise.resolve(f(s.slice(i + 1)));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then((v) => deliver(id, v), (e) => send(K_ERROR, id, "", describe(e), 0))
      .catch((e) => send(K_ERROR, id, "", describe(e), 0));
  }
  // Called by the host with `this` = "r<id>:<text>" | "b<id>:" | "e<id>:<name>:<message>".
  function settle() {
    const s = String(this);
    const i = s.indexOf(":");
    const id = +s.slice(1, i);
    const d = pending.get(id);
    if (d === undefined) return;
    pending.delete(id);
    const tag = s[0];
    if (tag === "r") d.resolve(s.slice(i + 1));
    else if (tag === "b") {
      // Binary replies are pulled in mailbox-sized pieces; H[5] says what is left.
      const parts = [];
      let total = 0;
      do {
        const part = syncCall(K_TAKE, "", "", id);
        parts.push(part);
        total += part.length;
      } while (H[5] > 0);
      const out = new Uint8Array(total);
      let at = 0;
      for (const part of parts) { out.set(part, at); at += part.length; }
      d.resolve(out);
    }
    else {
      const rest = s.slice(i + 1);
      const j = rest.indexOf(":");
      const name = rest.slice(0, j);
      const C = typeof globalThis[name] === "function" && /Error$/.test(name) ? globalThis[name] : Error;
      d.reject(new C(rest.slice(j + 1)));
    }
  }
  globalThis.__hoody_dispatch = dispatch;
  globalThis.__hoody_settle = settle;
  // Hello: before the mailbox is known the engine takes a host call as the sign
  // of which thread runs this isolate (its CPU clock, its protection keys).
  hostFn();
  return sab;
})
