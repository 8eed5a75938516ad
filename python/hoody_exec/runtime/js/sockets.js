// hoody-exec sockets: the `ws` object of `@websocket` scripts (worker mode).
//
// Evaluated after dispatch.js. The host side is server/websockets/ (docs/websockets.md).
// Host -> JS: `__hoody.onCall("\u0001<event>\n<socket id>\n<rest>")`, one call per
//   handler run (or "\u0002" + a JSON array of such events, messages batched): "open" (rest = "<send buffer bytes>\n<CallRequest JSON>", answers
//   JSON {"accept": true} or {"refuse": <CallResponse>}), "t" (a text message), "b"
//   (a binary message, base64), both "<bytes>\n<data>" with the bytes of this socket's
//   sends that reached the network since the last report, "close" ("<code>\n<reason>"),
//   "ack" ("<bytes>": such a report on its own, every quarter of the send buffer).
// JS -> host (post): "ws.send" "<id>\n" + "t"|"b" + bytes; "ws.close"
//   "<id>\n<code>\n<reason>"; "ws.broadcast" JSON {"ids", "kind"} + "\n" + bytes.
(function () {
  "use strict";
  const hoody = globalThis.__hoody;
  const host = hoody.host;
  const D = hoody._dispatch;

  const OPEN = 1;
  const CLOSING = 2;
  const CLOSED = 3;
  const sockets = new Map(); // id -> socket
  const rooms = new Map(); // room -> Set<socket>
  let bufferLimit = 1 << 20;

  function frame(message) {
    if (typeof message === "string") return ["t", D.utf8Encode(message)];
    if (message instanceof ArrayBuffer || ArrayBuffer.isView(message)) return ["b", D.bytesOf(message)];
    if (message === undefined || typeof message === "function" || typeof message === "symbol") {
      throw new TypeError("a WebSocket message is a string, bytes (ArrayBuffer, a typed array) or a JSON value");
    }
    return ["t", D.utf8Encode(JSON.stringify(message))];
  }
  function packet(head, bytes) {
    const h = D.utf8Encode(head);
    const out = new Uint8Array(h.byteLength + bytes.byteLength);
    out.set(h, 0);
    out.set(bytes, h.byteLength);
    return out;
  }
  function checkClose(code, reason) {
    if (code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new RangeError(`close code ${code} is not allowed: use 1000 or 3000-4999`);
    }
    if (D.utf8Encode(reason).byteLength > 123) throw new RangeError("a close reason is at most 123 bytes of UTF-8");
  }

  let ackSocket;
  let endSocket;
  class HoodySocket {
    #id;
    #rooms = new Set();
    #state = OPEN;
    #buffered = 0;
    #waiting = false;
    constructor(id) {
      this.#id = id;
      this.data = {};
    }
    get id() { return this.#id; }
    get rooms() { return new Set(this.#rooms); }
    get readyState() { return this.#state; }
    /** Bytes sent by this socket that have not reached the network yet. */
    get bufferedAmount() { return this.#buffered; }
    /** true: queued; false: the send buffer is full (wait for ws.drain) or the socket is closed. */
    send(message) {
      const [kind, bytes] = frame(message);
      if (this.#state !== OPEN) return false;
      if (this.#buffered >= bufferLimit) {
        this.#waiting = true;
        return false;
      }
      this.#buffered += bytes.byteLength;
      host.post("ws.send", packet(this.#id + "\n" + kind, bytes));
      return true;
    }
    close(code = 1000, reason = "") {
      code = Number(code);
      reason = String(reason);
      checkClose(code, reason);
      if (this.#state !== OPEN) return;
      this.#state = CLOSING;
      host.post("ws.close", this.#id + "\n" + code + "\n" + reason);
    }
    join(room) {
      room = String(room);
      if (this.#state === CLOSED || this.#rooms.has(room)) return;
      this.#rooms.add(room);
      let members = rooms.get(room);
      if (members === undefined) rooms.set(room, (members = new Set()));
      members.add(this);
    }
    leave(room) {
      room = String(room);
      if (!this.#rooms.delete(room)) return;
      const members = rooms.get(room);
      members.delete(this);
      if (members.size === 0) rooms.delete(room);
    }
    static {
      ackSocket = (socket, bytes) => {
        socket.#buffered = Math.max(0, socket.#buffered - bytes);
        if (!socket.#waiting || socket.#buffered >= bufferLimit) return false;
        socket.#waiting = false;
        return true;
      };
      endSocket = (socket) => {
        socket.#state = CLOSED;
        for (const room of [...socket.#rooms]) socket.leave(room);
      };
    }
  }
  Object.defineProperty(HoodySocket.prototype, Symbol.toStringTag, { value: "HoodySocket" });

  function members(room) {
    if (room === undefined || room === null) return sockets.values();
    return rooms.get(String(room)) || [];
  }
  function exceptSet(except) {
    const out = new Set();
    if (except === undefined || except === null) return out;
    const list = typeof except === "string" || except instanceof HoodySocket ? [except] : except;
    for (const item of list) out.add(typeof item === "string" ? item : item.id);
    return out;
  }

  const ws = {
    open: undefined,
    message: undefined,
    close: undefined,
    drain: undefined,
  };
  Object.defineProperties(ws, {
    /** Send to every open socket (or every one in `room`) but `except`; returns how many. */
    broadcast: {
      value(message, room, options) {
        const [kind, bytes] = frame(message);
        const except = exceptSet(options && options.except);
        const ids = [];
        for (const socket of members(room)) {
          if (socket.readyState === OPEN && !except.has(socket.id)) ids.push(socket.id);
        }
        if (ids.length > 0) host.post("ws.broadcast", packet(JSON.stringify({ ids, kind }) + "\n", bytes));
        return ids.length;
      },
    },
    sockets: { value(room) { return [...members(room)]; } },
    count: {
      value(room) {
        if (room === undefined || room === null) return sockets.size;
        const found = rooms.get(String(room));
        return found === undefined ? 0 : found.size;
      },
    },
  });
  hoody.sockets = ws;

  async function handler(name, ...args) {
    const fn = ws[name];
    if (typeof fn !== "function") return;
    try {
      await fn.apply(ws, args);
    } catch (e) {
      throw D.isErrorLike(e) ? e : D.thrownValue(e);
    }
  }

  async function open(id, rest) {
    const split = rest.indexOf("\n");
    bufferLimit = Number(rest.slice(0, split));
    const p = JSON.parse(rest.slice(split + 1));
    const ctx = D.buildContext(p);
    let result;
    try {
      result = await D.run(globalThis.__hoody_entry, ctx);
    } catch (e) {
      throw D.isErrorLike(e) ? e : D.thrownValue(e);
    }
    // A script refuses an upgrade by returning an error Response (401, 403, 429 …).
    if (result instanceof globalThis.Response && (result.status < 200 || result.status >= 300)) {
      return JSON.stringify({ refuse: await D.toResponse(result) });
    }
    const socket = new HoodySocket(id);
    sockets.set(id, socket);
    try {
      await handler("open", socket, ctx.request);
    } catch (e) {
      // The upgrade is refused: this socket never existed for the script.
      sockets.delete(id);
      endSocket(socket);
      throw e;
    }
    return '{"accept":true}';
  }

  function closed(id, rest) {
    const socket = sockets.get(id);
    if (socket === undefined) return "";
    sockets.delete(id);
    endSocket(socket);
    const split = rest.indexOf("\n");
    return handler("close", socket, Number(rest.slice(0, split)), rest.slice(split + 1)).then(() => "");
  }

  // "\u0002" + JSON array of events: messages that reached the host in the same turn
  // (server/websockets/batch.py), run in order as separate calls would run them.
  async function batch(events) {
    const runs = events.map((payload) => {
      try {
        return Promise.resolve(onSocketEvent(payload));
      } catch (e) {
        return Promise.reject(e);
      }
    });
    const failed = (await Promise.allSettled(runs)).filter((r) => r.status === "rejected");
    if (failed.length === 0) return "";
    // The first error ends the call, so the engine maps it to its TypeScript line;
    // any other failure of the same batch is logged here with its own stack.
    for (const extra of failed.slice(1)) {
      const e = extra.reason;
      host.post("log", JSON.stringify({ level: "error", message: "ws.message failed: " + String(e && e.stack || e) }));
    }
    throw failed[0].reason;
  }

  function onSocketEvent(payload) {
    if (payload.charCodeAt(0) === 2) return batch(JSON.parse(payload.slice(1)));
    const a = payload.indexOf("\n");
    const b = payload.indexOf("\n", a + 1);
    const event = payload.slice(1, a);
    const id = payload.slice(a + 1, b);
    const rest = payload.slice(b + 1);
    if (event === "open") return open(id, rest);
    if (event === "close") return closed(id, rest);
    const socket = sockets.get(id);
    if (socket === undefined) return "";
    if (event === "t" || event === "b") {
      // "<bytes sent since the last report>\n<data>"
      const split = rest.indexOf("\n");
      const drained = ackSocket(socket, Number(rest.slice(0, split)));
      const data = event === "t" ? rest.slice(split + 1) : D.base64Decode(rest.slice(split + 1));
      const run = handler("message", socket, data).then(() => "");
      return drained ? run.then(() => handler("drain", socket)).then(() => "") : run;
    }
    if (event === "ack") {
      if (ackSocket(socket, Number(rest))) return handler("drain", socket).then(() => "");
      return "";
    }
    throw new TypeError("unknown socket event " + event);
  }
  hoody.onSocketEvent = onSocketEvent;
})();
