// TextEncoder, TextDecoder (UTF-8, UTF-16LE/BE, windows-1252/latin1), atob, btoa.
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const { DOMException } = W;

  // ------------------------------------------------------------------ UTF-8 encode
  /** UTF-8 bytes of a string; lone surrogates become U+FFFD. */
  function utf8Encode(s) {
    s = String(s);
    const n = s.length;
    let i = 0;
    // ASCII fast path
    for (; i < n; i++) if (s.charCodeAt(i) > 0x7f) break;
    if (i === n) {
      const out = new Uint8Array(n);
      for (let k = 0; k < n; k++) out[k] = s.charCodeAt(k);
      return out;
    }
    let out = new Uint8Array(i + (n - i) * 3);
    for (let k = 0; k < i; k++) out[k] = s.charCodeAt(k);
    let p = i;
    for (; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) { out[p++] = c; continue; }
      if (c < 0x800) { out[p++] = 0xc0 | (c >> 6); out[p++] = 0x80 | (c & 63); continue; }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[p++] = 0xf0 | (c >> 18); out[p++] = 0x80 | ((c >> 12) & 63);
          out[p++] = 0x80 | ((c >> 6) & 63); out[p++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd;
      }
      out[p++] = 0xe0 | (c >> 12); out[p++] = 0x80 | ((c >> 6) & 63); out[p++] = 0x80 | (c & 63);
    }
    return p === out.length ? out : out.slice(0, p);
  }
  W.utf8Encode = utf8Encode;

  // ------------------------------------------------------------------ UTF-8 decode
  const CHUNK = 0x2000;
  function codesToString(codes, len) {
    if (len <= CHUNK) return String.fromCharCode.apply(null, len === codes.length ? codes : codes.subarray(0, len));
    let s = "";
    for (let i = 0; i < len; i += CHUNK) s += String.fromCharCode.apply(null, codes.subarray(i, Math.min(i + CHUNK, len)));
    return s;
  }

  /**
   * The Encoding spec's UTF-8 decoder, resumable. state = {need, seen, cp, lower, upper}.
   * Returns the decoded string; throws TypeError when fatal and an error occurs.
   */
  function utf8DecodeChunk(bytes, state, fatal, flush) {
    const out = new Uint16Array(bytes.length + 2);
    let p = 0;
    let { need, seen, cp, lower, upper } = state;
    const fail = () => { if (fatal) { state.need = 0; throw new TypeError("The encoded data was not valid for encoding utf-8"); } out[p++] = 0xfffd; };
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (need === 0) {
        if (b < 0x80) { out[p++] = b; continue; }
        if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          if (b === 0xed) upper = 0x9f;
          need = 2; cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f;
          need = 3; cp = b & 0x7;
        } else { fail(); }
        continue;
      }
      if (b < lower || b > upper) {
        cp = need = seen = 0; lower = 0x80; upper = 0xbf;
        fail();
        i--; // reprocess this byte
        continue;
      }
      lower = 0x80; upper = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      seen++;
      if (seen !== need) continue;
      if (cp > 0xffff) {
        const c = cp - 0x10000;
        out[p++] = 0xd800 + (c >> 10);
        out[p++] = 0xdc00 + (c & 0x3ff);
      } else {
        out[p++] = cp;
      }
      cp = need = seen = 0;
    }
    if (flush && need !== 0) {
      cp = need = seen = 0; lower = 0x80; upper = 0xbf;
      fail();
    }
    state.need = need; state.seen = seen; state.cp = cp; state.lower = lower; state.upper = upper;
    return codesToString(out, p);
  }
  const freshState = () => ({ need: 0, seen: 0, cp: 0, lower: 0x80, upper: 0xbf });
  W.utf8Decode = function (bytes) {
    const view = W.bytesView(bytes);
    let start = 0;
    if (view.length >= 3 && view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf) start = 3;
    return utf8DecodeChunk(start ? view.subarray(start) : view, freshState(), false, true);
  };
  W.utf8DecodeNoBOM = (bytes) => utf8DecodeChunk(W.bytesView(bytes), freshState(), false, true);

  // windows-1252 bytes 0x80-0x9f
  const W1252 = [0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
    0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178];

  const LABELS = new Map();
  for (const l of ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]) LABELS.set(l, "utf-8");
  for (const l of ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"]) LABELS.set(l, "utf-16le");
  for (const l of ["unicodefffe", "utf-16be"]) LABELS.set(l, "utf-16be");
  for (const l of ["ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
    "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252"]) LABELS.set(l, "windows-1252");

  const asciiWS = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;

  class TextDecoder {
    #encoding; #fatal; #ignoreBOM; #bomSeen = false; #state = freshState(); #pending = null; #doNotFlush = false;
    constructor(label = "utf-8", options = {}) {
      const enc = LABELS.get(String(label).replace(asciiWS, "").toLowerCase());
      if (!enc) throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${label}') is invalid.`);
      this.#encoding = enc;
      const o = options === undefined || options === null ? {} : options;
      this.#fatal = !!o.fatal;
      this.#ignoreBOM = !!o.ignoreBOM;
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = undefined, options = {}) {
      if (input !== undefined && !W.isBufferSource(input)) {
        throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'");
      }
      if (!this.#doNotFlush) { this.#state = freshState(); this.#bomSeen = false; this.#pending = null; }
      const stream = !!(options && options.stream);
      this.#doNotFlush = stream;
      let bytes = input === undefined ? new Uint8Array(0) : W.bytesView(input);
      let s;
      if (this.#encoding === "utf-8") {
        try {
          s = utf8DecodeChunk(bytes, this.#state, this.#fatal, !stream);
        } catch (e) {
          this.#doNotFlush = false;
          throw e;
        }
      } else if (this.#encoding === "windows-1252") {
        s = "";
        for (let i = 0; i < bytes.length; i += CHUNK) {
          const part = Array.from(bytes.subarray(i, i + CHUNK), (b) => (b >= 0x80 && b <= 0x9f ? W1252[b - 0x80] : b));
          s += String.fromCharCode.apply(null, part);
        }
      } else {
        if (this.#pending) { bytes = W.concatBytes([this.#pending, bytes]); this.#pending = null; }
        const be = this.#encoding === "utf-16be";
        const even = bytes.length & ~1;
        const units = new Uint16Array(even / 2);
        for (let i = 0, k = 0; i < even; i += 2, k++) units[k] = be ? (bytes[i] << 8) | bytes[i + 1] : bytes[i] | (bytes[i + 1] << 8);
        s = codesToString(units, units.length);
        // hold back a trailing lead surrogate or odd byte when streaming
        let hold = bytes.length - even;
        if (stream && units.length && units[units.length - 1] >= 0xd800 && units[units.length - 1] <= 0xdbff) { s = s.slice(0, -1); hold += 2; }
        if (stream && hold) this.#pending = bytes.slice(bytes.length - hold);
        else if (hold) {
          if (this.#fatal) throw new TypeError(`The encoded data was not valid for encoding ${this.#encoding}`);
          s += "\ufffd";
        }
        const wf = s.toWellFormed ? s.toWellFormed() : s;
        if (wf !== s && this.#fatal) throw new TypeError(`The encoded data was not valid for encoding ${this.#encoding}`);
        s = wf;
      }
      if (!this.#ignoreBOM && !this.#bomSeen && s.length > 0) {
        this.#bomSeen = true;
        if (s.charCodeAt(0) === 0xfeff && this.#encoding !== "windows-1252") s = s.slice(1);
      }
      return s;
    }
  }
  W.tag(TextDecoder);

  class TextEncoder {
    constructor() {}
    get encoding() { return "utf-8"; }
    encode(input = "") { return utf8Encode(W.toUSVString(input)); }
    encodeInto(source, destination) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'encodeInto' on 'TextEncoder'");
      if (!(destination instanceof Uint8Array)) {
        throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
      }
      const s = String(source);
      const cap = destination.length;
      let read = 0, written = 0;
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        let units = 1;
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); units = 2; }
          else c = 0xfffd;
        }
        const len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (written + len > cap) break;
        if (len === 1) destination[written++] = c;
        else if (len === 2) { destination[written++] = 0xc0 | (c >> 6); destination[written++] = 0x80 | (c & 63); }
        else if (len === 3) {
          destination[written++] = 0xe0 | (c >> 12); destination[written++] = 0x80 | ((c >> 6) & 63); destination[written++] = 0x80 | (c & 63);
        } else {
          destination[written++] = 0xf0 | (c >> 18); destination[written++] = 0x80 | ((c >> 12) & 63);
          destination[written++] = 0x80 | ((c >> 6) & 63); destination[written++] = 0x80 | (c & 63);
        }
        read += units;
        i += units - 1;
      }
      return { read, written };
    }
  }
  W.tag(TextEncoder);

  // ------------------------------------------------------------------ base64
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64REV = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) B64REV[B64.charCodeAt(i)] = i;
  W.base64Encode = function (bytes) {
    let out = "";
    let chunk = [];
    const n = bytes.length;
    let i = 0;
    for (; i + 2 < n; i += 3) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      chunk.push(B64[v >> 18], B64[(v >> 12) & 63], B64[(v >> 6) & 63], B64[v & 63]);
      if (chunk.length >= 8192) { out += chunk.join(""); chunk = []; }
    }
    if (i < n) {
      const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
      chunk.push(B64[v >> 18], B64[(v >> 12) & 63], i + 1 < n ? B64[(v >> 6) & 63] : "=", "=");
    }
    return out + chunk.join("");
  };
  /** forgiving-base64 decode; returns null on failure. */
  W.base64Decode = function (s) {
    s = s.replace(/[\t\n\f\r ]/g, "");
    if (s.length % 4 === 0) s = s.replace(/==?$/, "");
    if (s.length % 4 === 1) return null;
    const out = new Uint8Array(Math.floor((s.length * 3) / 4));
    let buf = 0, bits = 0, p = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const v = c < 128 ? B64REV[c] : -1;
      if (v < 0) return null;
      buf = (buf << 6) | v;
      bits += 6;
      if (bits >= 8) { bits -= 8; out[p++] = (buf >> bits) & 0xff; }
    }
    return out.subarray(0, p);
  };

  function btoa(data) {
    W.requiredArgs(arguments.length, 1, "Failed to execute 'btoa'");
    const s = String(data);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) throw new DOMException("Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range.", "InvalidCharacterError");
      bytes[i] = c;
    }
    return W.base64Encode(bytes);
  }
  function atob(data) {
    W.requiredArgs(arguments.length, 1, "Failed to execute 'atob'");
    const bytes = W.base64Decode(String(data));
    if (bytes === null) throw new DOMException("Failed to execute 'atob': The string to be decoded is not correctly encoded.", "InvalidCharacterError");
    return codesToString(bytes, bytes.length);
  }

  W.TextEncoder = TextEncoder;
  W.TextDecoder = TextDecoder;
  W.defineGlobal("TextEncoder", TextEncoder);
  W.defineGlobal("TextDecoder", TextDecoder);
  W.defineGlobal("btoa", btoa);
  W.defineGlobal("atob", atob);
})();
