// hoody-exec dispatch: the glue between one HTTP call and the user's program.
//
// Evaluated in every isolate after the Web API prelude and before the bundle.
// The host calls `__hoody.onCall(payload)` with a JSON string (see
// runtime/protocol.py `CallRequest`) and gets back a JSON string (`CallResponse`).
// The user's program is `globalThis.__hoody_entry` (the bundler's output), read at
// call time so the same glue serves any bundle evaluated afterwards.
(function () {
  "use strict";
  const hoody = globalThis.__hoody;
  const host = hoody.host;

  // ------------------------------------------------------------------ bytes
  // NOTE: own UTF-8 and base64 code so the glue works with or without the Web
  // API prelude (TextEncoder/atob may not exist in a bare isolate).
  function utf8Encode(text) {
    if (typeof TextEncoder === "function") return new TextEncoder().encode(text);
    const out = [];
    for (let i = 0; i < text.length; i++) {
      let c = text.codePointAt(i);
      if (c > 0xffff) i++;
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8Decode(bytes) {
    if (typeof TextDecoder === "function") return new TextDecoder().decode(bytes);
    // Malformed sequences become U+FFFD, as TextDecoder does.
    let out = "";
    const cont = (i) => i < bytes.length && (bytes[i] & 0xc0) === 0x80;
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i];
      let c = 0xfffd;
      let n = 1;
      if (b < 0x80) c = b;
      else if (b >= 0xc2 && b < 0xe0 && cont(i + 1)) { c = ((b & 31) << 6) | (bytes[i + 1] & 63); n = 2; }
      else if (b >= 0xe0 && b < 0xf0 && cont(i + 1) && cont(i + 2)) {
        c = ((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63); n = 3;
        if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) c = 0xfffd;
      } else if (b >= 0xf0 && b < 0xf5 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
        c = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63); n = 4;
        if (c < 0x10000 || c > 0x10ffff) c = 0xfffd;
      }
      out += String.fromCodePoint(c);
      i += n;
    }
    return out;
  }
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64_INDEX = new Uint8Array(128);
  for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;
  function base64Encode(bytes) {
    const parts = [];
    let chunk = "";
    let i = 0;
    for (; i + 2 < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      chunk += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
      if (chunk.length > 8192) { parts.push(chunk); chunk = ""; }
    }
    if (i < bytes.length) {
      const n = (bytes[i] << 16) | ((i + 1 < bytes.length ? bytes[i + 1] : 0) << 8);
      chunk += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=") + "=";
    }
    parts.push(chunk);
    return parts.join("");
  }
  function base64Decode(text) {
    const clean = text.replace(/=+$/, "");
    const out = new Uint8Array((clean.length * 3) >> 2);
    let o = 0;
    for (let i = 0; i < clean.length; i += 4) {
      const n = (B64_INDEX[clean.charCodeAt(i)] << 18) | (B64_INDEX[clean.charCodeAt(i + 1)] << 12) |
        (B64_INDEX[clean.charCodeAt(i + 2)] << 6) | B64_INDEX[clean.charCodeAt(i + 3)];
      out[o++] = n >> 16;
      if (o < out.length) out[o++] = (n >> 8) & 255;
      if (o < out.length) out[o++] = n & 255;
    }
    return out;
  }
  function bytesOf(value) {
    if (value instanceof Uint8Array) return value;
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return new Uint8Array(value);
  }
  function isBinary(value) {
    return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
  }

  // ------------------------------------------------------------------ lazy globals
  // NOTE: with the lazy Web runtime (webapi/lazy.js) reading a global such as
  // `Response` evaluates its family. The glue asks whether one is *loaded*
  // instead: if it is not, no value of that class can exist yet.
  const lazy = hoody.lazy;
  function loaded(name) {
    return name in globalThis && !(lazy && lazy.pending(name));
  }

  // ------------------------------------------------------------------ fallbacks
  // A faithful minimal subset of Headers/Request/Response, installed only when the
  // Web API prelude did not define them (it is loaded first and wins).
  if (!("Headers" in globalThis)) {
    class Headers {
      #map = new Map();
      constructor(init) {
        if (init instanceof Headers) init = [...init];
        else if (init && !Array.isArray(init) && typeof init[Symbol.iterator] !== "function") init = Object.entries(init);
        for (const [k, v] of init || []) this.append(k, v);
      }
      append(k, v) {
        k = String(k).toLowerCase(); v = String(v).trim();
        const list = this.#map.get(k);
        if (list) list.push(v); else this.#map.set(k, [v]);
      }
      set(k, v) { this.#map.set(String(k).toLowerCase(), [String(v).trim()]); }
      get(k) { const l = this.#map.get(String(k).toLowerCase()); return l ? l.join(", ") : null; }
      getSetCookie() { return [...(this.#map.get("set-cookie") || [])]; }
      has(k) { return this.#map.has(String(k).toLowerCase()); }
      delete(k) { this.#map.delete(String(k).toLowerCase()); }
      forEach(fn, self) { for (const [k, v] of this) fn.call(self, v, k, this); }
      *entries() { for (const k of [...this.#map.keys()].sort()) yield [k, this.get(k)]; }
      *keys() { for (const [k] of this.entries()) yield k; }
      *values() { for (const [, v] of this.entries()) yield v; }
      [Symbol.iterator]() { return this.entries(); }
    }
    globalThis.Headers = Headers;
  }
  class Body {
    #bytes; #used = false;
    constructor(body) {
      if (body === undefined || body === null) this.#bytes = null;
      else if (typeof body === "string") this.#bytes = utf8Encode(body);
      else if (isBinary(body)) this.#bytes = bytesOf(body).slice();
      else this.#bytes = utf8Encode(String(body));
    }
    get body() { return this.#bytes; }
    get bodyUsed() { return this.#used; }
    #take() {
      if (this.#used) throw new TypeError("Body has already been consumed.");
      this.#used = true;
      return this.#bytes || new Uint8Array(0);
    }
    async arrayBuffer() { const b = this.#take(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); }
    async bytes() { return this.#take().slice(); }
    async text() { return utf8Decode(this.#take()); }
    async json() { return JSON.parse(await this.text()); }
  }
  if (!("Request" in globalThis)) {
    class Request extends Body {
      constructor(input, init = {}) {
        super(init.body);
        this.url = String(input instanceof Request ? input.url : input);
        this.method = String(init.method || "GET").toUpperCase();
        this.headers = new globalThis.Headers(init.headers);
        this.signal = init.signal;
      }
    }
    globalThis.Request = Request;
  }
  if (!("Response" in globalThis)) {
    class Response extends Body {
      constructor(body, init = {}) {
        super(body);
        this.status = init.status === undefined ? 200 : init.status;
        this.statusText = init.statusText || "";
        this.headers = new globalThis.Headers(init.headers);
        if (typeof body === "string" && !this.headers.has("content-type")) {
          this.headers.set("content-type", "text/plain;charset=UTF-8");
        }
      }
      get ok() { return this.status >= 200 && this.status < 300; }
      static json(data, init = {}) {
        const r = new Response(JSON.stringify(data), init);
        r.headers.set("content-type", "application/json");
        return r;
      }
      static redirect(url, status = 302) { return new Response(null, { status, headers: { location: String(url) } }); }
    }
    globalThis.Response = Response;
  }

  // ------------------------------------------------------------------ context
  // Worker mode keeps this isolate for many calls, so this one object persists;
  // serverless isolates are fresh per call, so it starts empty every time.
  const shared = {};

  function headerObject(pairs) {
    const out = {};
    for (const [k, v] of pairs) out[k] = k in out ? out[k] + (k === "cookie" ? "; " : ", ") + v : v;
    return out;
  }

  function makeLogger(rid) {
    const emit = (level) => (message, fields) => {
      let text;
      try { text = typeof message === "string" ? message : JSON.stringify(message); } catch (_) { text = String(message); }
      try {
        host.post("log", JSON.stringify({ level, message: text, fields: fields === undefined ? null : fields, rid, source: "log" }));
      } catch (_) { /* a field that does not serialise; drop the line rather than fail the call */ }
    };
    return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
  }

  function fallbackConsole(log) {
    const fmt = (args) => args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ");
    return {
      log: (...a) => log.info(fmt(a)), info: (...a) => log.info(fmt(a)), debug: (...a) => log.debug(fmt(a)),
      warn: (...a) => log.warn(fmt(a)), error: (...a) => log.error(fmt(a)),
    };
  }
  function safeJson(v) { try { return JSON.stringify(v); } catch (_) { return String(v); } }

  function parseBody(p, bytes, text) {
    switch (p.body_kind) {
      case "json":
        try { return JSON.parse(text); } catch (_) { return text; }
      case "form": return p.form;
      case "text": return text;
      case "bytes": return bytes;
      default: return undefined;
    }
  }

  function buildContext(p) {
    const headers = headerObject(p.headers);
    let bytes;
    let text;
    if (p.body !== null) {
      if (p.body_base64) bytes = base64Decode(p.body);
      else text = p.body;
    }
    if (text === undefined && bytes !== undefined && p.body_kind !== "bytes") text = utf8Decode(bytes);
    const hasBody = p.body !== null && p.method !== "GET" && p.method !== "HEAD";
    const body = parseBody(p, bytes, text);
    const log = makeLogger(p.rid);
    const req = {
      method: p.method, url: p.url, path: p.path, query: p.query, params: p.params,
      headers, body, ip: p.ip, cookies: p.cookies,
    };
    const ctx = {
      request: undefined, req, body, query: p.query, params: p.params, headers, env: p.env,
      console: undefined, log, fetch: undefined, shared: p.mode === "worker" ? shared : {},
      requestId: p.rid, ws: p.websocket ? hoody.sockets : undefined,
      script: p.script, mode: p.mode,
    };
    // Built on first read (then plain data properties): a script that never reads
    // `request`, `console` or `fetch` loads none of their Web API families.
    deferred(ctx, "request", () => new globalThis.Request(p.url, {
      method: p.method,
      headers: p.headers,
      body: hasBody ? (bytes !== undefined ? bytes : utf8Encode(text)) : undefined,
    }));
    deferred(ctx, "console", () => {
      const c = globalThis.console;
      return typeof c === "object" && c ? c : fallbackConsole(log);
    });
    deferred(ctx, "fetch", () => globalThis.fetch);
    if (p.ai) {
      if (!hoody.ai) throw new Error("@ai true: the AI SDK was not loaded into this isolate");
      Object.assign(ctx, hoody.ai.context(p.ai));
    }
    return ctx;
  }

  function deferred(obj, key, make) {
    const settle = (value) => {
      Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
      return value;
    };
    Object.defineProperty(obj, key, {
      get: () => settle(make()), set: settle, enumerable: true, configurable: true,
    });
  }

  // ------------------------------------------------------------------ result → response
  const HTML_START = /^\s*<(!doctype|html)[\s>]/i;

  async function collectStream(stream) {
    const reader = stream.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = typeof value === "string" ? utf8Encode(value) : bytesOf(value);
      chunks.push(chunk);
      size += chunk.byteLength;
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) { out.set(c, offset); offset += c.byteLength; }
    return out;
  }

  function sseEvent(value) {
    const data = typeof value === "string" ? value : JSON.stringify(value);
    return data.split(/\r\n|\r|\n/).map((line) => "data: " + line).join("\n") + "\n\n";
  }

  function headerPairs(headers) {
    const pairs = [];
    const cookies = typeof headers.getSetCookie === "function" ? headers.getSetCookie() : null;
    for (const [k, v] of headers) {
      if (cookies && k === "set-cookie") continue;
      pairs.push([k, v]);
    }
    if (cookies) for (const c of cookies) pairs.push(["set-cookie", c]);
    return pairs;
  }

  const TEXTUAL = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

  // ------------------------------------------------------------------ streamed bodies
  // Protocol (host side: runtime/streams.py): the call resolves with the head and
  // `stream: id`; the body follows as `request("stream.write", "<id>\n" + bytes)`
  // (answered once the host queued it: backpressure), then `post("stream.end")`
  // or `post("stream.error", "<id>\n<message>")`. The host cancels with a call
  // `{"control": "stream.cancel", "id"}` that resolves once the producer is closed.
  const canStream = typeof host.request === "function";
  const streams = new Map(); // id -> {close(reason): Promise<void>}
  let nextStreamId = 1;
  const CANCELLED = "the response was cancelled"; // the host's rejection of a write

  function streamMessage(id, bytes) {
    const prefix = utf8Encode(id + "\n");
    const out = new Uint8Array(prefix.byteLength + bytes.byteLength);
    out.set(prefix, 0);
    out.set(bytes, prefix.byteLength);
    return out;
  }
  function errorText(e) {
    if (e && typeof e === "object" && "message" in e) return (e.name ? e.name + ": " : "") + e.message;
    return String(e);
  }
  function chunkBytes(value) {
    if (typeof value === "string") return utf8Encode(value);
    if (isBinary(value)) return bytesOf(value);
    throw new TypeError("a response body stream must produce Uint8Array chunks (or strings)");
  }
  /** Run `produce(write)` as stream `id`; `closeFn(reason)` stops the producer early. */
  function openBody(produce, closeFn) {
    const id = nextStreamId++;
    let closing = null;
    const state = {
      cancelled: false,
      close(reason) {
        if (closing === null) closing = Promise.resolve().then(() => closeFn(reason)).then(() => {}, () => {});
        return closing;
      },
    };
    streams.set(id, state);
    const write = (bytes) => host.request("stream.write", streamMessage(id, bytes));
    (async () => {
      try {
        await produce(write, state);
        if (!state.cancelled) host.post("stream.end", String(id));
      } catch (e) {
        if (e && e.message === CANCELLED) state.cancelled = true;
        if (!state.cancelled) host.post("stream.error", id + "\n" + errorText(e));
        await state.close(e);
      } finally {
        streams.delete(id);
      }
    })();
    return id;
  }
  function openStream(stream) {
    const reader = stream.getReader();
    return openBody(async (write, state) => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || state.cancelled) return;
        const bytes = chunkBytes(value);
        if (bytes.byteLength > 0) await write(bytes);
      }
    }, (reason) => reader.cancel(reason));
  }
  function openEventStream(generator, encode) {
    return openBody(async (write, state) => {
      for (;;) {
        const step = await generator.next();
        if (step.done || state.cancelled) return;
        await write(utf8Encode(encode(step.value)));
      }
    }, () => generator.return(undefined));
  }
  async function cancelStream(id, reason) {
    const state = streams.get(id);
    if (state === undefined) return "";
    state.cancelled = true;
    await state.close(reason === undefined ? "the client went away" : reason);
    return "";
  }

  async function fromResponse(res) {
    const headers = headerPairs(res.headers);
    const type = res.headers.get("content-type") || "";
    if (hoody.web && typeof hoody.web.responseParts === "function") {
      const parts = hoody.web.responseParts(res);
      const body = parts.body;
      if (body === null || body === undefined) return { status: res.status, headers, body: "", body_base64: false };
      if (!isBinary(body)) {
        if (canStream) return { status: res.status, headers, body: "", body_base64: false, stream: openStream(body) };
        return { status: res.status, headers, body: base64Encode(await collectStream(body)), body_base64: true };
      }
      return { status: res.status, headers, body: base64Encode(bytesOf(body)), body_base64: true };
    }
    if (res.body === null || res.body === undefined) return { status: res.status, headers, body: "", body_base64: false };
    if (TEXTUAL.test(type)) return { status: res.status, headers, body: await res.text(), body_base64: false };
    return { status: res.status, headers, body: base64Encode(new Uint8Array(await res.arrayBuffer())), body_base64: true };
  }

  function isAsyncGenerator(value) {
    return value !== null && typeof value === "object" &&
      typeof value[Symbol.asyncIterator] === "function" && typeof value.next === "function";
  }

  async function toResponse(result) {
    if (loaded("Response") && result instanceof globalThis.Response) return fromResponse(result);
    if (result === undefined) return { status: 204, headers: [], body: "", body_base64: false };
    if (typeof result === "string") {
      const type = HTML_START.test(result) ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
      return { status: 200, headers: [["content-type", type]], body: result, body_base64: false };
    }
    if (isBinary(result)) {
      return {
        status: 200, headers: [["content-type", "application/octet-stream"]],
        body: base64Encode(bytesOf(result)), body_base64: true,
      };
    }
    if (loaded("ReadableStream") && result instanceof ReadableStream) {
      if (canStream) {
        return { status: 200, headers: [["content-type", "application/octet-stream"]], body: "", body_base64: false, stream: openStream(result) };
      }
      return {
        status: 200, headers: [["content-type", "application/octet-stream"]],
        body: base64Encode(await collectStream(result)), body_base64: true,
      };
    }
    if (isAsyncGenerator(result)) {
      const headers = [["content-type", "text/event-stream; charset=utf-8"], ["cache-control", "no-cache"]];
      if (canStream) {
        return { status: 200, headers, body: "", body_base64: false, stream: openEventStream(result, sseEvent), sse: true };
      }
      let body = "";
      for await (const value of result) body += sseEvent(value);
      return { status: 200, headers, body, body_base64: false };
    }
    if (unreturnable(result)) {
      throw returnedError(result, `a script cannot return a ${typeof result}; return an object, a string, bytes or a Response`);
    }
    return {
      status: 200, headers: [["content-type", "application/json"]],
      body: JSON.stringify(result), body_base64: false,
    };
  }

  // ------------------------------------------------------------------ shared state
  // The management API's view of `shared` (api/state.py): the host sends
  // `{"control": "shared", "op", "key", "value"}` and gets `{"found", "value"}`.
  // Each op is one synchronous turn, so it lands between two steps of a request's
  // code, never inside one. NOTE: keys are defined, not assigned, so a key named
  // "__proto__" is stored as data instead of replacing the object's prototype;
  // the object itself stays the same one scripts already hold.
  function hasKey(key) {
    return Object.prototype.hasOwnProperty.call(shared, key);
  }
  function defineKey(key, value) {
    Object.defineProperty(shared, key, { value, writable: true, enumerable: true, configurable: true });
  }
  function sharedControl(p) {
    const key = p.key === undefined ? null : p.key;
    let found = true;
    let value = null;
    if (p.op === "get") {
      if (key === null) value = shared;
      else if (hasKey(key)) value = shared[key];
      else found = false;
    } else if (p.op === "set") {
      if (key === null) {
        for (const k of Object.keys(shared)) delete shared[k];
        for (const k of Object.keys(p.value)) defineKey(k, p.value[k]);
        value = shared;
      } else {
        defineKey(key, p.value);
        value = shared[key];
      }
    } else if (p.op === "clear") {
      if (key === null) {
        found = Object.keys(shared).length > 0;
        for (const k of Object.keys(shared)) delete shared[k];
      } else {
        found = hasKey(key);
        delete shared[key];
      }
    } else {
      throw new TypeError("unknown shared-state op " + String(p.op));
    }
    // Throws on values JSON cannot hold (BigInt, cycles); the host reports that.
    return JSON.stringify({ found, value: value === undefined ? null : value });
  }

  // ------------------------------------------------------------------ entry
  async function run(entry, ctx) {
    if (entry.__hoody_style === "body") return entry.default(ctx);
    const handler = entry.default;
    if (typeof handler === "function") return handler(ctx.request, ctx);
    if (handler && typeof handler.fetch === "function") return handler.fetch(ctx.request, ctx);
    throw new TypeError("export default must be a function (request, ctx) or an object with a fetch(request, ctx) method");
  }

  hoody.onCall = async function onCall(payload) {
    const entry = globalThis.__hoody_entry;
    if (!entry) throw new Error("no program loaded in this isolate");
    // "\u0001…" (or "\u0002…", a batch): `@websocket` socket events (runtime/js/sockets.js).
    if (payload.charCodeAt(0) <= 2) return hoody.onSocketEvent(payload);
    const p = JSON.parse(payload);
    if (p.control === "stream.cancel") return cancelStream(p.id, p.reason);
    if (p.control === "shared") return sharedControl(p);
    const ctx = buildContext(p);
    // Errors propagate: the engine maps their stack through the source map.
    let result;
    try {
      result = await run(entry, ctx);
    } catch (e) {
      // An AI gateway error nobody caught: an answer naming the gateway's status.
      const failed = hoody.ai ? hoody.ai.failure(e, p.script) : null;
      if (failed !== null) return JSON.stringify(failed);
      throw isErrorLike(e) ? e : thrownValue(e);
    }
    return JSON.stringify(await toResponse(result));
  };

  // `throw 42`, `throw "text"`, `Promise.reject(null)`: not an Error, so there is no
  // name, and JavaScript records no position for it. Reported as Deno and Workers
  // print it ("Uncaught 42") under a name of its own, never as an "Error".
  function isErrorLike(e) {
    return e instanceof Error || (e !== null && typeof e === "object" && "message" in e && "stack" in e);
  }
  function shown(value) {
    switch (typeof value) {
      case "string": return value;
      case "bigint": return value + "n";
      case "symbol": return value.toString();
      case "function": return "[Function: " + (value.name || "(anonymous)") + "]";
      case "undefined": return "undefined";
      default:
        try {
          const text = JSON.stringify(value);
          return text === undefined ? String(value) : text;
        } catch (_) {
          try { return String(value); } catch (_) { return "[object]"; }
        }
    }
  }
  // The bundler turns `throw value` in the user's code into
  // `throw (globalThis.__hoody_thrown || …)(value)` (rust/ts bundle/throws.rs):
  // the value is thrown unchanged, and for one that is not an Error its position
  // is kept here, so the report can name the line of the throw.
  let lastThrown = null;
  function recordThrown(value) {
    if (!(value instanceof Error)) {
      const site = {};
      Error.captureStackTrace(site, recordThrown);
      lastThrown = { value, stack: site.stack };
    }
    return value;
  }
  Object.defineProperty(globalThis, "__hoody_thrown", { value: recordThrown });
  // Likewise a body-style script's own `return value` (rust/ts bundle/throws.rs):
  // a value no response can carry keeps its site, so the error names the user's
  // line instead of this file's.
  const unreturnable = (v) => typeof v === "function" || typeof v === "symbol" || typeof v === "bigint";
  let lastReturned = null;
  function recordReturned(value) {
    if (unreturnable(value)) {
      const site = {};
      Error.captureStackTrace(site, recordReturned);
      lastReturned = { value, stack: site.stack };
    }
    return value;
  }
  Object.defineProperty(globalThis, "__hoody_returned", { value: recordReturned });
  function returnedError(value, message) {
    const error = new TypeError(message);
    if (lastReturned !== null && Object.is(lastReturned.value, value)) {
      error.stack = ["TypeError: " + message, ...String(lastReturned.stack).split("\n").slice(1)].join("\n");
    }
    lastReturned = null;
    return error;
  }
  function thrownValue(value) {
    const message = "Uncaught " + shown(value);
    let stack = "";
    if (lastThrown !== null && Object.is(lastThrown.value, value)) {
      const frames = String(lastThrown.stack).split("\n").slice(1);
      stack = ["ThrownValue: " + message, ...frames].join("\n");
    }
    lastThrown = null;
    return { name: "ThrownValue", message, stack };
  }
  // Exposed for tests of the glue itself.
  hoody.dispatchInternals = { base64Encode, base64Decode, utf8Encode, utf8Decode };
  // What runtime/js/sockets.js builds on.
  hoody._dispatch = {
    buildContext, run, toResponse, isErrorLike, thrownValue, utf8Encode, base64Decode, bytesOf,
  };
})();
