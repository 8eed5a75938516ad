// Development harness (not part of the product): loads the prelude into a bare
// node vm context with a stub __hoody.host, so the Web APIs can be exercised
// before the real engine exists. Usage: node harness.js [test files...]
"use strict";
const vm = require("vm");
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const JS_DIR = path.resolve(__dirname, "../../../python/hoody_exec/webapi/js");

function makeContext(options = {}) {
  const logs = [];
  const posts = [];
  const requests = [];
  const ctx = vm.createContext({});
  const G = (n) => vm.runInContext(n, ctx);
  const algName = (a) => ({ "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" })[a];
  const toU8 = (b) => new (G("Uint8Array"))(b);
  const host = {
    post(op, data) {
      posts.push([op, data]);
      if (op === "log") logs.push(JSON.parse(data));
      if (options.onPost) options.onPost(op, data);
    },
    request(op, data) {
      return new (G("Promise"))((resolve, reject) => {
        requests.push({ op, data, resolve, reject });
        if (options.onRequest) options.onRequest(op, data, resolve, reject);
      });
    },
    randomBytes(n) { return toU8(crypto.randomBytes(n)); },
    digest(alg, data) {
      const a = algName(alg); if (!a) throw new (G("TypeError"))("bad alg");
      return toU8(crypto.createHash(a).update(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).digest());
    },
    hmac(alg, key, data) {
      const a = algName(alg); if (!a) throw new (G("TypeError"))("bad alg");
      return toU8(crypto.createHmac(a, Buffer.from(key)).update(Buffer.from(data)).digest());
    },
  };
  vm.runInContext("globalThis.__hoody = {}", ctx);
  ctx.__hoody.host = host;
  for (const f of fs.readdirSync(JS_DIR).filter((f) => f.endsWith(".js")).sort()) {
    vm.runInContext(fs.readFileSync(path.join(JS_DIR, f), "utf8"), ctx, { filename: f });
  }
  return { ctx, logs, posts, requests, run: (code) => vm.runInContext(code, ctx) };
}
module.exports = { makeContext };

if (require.main === module) {
  const files = process.argv.slice(2);
  let failed = 0;
  (async () => {
    for (const f of files) {
      const mod = require(path.resolve(f));
      for (const [name, fn] of Object.entries(mod)) {
        const env = makeContext();
        try {
          await fn(env);
          console.log("ok  ", name);
        } catch (e) {
          failed++;
          console.log("FAIL", name, e && e.stack ? e.stack : e);
        }
      }
    }
    console.log(failed ? `${failed} failed` : "all ok");
    process.exit(failed ? 1 : 0);
  })();
}
