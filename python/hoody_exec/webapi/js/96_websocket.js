// WebSocket (the client, WHATWG WebSockets), MessageEvent and CloseEvent, over the host.
//
// Globals of this family: WebSocket, MessageEvent, CloseEvent.
// Wire format (JS <-> Python host, see webapi/websocket_client.py):
//   request("websocket.connect", JSON {"id", "url", "protocols"})  -> JSON {"protocol", "extensions"}
//   request("websocket.next", "<id>")  -> bytes: "t"+UTF-8 | "b"+data | "a"+sent bytes | "c"+JSON {code, reason, clean}
//   post("websocket.send", "<id>\n" + "t"|"b" + bytes)
//   post("websocket.close", "<id>\n<code>\n<reason>")
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const { DOMException } = W;
  const host = W.host;

  class MessageEvent extends W.Event {
    #data; #origin; #lastEventId;
    constructor(type, init = {}) {
      super(type, init);
      this.#data = init.data === undefined ? null : init.data;
      this.#origin = init.origin === undefined ? "" : String(init.origin);
      this.#lastEventId = init.lastEventId === undefined ? "" : String(init.lastEventId);
    }
    get data() { return this.#data; }
    get origin() { return this.#origin; }
    get lastEventId() { return this.#lastEventId; }
    get source() { return null; }
    get ports() { return []; }
  }
  W.tag(MessageEvent);

  class CloseEvent extends W.Event {
    #wasClean; #code; #reason;
    constructor(type, init = {}) {
      super(type, init);
      this.#wasClean = !!init.wasClean;
      this.#code = init.code === undefined ? 0 : Number(init.code) & 0xffff;
      this.#reason = init.reason === undefined ? "" : String(init.reason);
    }
    get wasClean() { return this.#wasClean; }
    get code() { return this.#code; }
    get reason() { return this.#reason; }
  }
  W.tag(CloseEvent);

  const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
  let nextId = 1;

  function parseUrl(url) {
    let parsed;
    try {
      parsed = new URL(String(url));
    } catch (_) {
      throw new DOMException(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`, "SyntaxError");
    }
    if (parsed.protocol === "http:") parsed.protocol = "ws:";
    else if (parsed.protocol === "https:") parsed.protocol = "wss:";
    if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
      throw new DOMException(`Failed to construct 'WebSocket': The URL's scheme must be 'ws' or 'wss'. '${parsed.protocol}' is not allowed.`, "SyntaxError");
    }
    if (parsed.hash) {
      throw new DOMException("Failed to construct 'WebSocket': The URL contains a fragment identifier.", "SyntaxError");
    }
    return parsed.href;
  }
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  function parseProtocols(protocols) {
    const list = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : [...protocols].map(String);
    const seen = new Set();
    for (const p of list) {
      if (!TOKEN.test(p) || seen.has(p)) {
        throw new DOMException(`Failed to construct 'WebSocket': The subprotocol '${p}' is invalid or repeated.`, "SyntaxError");
      }
      seen.add(p);
    }
    return list;
  }
  function packet(head, bytes) {
    const h = W.utf8Encode(head);
    const out = new Uint8Array(h.byteLength + bytes.byteLength);
    out.set(h, 0);
    out.set(bytes, h.byteLength);
    return out;
  }

  // NOTE: captured while the prelude runs, before any user code could replace it.
  const EventTarget = globalThis.EventTarget;
  class WebSocket extends EventTarget {
    #id; #url; #state = CONNECTING; #protocol = ""; #extensions = ""; #binaryType = "blob";
    #buffered = 0;
    constructor(url, protocols = undefined) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'WebSocket'");
      super();
      this.#url = parseUrl(url);
      const list = parseProtocols(protocols);
      this.#id = nextId++;
      host.request("websocket.connect", JSON.stringify({ id: this.#id, url: this.#url, protocols: list }))
        .then((answer) => this.#opened(JSON.parse(answer)), (error) => this.#failed(error));
    }
    get url() { return this.#url; }
    get readyState() { return this.#state; }
    get bufferedAmount() { return this.#buffered; }
    get extensions() { return this.#extensions; }
    get protocol() { return this.#protocol; }
    get binaryType() { return this.#binaryType; }
    set binaryType(value) {
      if (value === "blob" || value === "arraybuffer") this.#binaryType = value;
    }
    send(data) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'send' on 'WebSocket'");
      if (this.#state === CONNECTING) throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", "InvalidStateError");
      let kind = "b";
      let bytes;
      if (W.isBlob(data)) bytes = W.blobBytes(data);
      else if (W.isBufferSource(data)) bytes = W.bytesCopy(data);
      else { kind = "t"; bytes = W.utf8Encode(W.toUSVString(data)); }
      this.#buffered += bytes.byteLength;
      if (this.#state !== OPEN) return;
      host.post("websocket.send", packet(this.#id + "\n" + kind, bytes));
    }
    close(code = undefined, reason = undefined) {
      if (code !== undefined) {
        code = Number(code);
        if (code !== 1000 && !(code >= 3000 && code <= 4999)) {
          throw new DOMException(`Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, "InvalidAccessError");
        }
      }
      const text = reason === undefined ? "" : W.toUSVString(reason);
      if (W.utf8Encode(text).byteLength > 123) {
        throw new DOMException("Failed to execute 'close' on 'WebSocket': The close reason must not be greater than 123 UTF-8 bytes.", "SyntaxError");
      }
      if (this.#state === CLOSING || this.#state === CLOSED) return;
      const wire = this.#id + "\n" + (code === undefined ? 1000 : code) + "\n" + text;
      this.#state = CLOSING;
      host.post("websocket.close", wire);
    }
    #opened(answer) {
      this.#protocol = answer.protocol;
      this.#extensions = answer.extensions;
      if (this.#state === CONNECTING) {
        this.#state = OPEN;
        this.dispatchEvent(new W.Event("open"));
      }
      this.#pump();
    }
    #failed(error) {
      this.#state = CLOSED;
      const message = error && error.message ? error.message : String(error);
      this.dispatchEvent(Object.assign(new W.Event("error"), { message }));
      this.dispatchEvent(new CloseEvent("close", { wasClean: false, code: 1006, reason: "" }));
    }
    async #pump() {
      const origin = new URL(this.#url).origin;
      for (;;) {
        let event;
        try {
          event = await host.request("websocket.next", String(this.#id));
        } catch (_) {
          event = W.utf8Encode('c{"code":1006,"reason":"","clean":false}');
        }
        const bytes = typeof event === "string" ? W.utf8Encode(event) : event;
        const kind = String.fromCharCode(bytes[0]);
        const body = bytes.subarray(1);
        if (kind === "a") {
          this.#buffered = Math.max(0, this.#buffered - Number(W.utf8Decode(body)));
        } else if (kind === "t") {
          this.dispatchEvent(new MessageEvent("message", { data: W.utf8Decode(body), origin }));
        } else if (kind === "b") {
          const data = this.#binaryType === "arraybuffer"
            ? body.slice().buffer
            : new W.Blob([body]);
          this.dispatchEvent(new MessageEvent("message", { data, origin }));
        } else {
          const end = JSON.parse(W.utf8Decode(body));
          this.#state = CLOSED;
          if (!end.clean) this.dispatchEvent(new W.Event("error"));
          this.dispatchEvent(new CloseEvent("close", { wasClean: end.clean, code: end.code, reason: end.reason }));
          return;
        }
      }
    }
  }
  for (const [name, value] of [["CONNECTING", CONNECTING], ["OPEN", OPEN], ["CLOSING", CLOSING], ["CLOSED", CLOSED]]) {
    Object.defineProperty(WebSocket, name, { value, enumerable: true });
    Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
  }
  for (const type of ["open", "message", "error", "close"]) W.defineEventHandler(WebSocket.prototype, type);
  W.tag(WebSocket);

  W.defineGlobal("WebSocket", WebSocket);
  W.defineGlobal("MessageEvent", MessageEvent);
  W.defineGlobal("CloseEvent", CloseEvent);
})();
