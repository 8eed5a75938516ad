// Request, Response (Body mixin) and fetch over the host.
//
// Wire format (JS <-> Python host, see webapi/host.py):
//   request("fetch", HEAD [+ "\n" + body bytes])  HEAD = UTF-8 JSON
//       {"id": n, "method": "GET", "url": "...", "headers": [[name, value], ...],
//        "redirect": "follow"|"manual"|"error", "body": "none"|"inline"|"stream"}
//     "inline": the request body follows the first "\n" (JSON never contains a raw newline)
//     resolves with JSON {"status", "statusText", "headers": [[n, v]], "url", "redirected", "body": bool}
//     rejects with a reason -> TypeError("fetch failed: <reason>")
//   request("fetch.write", "<id>\n" + chunk)   one request-body chunk ("stream" bodies);
//                                              resolves when the host has taken it
//   post("fetch.end", "<id>")                  request body complete
//   request("fetch.read", "<id>")              next response-body chunk: bytes, or "" at the end
//   post("fetch.cancel", "<id>")               the response body is not wanted any more
//   post("fetch.abort", "<id>")                AbortSignal fired: stop everything for this id
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const { DOMException } = W;
  const host = W.host;
  const hoody = globalThis.__hoody;

  // ------------------------------------------------------------------ body extraction
  /** BodyInit -> {source: Uint8Array|null, stream: ReadableStream|null, type: string|null, length} */
  function extractBody(object) {
    if (typeof object === "string") return { source: W.utf8Encode(object), stream: null, type: "text/plain;charset=UTF-8" };
    if (W.isURLSearchParams(object)) return { source: W.utf8Encode(object.toString()), stream: null, type: "application/x-www-form-urlencoded;charset=UTF-8" };
    if (W.isBlob(object)) return { source: W.blobBytes(object), stream: null, type: object.type || null };
    if (W.isBufferSource(object)) return { source: W.bytesCopy(object), stream: null, type: null };
    if (W.isFormData(object)) { const e = W.formDataEncode(object); return { source: e.bytes, stream: null, type: e.contentType }; }
    if (object instanceof W.ReadableStream) {
      if (W.streamDisturbed(object) || W.streamLocked(object)) throw new TypeError("The body stream is disturbed or locked");
      return { source: null, stream: object, type: null };
    }
    if (object !== null && typeof object === "object" && typeof object[Symbol.asyncIterator] === "function") {
      return { source: null, stream: W.ReadableStream.from(object), type: null };
    }
    return { source: W.utf8Encode(String(object)), stream: null, type: "text/plain;charset=UTF-8" };
  }
  function streamFromBytes(bytes) {
    let done = false;
    return new W.ReadableStream({
      type: "bytes",
      pull(c) {
        if (!done && bytes.byteLength) c.enqueue(bytes);
        done = true;
        c.close();
      },
    });
  }

  // Body state shared by Request and Response: {source, stream, used}
  const bodies = new WeakMap();
  function bodyOf(obj) {
    const b = bodies.get(obj);
    if (!b) throw new TypeError("Illegal invocation");
    return b;
  }
  function bodyStream(b) {
    if (b === null || b.body === null) return null;
    if (b.body.stream === null) b.body.stream = streamFromBytes(b.body.source);
    return b.body.stream;
  }
  function bodyUsed(b) {
    if (b.body === null) return false;
    if (b.used) return true;
    return b.body.stream !== null && W.streamDisturbed(b.body.stream);
  }
  async function consumeBytes(obj) {
    const b = bodyOf(obj);
    if (bodyUsed(b)) throw new TypeError("Body is unusable: Body has already been read");
    if (b.body !== null && b.body.stream !== null && W.streamLocked(b.body.stream)) throw new TypeError("Body is unusable: Body is locked");
    b.used = true;
    if (b.body === null) return new Uint8Array(0);
    if (b.body.stream === null) return b.body.source;
    return W.readAllBytes(b.body.stream);
  }
  function mimeType(obj) {
    const h = obj.headers.get("content-type");
    return h === null ? "" : h;
  }
  const BodyMixin = {
    get body() { return bodyStream(bodyOf(this)); },
    get bodyUsed() { return bodyUsed(bodyOf(this)); },
    arrayBuffer() { return consumeBytes(this).then((u) => u.slice().buffer); },
    bytes() { return consumeBytes(this).then((u) => u.slice()); },
    blob() {
      return consumeBytes(this).then((u) => W.makeBlob(u.slice(), mimeType(this)));
    },
    text() { return consumeBytes(this).then((u) => W.utf8Decode(u)); },
    json() { return consumeBytes(this).then((u) => JSON.parse(W.utf8Decode(u))); },
    formData() {
      return consumeBytes(this).then((u) => {
        const type = mimeType(this);
        const essence = type.split(";")[0].trim().toLowerCase();
        if (essence === "multipart/form-data") return W.formDataParseMultipart(u, type);
        if (essence === "application/x-www-form-urlencoded") {
          const fd = new W.FormData();
          for (const [k, v] of W.formParse(W.utf8DecodeNoBOM(u))) fd.append(k, v);
          return fd;
        }
        throw new TypeError(`Could not parse content as FormData (content-type ${type || "missing"})`);
      });
    },
  };
  function installBody(cls) {
    for (const key of Object.keys(BodyMixin)) {
      const d = Object.getOwnPropertyDescriptor(BodyMixin, key);
      if (d.get) Object.defineProperty(cls.prototype, key, { get: d.get, enumerable: true, configurable: true });
      else Object.defineProperty(cls.prototype, key, { value: d.value, writable: true, enumerable: true, configurable: true });
    }
  }
  function cloneBody(b) {
    if (b.body === null) return null;
    if (bodyUsed(b)) throw new TypeError("Cannot clone: Body has already been read");
    if (b.body.stream === null) return { source: b.body.source, stream: null };
    const [s1, s2] = b.body.stream.tee();
    b.body.stream = s1;
    return { source: null, stream: s2 };
  }

  // ------------------------------------------------------------------ Request
  const METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  function normalizeMethod(m) {
    m = W.toByteString(m);
    if (!TOKEN.test(m)) throw new TypeError(`'${m}' is not a valid HTTP method.`);
    const up = m.toUpperCase();
    if (up === "CONNECT" || up === "TRACE" || up === "TRACK") throw new TypeError(`'${m}' HTTP method is unsupported.`);
    // PATCH is not normalized by the spec, but every runtime upper-cases the known ones
    return METHODS.has(up) && up !== "PATCH" ? up : m;
  }
  const ENUMS = {
    mode: ["navigate", "same-origin", "no-cors", "cors"],
    credentials: ["omit", "same-origin", "include"],
    cache: ["default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached"],
    redirect: ["follow", "error", "manual"],
    referrerPolicy: ["", "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"],
    priority: ["high", "low", "auto"],
  };
  function enumValue(init, key, dflt) {
    if (init[key] === undefined) return dflt;
    const v = String(init[key]);
    if (!ENUMS[key].includes(v)) throw new TypeError(`Failed to construct 'Request': The provided value '${v}' is not a valid enum value of type Request${key[0].toUpperCase() + key.slice(1)}.`);
    return v;
  }

  class Request {
    #s; // {method, url, headers, signal, redirect, mode, credentials, cache, referrer, referrerPolicy, integrity, keepalive, duplex}
    constructor(input, init = {}) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'Request'");
      if (init === null || init === undefined) init = {};
      if (typeof init !== "object") throw new TypeError("Failed to construct 'Request': init must be an object");
      let s;
      let inputBody = null;
      if (input instanceof Request) {
        const o = input.#s;
        s = { ...o, headers: null };
        inputBody = bodies.get(input);
        s.headersInit = o.headers;
        s.signal = o.signal;
      } else {
        const rec = W.parseURL(String(input), W.baseURL);
        if (rec === null) throw new TypeError(`Failed to construct 'Request': Invalid URL '${input}'`);
        if (rec.username !== "" || rec.password !== "") throw new TypeError(`Failed to construct 'Request': Request cannot be constructed from a URL that includes credentials: ${input}`);
        s = {
          method: "GET", url: W.serializeURL(rec, false), headersInit: undefined, signal: null, redirect: "follow", mode: "cors",
          credentials: "same-origin", cache: "default", referrer: "about:client", referrerPolicy: "", integrity: "", keepalive: false,
          duplex: "half", priority: "auto",
        };
      }
      if (init.method !== undefined) s.method = normalizeMethod(init.method);
      for (const k of ["mode", "credentials", "cache", "redirect", "referrerPolicy", "priority"]) s[k] = enumValue(init, k, s[k]);
      if (s.mode === "navigate") throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.");
      if (init.referrer !== undefined) s.referrer = String(init.referrer) === "" ? "" : String(init.referrer);
      if (init.integrity !== undefined) s.integrity = String(init.integrity);
      if (init.keepalive !== undefined) s.keepalive = !!init.keepalive;
      if (init.duplex !== undefined) {
        if (String(init.duplex) !== "half") throw new TypeError("Failed to construct 'Request': duplex must be 'half'");
        s.duplex = "half";
      }
      if (init.signal !== undefined && init.signal !== null && !W.isAbortSignal(init.signal)) {
        throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
      }
      const parentSignal = init.signal !== undefined ? init.signal : s.signal;
      // the request's own signal follows the given one
      s.signal = parentSignal ? AbortSignal.any([parentSignal]) : W.newAbortSignal();
      const headers = new W.Headers();
      const headersInit = init.headers !== undefined ? init.headers : s.headersInit;
      delete s.headersInit;
      if (headersInit !== undefined) W.headersFill(headers, headersInit);
      W.headersSetGuard(headers, "request");
      s.headers = headers;

      let body = null;
      if (init.body !== undefined && init.body !== null) {
        if (s.method === "GET" || s.method === "HEAD") throw new TypeError("Failed to construct 'Request': Request with GET/HEAD method cannot have body.");
        body = extractBody(init.body);
        if (body.type !== null && !headers.has("content-type")) W.headersAppendUnchecked(headers, "Content-Type", body.type);
      } else if (inputBody && inputBody.body !== null) {
        if (bodyUsed(inputBody)) throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a Request object that has already been used.");
        body = { source: inputBody.body.source, stream: inputBody.body.stream };
        // the input request's body is consumed by the new request
        inputBody.used = true;
      }
      this.#s = s;
      bodies.set(this, { body, used: false });
    }
    get method() { return this.#s.method; }
    get url() { return this.#s.url; }
    get headers() { return this.#s.headers; }
    get destination() { return ""; }
    get referrer() {
      const r = this.#s.referrer;
      return r === "" ? "" : r === "about:client" ? "about:client" : r;
    }
    get referrerPolicy() { return this.#s.referrerPolicy; }
    get mode() { return this.#s.mode; }
    get credentials() { return this.#s.credentials; }
    get cache() { return this.#s.cache; }
    get redirect() { return this.#s.redirect; }
    get integrity() { return this.#s.integrity; }
    get keepalive() { return this.#s.keepalive; }
    get isReloadNavigation() { return false; }
    get isHistoryNavigation() { return false; }
    get signal() { return this.#s.signal; }
    get duplex() { return this.#s.duplex; }
    clone() {
      const b = bodyOf(this);
      const nb = cloneBody(b);
      const r = new Request(this.#s.url, { method: this.#s.method, headers: this.#s.headers, redirect: this.#s.redirect, mode: this.#s.mode, credentials: this.#s.credentials, cache: this.#s.cache, referrerPolicy: this.#s.referrerPolicy, integrity: this.#s.integrity, keepalive: this.#s.keepalive, signal: this.#s.signal });
      W.headersSetGuard(r.#s.headers, W.headersGuard(this.#s.headers));
      bodies.get(r).body = nb;
      return r;
    }
    static {
      W.requestState = (r) => r.#s;
      W.isRequest = (v) => v !== null && typeof v === "object" && #s in v;
    }
  }
  installBody(Request);
  for (const k of ["method", "url", "headers", "destination", "referrer", "referrerPolicy", "mode", "credentials", "cache", "redirect", "integrity", "keepalive", "isReloadNavigation", "isHistoryNavigation", "signal", "duplex"]) {
    Object.defineProperty(Request.prototype, k, { enumerable: true });
  }
  Object.defineProperty(Request.prototype, W.inspectSymbol, {
    value() { return { method: this.method, url: this.url, headers: this.headers, bodyUsed: this.bodyUsed }; },
  });
  W.tag(Request);

  // ------------------------------------------------------------------ Response
  const NULL_BODY = new Set([101, 103, 204, 205, 304]);
  const REDIRECT = new Set([301, 302, 303, 307, 308]);
  const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;
  const responseToken = Symbol("Response");
  class Response {
    #s; // {type, status, statusText, headers, url, redirected}
    constructor(body = null, init = {}) {
      if (body === responseToken) { bodies.set(this, { body: null, used: false }); return; }
      if (init === null || init === undefined) init = {};
      if (typeof init !== "object") throw new TypeError("Failed to construct 'Response': init must be an object");
      const status = init.status !== undefined ? Number(init.status) : 200;
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`Failed to construct 'Response': The status provided (${init.status}) is outside the range [200, 599].`);
      }
      const statusText = init.statusText !== undefined ? W.toByteString(init.statusText) : "";
      if (!REASON.test(statusText)) throw new TypeError("Failed to construct 'Response': Invalid statusText");
      const headers = new W.Headers();
      if (init.headers !== undefined) W.headersFill(headers, init.headers);
      W.headersSetGuard(headers, "response");
      this.#s = { type: "default", status, statusText, headers, url: "", urlList: [], redirected: false };
      let b = null;
      if (body !== null && body !== undefined) {
        if (NULL_BODY.has(status)) throw new TypeError(`Failed to construct 'Response': Response with null body status (${status}) cannot have body`);
        b = extractBody(body);
        if (b.type !== null && !headers.has("content-type")) W.headersAppendUnchecked(headers, "Content-Type", b.type);
      }
      bodies.set(this, { body: b, used: false });
    }
    static error() {
      const r = new Response(responseToken);
      const headers = new W.Headers();
      W.headersSetGuard(headers, "immutable");
      r.#s = { type: "error", status: 0, statusText: "", headers, url: "", redirected: false };
      return r;
    }
    static redirect(url, status = 302) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'redirect' on 'Response'");
      const rec = W.parseURL(String(url), W.baseURL);
      if (rec === null) throw new TypeError(`Failed to execute 'redirect' on 'Response': Invalid URL '${url}'`);
      status = Number(status);
      if (!REDIRECT.has(status)) throw new RangeError(`Failed to execute 'redirect' on 'Response': Invalid status code ${status}`);
      const r = new Response(null, { status });
      W.headersAppendUnchecked(r.#s.headers, "Location", W.serializeURL(rec, false));
      W.headersSetGuard(r.#s.headers, "immutable");
      return r;
    }
    static json(data, init = {}) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'json' on 'Response'");
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Failed to execute 'json' on 'Response': The data is not JSON serializable");
      const r = new Response(text, init);
      const h = r.#s.headers;
      const raw = W.headersRaw(h).filter(([n]) => n.toLowerCase() !== "content-type" || (init && init.headers && new W.Headers(init.headers).has("content-type")));
      const fresh = W.headersFromRaw(raw, "response");
      if (!fresh.has("content-type")) W.headersAppendUnchecked(fresh, "Content-Type", "application/json");
      r.#s.headers = fresh;
      return r;
    }
    get type() { return this.#s.type; }
    get url() { return this.#s.url; }
    get redirected() { return this.#s.redirected; }
    get status() { return this.#s.status; }
    get ok() { return this.#s.status >= 200 && this.#s.status <= 299; }
    get statusText() { return this.#s.statusText; }
    get headers() { return this.#s.headers; }
    clone() {
      if (bodyUsed(bodyOf(this))) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used");
      const r = new Response(responseToken);
      const s = this.#s;
      const headers = W.headersFromRaw(W.headersRaw(s.headers), W.headersGuard(s.headers));
      r.#s = { ...s, headers };
      bodies.get(r).body = cloneBody(bodyOf(this));
      return r;
    }
    static {
      W.responseState = (r) => r.#s;
      W.isResponse = (v) => v !== null && typeof v === "object" && #s in v;
      W.makeResponse = (s, body) => {
        const r = new Response(responseToken);
        r.#s = s;
        bodies.get(r).body = body;
        return r;
      };
    }
  }
  installBody(Response);
  for (const k of ["type", "url", "redirected", "status", "ok", "statusText", "headers"]) {
    Object.defineProperty(Response.prototype, k, { enumerable: true });
  }
  Object.defineProperty(Response.prototype, W.inspectSymbol, {
    value() { return { status: this.status, statusText: this.statusText, headers: this.headers, body: this.body, bodyUsed: this.bodyUsed, ok: this.ok, redirected: this.redirected, type: this.type, url: this.url }; },
  });
  W.tag(Response);

  // ------------------------------------------------------------------ fetch
  let nextFetchId = 1;
  const enc = (s) => W.utf8Encode(s);
  function frame(head, bytes) {
    const h = enc(head);
    const out = new Uint8Array(h.length + 1 + bytes.length);
    out.set(h, 0);
    out[h.length] = 0x0a;
    out.set(bytes, h.length + 1);
    return out;
  }
  // Node's fetch (undici) puts a system error code on the cause of a network
  // failure, and libraries branch on it (the AI SDK retries ECONNREFUSED,
  // ETIMEDOUT, ECONNRESET): the host's reason, told by its first words, gets the same.
  const NETWORK_CODES = [
    [/^(fetch failed: )?timed out/, "ETIMEDOUT"],
    [/^(fetch failed: )?could not connect/, "ECONNREFUSED"],
    [/^(fetch failed: )?protocol error/, "ECONNRESET"],
  ];
  function fetchFailed(e) {
    const msg = e && typeof e === "object" && "message" in e ? e.message : String(e);
    // "fetch to <host:port> refused: …" (the egress rules) already says what failed.
    const whole = msg.startsWith("fetch failed") || msg.startsWith("fetch to ");
    if (e && typeof e === "object" && !("code" in e)) {
      const found = NETWORK_CODES.find(([pattern]) => pattern.test(msg));
      if (found) {
        try { Object.defineProperty(e, "code", { value: found[1], configurable: true, writable: true }); } catch (_) { /* frozen */ }
      }
    }
    const error = new TypeError(whole ? msg : "fetch failed: " + msg, { cause: e });
    failures.add(error);
    return error;
  }
  const failures = new WeakSet();

  // NOTE: async on purpose. A failure arrives from the host in a promise callback,
  // whose stack is only the prelude's; re-captured here, in the resumed async
  // function, the stack continues through the caller's awaits (V8's async stack
  // traces), so the error names the user's line.
  async function fetch(input, init = undefined) {
    try {
      return await startFetch(input, init);
    } catch (e) {
      if (failures.has(e)) Error.captureStackTrace(e);
      throw e;
    }
  }

  function startFetch(input, init) {
    let request;
    try {
      request = new Request(input, init);
    } catch (e) {
      return Promise.reject(e);
    }
    const s = W.requestState(request);
    const signal = s.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const scheme = s.url.slice(0, s.url.indexOf(":"));
    if (scheme === "data") return fetchData(s);
    if (scheme !== "http" && scheme !== "https") return Promise.reject(new TypeError(`fetch failed: unsupported URL scheme "${scheme}:"`));

    const id = nextFetchId++;
    const b = bodyOf(request);
    let mode = "none";
    let inline = null;
    let stream = null;
    if (b.body !== null) {
      if (bodyUsed(b)) return Promise.reject(new TypeError("fetch failed: request body has already been used"));
      b.used = true;
      if (b.body.stream === null) { mode = "inline"; inline = b.body.source; }
      else { mode = "stream"; stream = b.body.stream; }
    }
    const head = JSON.stringify({ id, method: s.method, url: s.url, headers: W.headersRaw(s.headers), redirect: s.redirect, body: mode });
    let aborted = false;
    let responseBodyActive = false;
    let removeAbort = () => {};
    return new Promise((resolve, reject) => {
      removeAbort = W.addAbortAlgorithm(signal, () => {
        aborted = true;
        try { host.post("fetch.abort", String(id)); } catch (_) { /* host gone */ }
        reject(signal.reason);
        if (stream) W.rsCancel(stream, signal.reason).catch(() => {});
      });
      let p;
      try {
        p = host.request("fetch", inline ? frame(head, inline) : head);
      } catch (e) {
        reject(fetchFailed(e));
        return;
      }
      if (stream) pumpRequestBody(id, stream, () => aborted);
      p.then((meta) => {
        if (aborted) return;
        const m = JSON.parse(typeof meta === "string" ? meta : W.utf8Decode(meta));
        const headers = W.headersFromRaw(m.headers, "immutable");
        let body = null;
        if (m.body) {
          responseBodyActive = true;
          body = { source: null, stream: responseBodyStream(id, signal, () => { responseBodyActive = false; removeAbort(); }) };
        } else {
          removeAbort();
        }
        const r = W.makeResponse({ type: "basic", status: m.status, statusText: m.statusText || "", headers, url: m.url, redirected: !!m.redirected }, body);
        resolve(r);
      }, (e) => {
        if (aborted) return;
        removeAbort();
        reject(fetchFailed(e));
      });
    }).finally(() => { if (!responseBodyActive) removeAbort(); });
  }

  async function pumpRequestBody(id, stream, isAborted) {
    const reader = stream.getReader();
    const prefix = enc(id + "\n");
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (isAborted()) return;
        if (done) break;
        if (!W.isBufferSource(value)) throw new TypeError("request body chunks must be Uint8Array");
        const bytes = W.bytesView(value);
        if (bytes.byteLength === 0) continue;
        const out = new Uint8Array(prefix.length + bytes.length);
        out.set(prefix, 0);
        out.set(bytes, prefix.length);
        await host.request("fetch.write", out);
      }
      host.post("fetch.end", String(id));
    } catch (e) {
      if (!isAborted()) {
        try { host.post("fetch.abort", String(id)); } catch (_) { /* ignore */ }
      }
      reader.cancel(e).catch(() => {});
    }
  }

  function responseBodyStream(id, signal, onDone) {
    let finished = false;
    let ctrl = null;
    const finish = () => { if (!finished) { finished = true; onDone(); } };
    const stream = new W.ReadableStream({
      type: "bytes",
      start(c) { ctrl = c; },
      pull(c) {
        return host.request("fetch.read", String(id)).then((chunk) => {
          if (typeof chunk === "string" || chunk.byteLength === 0) {
            finish();
            c.close();
            return;
          }
          c.enqueue(chunk);
        }, (e) => {
          finish();
          throw signal.aborted ? signal.reason : fetchFailed(e);
        });
      },
      cancel() {
        if (!finished) {
          finish();
          try { host.post("fetch.cancel", String(id)); } catch (_) { /* ignore */ }
        }
      },
    });
    W.addAbortAlgorithm(signal, () => {
      if (finished) return;
      finish();
      try { ctrl.error(signal.reason); } catch (_) { /* already closed */ }
    });
    return stream;
  }

  function fetchData(s) {
    // data: URLs per the Fetch spec's data: URL processor (base64 and percent-encoded bodies)
    try {
      const url = s.url.slice(5).replace(/#.*$/, "");
      const comma = url.indexOf(",");
      if (comma < 0) throw new TypeError("invalid data: URL");
      let mime = url.slice(0, comma).trim();
      let bytes = percentDecodeLatin1(url.slice(comma + 1));
      if (/;\s*base64\s*$/i.test(mime)) {
        mime = mime.replace(/;\s*base64\s*$/i, "");
        const d = W.base64Decode(String.fromCharCode.apply(null, bytes));
        if (d === null) throw new TypeError("invalid base64 in data: URL");
        bytes = d;
      }
      if (mime.startsWith(";")) mime = "text/plain" + mime;
      if (mime === "") mime = "text/plain;charset=US-ASCII";
      const headers = W.headersFromRaw([["content-type", mime]], "immutable");
      return Promise.resolve(W.makeResponse({ type: "basic", status: 200, statusText: "OK", headers, url: s.url, redirected: false }, { source: bytes, stream: null }));
    } catch (e) {
      return Promise.reject(fetchFailed(e));
    }
  }
  function percentDecodeLatin1(s) {
    const bytes = W.utf8Encode(s);
    const out = new Uint8Array(bytes.length);
    let p = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x25 && i + 2 < bytes.length) {
        const h = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
        if (!Number.isNaN(h) && /^[0-9a-fA-F]{2}$/.test(String.fromCharCode(bytes[i + 1], bytes[i + 2]))) { out[p++] = h; i += 2; continue; }
      }
      out[p++] = bytes[i];
    }
    return out.subarray(0, p);
  }

  W.defineGlobal("Request", Request);
  W.defineGlobal("Response", Response);
  W.defineGlobal("fetch", fetch);

  // ------------------------------------------------------------------ runtime bridge
  // A small internal API for the runtime's own glue (not for user scripts):
  // building the injected Request and reading a returned Response.
  const web = Object.create(null);
  /** {method, url, headers: [[n, v]], body: Uint8Array|ReadableStream|null} -> Request */
  web.makeRequest = function (parts) {
    const init = { method: parts.method, headers: parts.headers };
    if (parts.body !== null && parts.body !== undefined && parts.method !== "GET" && parts.method !== "HEAD") {
      init.body = parts.body;
      init.duplex = "half";
    }
    const r = new Request(parts.url, init);
    // request bodies carry no implicit content-type: only what the client sent
    return r;
  };
  /** Response -> {status, statusText, headers: [[n, v]], body: Uint8Array|ReadableStream|null} */
  web.responseParts = function (response) {
    const s = W.responseState(response);
    const b = bodyOf(response);
    let body = null;
    if (b.body !== null) {
      if (bodyUsed(b)) throw new TypeError("Response body has already been used");
      b.used = true;
      body = b.body.stream === null ? b.body.source : b.body.stream;
    }
    return { status: s.status, statusText: s.statusText, headers: W.headersRaw(s.headers), body };
  };
  web.isResponse = (v) => W.isResponse(v);
  web.isReadableStream = (v) => v instanceof W.ReadableStream;
  web.inspect = (v) => W.inspect(v);
  web.format = (args) => W.format(args);
  web.pendingTimers = () => W.pendingTimers();
  web.utf8Encode = (s) => W.utf8Encode(s);
  web.utf8Decode = (b) => W.utf8Decode(b);
  /** Relative URLs in fetch()/Request/Response.redirect resolve against this (e.g. the request's URL). */
  web.setBaseURL = (u) => { W.baseURL = u === null || u === undefined ? undefined : String(u); };
  Object.freeze(web);
  Object.defineProperty(hoody, "web", { value: web, writable: false, enumerable: false, configurable: false });
})();
