// A stand-in for hoody_exec._native.Isolate (development only): one bare vm
// context per process, driven over stdin/stdout JSON lines by fake_isolate.py.
"use strict";
const vm = require("vm");
const crypto = require("crypto");
const readline = require("readline");
const ctx = vm.createContext({});
const G = (n) => vm.runInContext(n, ctx);
const send = (m) => process.stdout.write(JSON.stringify(m) + "\n");
const pending = new Map();
let nextRid = 1;
const algName = (a) => ({ "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" })[a];
const U8 = (b) => new (G("Uint8Array"))(b);
const toBuf = (d) => (typeof d === "string" ? Buffer.from(d, "utf8") : Buffer.from(d.buffer, d.byteOffset, d.byteLength));
const host = {
  post(op, data) { send({ t: "host", rid: 0, op, data: toBuf(data).toString("base64") }); },
  request(op, data) {
    const rid = nextRid++;
    return new (G("Promise"))((resolve, reject) => {
      pending.set(rid, { resolve, reject });
      send({ t: "host", rid, op, data: toBuf(data).toString("base64") });
    });
  },
  randomBytes: (n) => U8(crypto.randomBytes(n)),
  digest: (alg, d) => U8(crypto.createHash(algName(alg)).update(toBuf(d)).digest()),
  hmac: (alg, k, d) => U8(crypto.createHmac(algName(alg), toBuf(k)).update(toBuf(d)).digest()),
  domainToASCII: (d) => require("url").domainToASCII(d) || null,
};
vm.runInContext("globalThis.__hoody = {}", ctx);
ctx.__hoody.host = host;
const prim = (v) => (v === null || ["string", "number", "boolean"].includes(typeof v) ? v : null);
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const m = JSON.parse(line);
  if (m.t === "eval") {
    try { send({ t: "done", id: m.id, ok: prim(vm.runInContext(m.code, ctx, { filename: m.filename })) }); }
    catch (e) { send({ t: "done", id: m.id, err: String(e && e.stack || e) }); }
  } else if (m.t === "call") {
    Promise.resolve().then(() => ctx.__hoody.onCall(m.payload)).then(
      (v) => send({ t: "done", id: m.id, ok: prim(v) }), (e) => send({ t: "done", id: m.id, err: String(e && e.stack || e) }));
  } else if (m.t === "resolve" || m.t === "reject") {
    const p = pending.get(m.rid);
    if (!p) return;
    pending.delete(m.rid);
    if (m.t === "reject") p.reject(new (G("Error"))(m.message));
    else p.resolve(m.b64 ? U8(Buffer.from(m.value, "base64")) : m.value);
  }
});
