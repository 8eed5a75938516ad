// crypto.getRandomValues / randomUUID (entropy pulled from the host in 4 KiB
// batches: no round trip per call), crypto.subtle.digest (SHA-1/256/384/512) and
// HMAC importKey/exportKey/generateKey/sign/verify, computed by the host (Rust).
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const { DOMException } = W;
  const host = W.host;

  // ------------------------------------------------------------------ entropy pool
  const POOL = 4096;
  let pool = new Uint8Array(0);
  let poolPos = 0;
  function takeRandom(n) {
    if (n > POOL) return host.randomBytes(n);
    if (pool.length - poolPos < n) {
      pool = host.randomBytes(POOL);
      poolPos = 0;
    }
    const out = pool.subarray(poolPos, poolPos + n);
    poolPos += n;
    return out;
  }
  function wipeUsed(view) { view.fill(0); }

  const INTEGER_ARRAYS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"];
  function getRandomValues(array) {
    W.requiredArgs(arguments.length, 1, "Failed to execute 'getRandomValues' on 'Crypto'");
    const tag = ArrayBuffer.isView(array) ? Object.prototype.toString.call(array).slice(8, -1) : "";
    if (!INTEGER_ARRAYS.includes(tag)) {
      throw new DOMException("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is of type '" + (tag || typeof array) + "', which is not an integer array type.", "TypeMismatchError");
    }
    if (array.byteLength > 65536) {
      throw new DOMException(`Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`, "QuotaExceededError");
    }
    const src = takeRandom(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(src);
    wipeUsed(src);
    return array;
  }
  const hex = [];
  for (let i = 0; i < 256; i++) hex.push(i.toString(16).padStart(2, "0"));
  function randomUUID() {
    const b = takeRandom(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const s = hex[b[0]] + hex[b[1]] + hex[b[2]] + hex[b[3]] + "-" + hex[b[4]] + hex[b[5]] + "-" + hex[b[6]] + hex[b[7]] + "-" +
      hex[b[8]] + hex[b[9]] + "-" + hex[b[10]] + hex[b[11]] + hex[b[12]] + hex[b[13]] + hex[b[14]] + hex[b[15]];
    wipeUsed(b);
    return s;
  }

  // ------------------------------------------------------------------ algorithms
  const HASHES = { "SHA-1": 64, "SHA-256": 64, "SHA-384": 128, "SHA-512": 128 }; // block sizes (bytes)
  function normalizeHash(h) {
    const name = typeof h === "string" ? h : h && h.name;
    if (typeof name !== "string") throw new TypeError("Algorithm: hash is required");
    const up = name.toUpperCase();
    if (!(up in HASHES)) throw new DOMException(`Unrecognized algorithm name: ${name}`, "NotSupportedError");
    return up;
  }
  function normalizeAlgName(alg) {
    const name = typeof alg === "string" ? alg : alg && alg.name;
    if (typeof name !== "string") throw new TypeError("Algorithm: name is required");
    return name.toUpperCase();
  }
  function bufferSource(data, what) {
    if (!W.isBufferSource(data)) throw new TypeError(`Failed to execute '${what}' on 'SubtleCrypto': parameter is not of type '(ArrayBuffer or ArrayBufferView)'.`);
    return W.bytesCopy(data);
  }
  const toArrayBuffer = (u8) => (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.slice().buffer);

  // ------------------------------------------------------------------ CryptoKey
  const keyToken = Symbol("CryptoKey");
  class CryptoKey {
    #type; #extractable; #algorithm; #usages; #raw;
    constructor(token, type, extractable, algorithm, usages, raw) {
      if (token !== keyToken) throw new TypeError("Illegal constructor");
      this.#type = type; this.#extractable = extractable; this.#algorithm = algorithm; this.#usages = usages; this.#raw = raw;
    }
    get type() { return this.#type; }
    get extractable() { return this.#extractable; }
    get algorithm() { return this.#algorithm; }
    get usages() { return this.#usages.slice(); }
    static {
      W.keyRaw = (k) => k.#raw;
      W.keyAlg = (k) => k.#algorithm;
      W.keyUsages = (k) => k.#usages;
      W.isCryptoKey = (k) => k !== null && typeof k === "object" && #raw in k;
    }
  }
  W.tag(CryptoKey);
  for (const k of ["type", "extractable", "algorithm", "usages"]) Object.defineProperty(CryptoKey.prototype, k, { enumerable: true });

  const HMAC_USAGES = ["sign", "verify"];
  function checkUsages(usages) {
    const list = Array.from(usages || [], String);
    for (const u of list) {
      if (!HMAC_USAGES.includes(u)) throw new DOMException(`Cannot create a key using the specified key usages: ${u}`, "SyntaxError");
    }
    if (list.length === 0) throw new DOMException("Usages cannot be empty when creating a key.", "SyntaxError");
    return [...new Set(list)];
  }
  function makeHmacKey(raw, algorithm, extractable, usages) {
    const hash = normalizeHash(algorithm.hash);
    let length = raw.length * 8;
    if (algorithm.length !== undefined) {
      const l = Number(algorithm.length);
      if (l === 0 || l > length || l <= length - 8) throw new DOMException("The key length is invalid for HMAC", "DataError");
      length = l;
    }
    if (raw.length === 0) throw new DOMException("HMAC key data must not be empty", "DataError");
    return new CryptoKey(keyToken, "secret", !!extractable, Object.freeze({ name: "HMAC", length, hash: Object.freeze({ name: hash }) }), checkUsages(usages), raw);
  }
  const b64url = (bytes) => W.base64Encode(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const unb64url = (s) => {
    const bytes = W.base64Decode(String(s).replace(/-/g, "+").replace(/_/g, "/"));
    if (bytes === null) throw new DOMException("Invalid base64url in JWK", "DataError");
    return bytes;
  };
  const JWK_ALG = { "SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512" };

  // Every SubtleCrypto method returns a promise and turns synchronous throws into rejections.
  const promised = (fn) => function (...args) {
    try { return Promise.resolve(fn.apply(this, args)); } catch (e) { return Promise.reject(e); }
  };

  const subtleToken = Symbol("SubtleCrypto");
  class SubtleCrypto {
    constructor(token) { if (token !== subtleToken) throw new TypeError("Illegal constructor"); }
  }
  const subtleMethods = {
    digest(algorithm, data) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'digest' on 'SubtleCrypto'");
      const hash = normalizeHash(algorithm);
      return toArrayBuffer(host.digest(hash, bufferSource(data, "digest")));
    },
    importKey(format, keyData, algorithm, extractable, usages) {
      W.requiredArgs(arguments.length, 5, "Failed to execute 'importKey' on 'SubtleCrypto'");
      const name = normalizeAlgName(algorithm);
      if (name !== "HMAC") throw new DOMException(`Algorithm not supported: ${name}`, "NotSupportedError");
      if (format === "raw") {
        return makeHmacKey(bufferSource(keyData, "importKey"), algorithm, extractable, usages);
      }
      if (format === "jwk") {
        if (keyData === null || typeof keyData !== "object") throw new TypeError("JWK must be an object");
        if (keyData.kty !== "oct") throw new DOMException("The JWK 'kty' member was not 'oct'", "DataError");
        if (typeof keyData.k !== "string") throw new DOMException("The JWK 'k' member is missing", "DataError");
        const raw = unb64url(keyData.k);
        const hash = normalizeHash(algorithm.hash);
        if (keyData.alg !== undefined && keyData.alg !== JWK_ALG[hash]) throw new DOMException("The JWK 'alg' member does not match the hash", "DataError");
        if (keyData.use !== undefined && keyData.use !== "sig") throw new DOMException("The JWK 'use' member was not 'sig'", "DataError");
        if (keyData.ext === false && extractable) throw new DOMException("The JWK 'ext' member was false but the key is extractable", "DataError");
        if (Array.isArray(keyData.key_ops)) {
          for (const u of usages) if (!keyData.key_ops.includes(u)) throw new DOMException("The JWK 'key_ops' member does not allow a requested usage", "DataError");
        }
        return makeHmacKey(raw, algorithm, extractable, usages);
      }
      throw new DOMException(`Unsupported key format: ${format}`, "NotSupportedError");
    },
    exportKey(format, key) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'exportKey' on 'SubtleCrypto'");
      if (!W.isCryptoKey(key)) throw new TypeError("Failed to execute 'exportKey' on 'SubtleCrypto': parameter 2 is not of type 'CryptoKey'.");
      if (!key.extractable) throw new DOMException("key is not extractable", "InvalidAccessError");
      const raw = W.keyRaw(key);
      if (format === "raw") return raw.slice().buffer;
      if (format === "jwk") {
        return { kty: "oct", k: b64url(raw), alg: JWK_ALG[W.keyAlg(key).hash.name], key_ops: W.keyUsages(key).slice(), ext: true };
      }
      throw new DOMException(`Unsupported key format: ${format}`, "NotSupportedError");
    },
    generateKey(algorithm, extractable, usages) {
      W.requiredArgs(arguments.length, 3, "Failed to execute 'generateKey' on 'SubtleCrypto'");
      const name = normalizeAlgName(algorithm);
      if (name !== "HMAC") throw new DOMException(`Algorithm not supported: ${name}`, "NotSupportedError");
      const hash = normalizeHash(algorithm.hash);
      const bits = algorithm.length !== undefined ? Number(algorithm.length) : HASHES[hash] * 8;
      if (!(bits > 0)) throw new DOMException("The key length is invalid for HMAC", "OperationError");
      const raw = new Uint8Array(takeRandom(Math.ceil(bits / 8)));
      return makeHmacKey(raw, { name: "HMAC", hash, length: bits }, extractable, usages);
    },
    sign(algorithm, key, data) {
      W.requiredArgs(arguments.length, 3, "Failed to execute 'sign' on 'SubtleCrypto'");
      if (normalizeAlgName(algorithm) !== "HMAC") throw new DOMException("Algorithm not supported", "NotSupportedError");
      if (!W.isCryptoKey(key)) throw new TypeError("Failed to execute 'sign' on 'SubtleCrypto': parameter 2 is not of type 'CryptoKey'.");
      if (W.keyAlg(key).name !== "HMAC" || !W.keyUsages(key).includes("sign")) throw new DOMException("key.usages does not permit this operation", "InvalidAccessError");
      return toArrayBuffer(host.hmac(W.keyAlg(key).hash.name, W.keyRaw(key), bufferSource(data, "sign")));
    },
    verify(algorithm, key, signature, data) {
      W.requiredArgs(arguments.length, 4, "Failed to execute 'verify' on 'SubtleCrypto'");
      if (normalizeAlgName(algorithm) !== "HMAC") throw new DOMException("Algorithm not supported", "NotSupportedError");
      if (!W.isCryptoKey(key)) throw new TypeError("Failed to execute 'verify' on 'SubtleCrypto': parameter 2 is not of type 'CryptoKey'.");
      if (W.keyAlg(key).name !== "HMAC" || !W.keyUsages(key).includes("verify")) throw new DOMException("key.usages does not permit this operation", "InvalidAccessError");
      const sig = bufferSource(signature, "verify");
      const mac = host.hmac(W.keyAlg(key).hash.name, W.keyRaw(key), bufferSource(data, "verify"));
      if (sig.length !== mac.length) return false;
      let diff = 0; // constant time over the length
      for (let i = 0; i < mac.length; i++) diff |= mac[i] ^ sig[i];
      return diff === 0;
    },
  };
  for (const [k, fn] of Object.entries(subtleMethods)) {
    const wrapped = promised(fn);
    Object.defineProperty(wrapped, "name", { value: k });
    Object.defineProperty(wrapped, "length", { value: fn.length });
    Object.defineProperty(SubtleCrypto.prototype, k, { value: wrapped, writable: true, enumerable: true, configurable: true });
  }
  W.tag(SubtleCrypto);

  const cryptoToken = Symbol("Crypto");
  const subtle = new SubtleCrypto(subtleToken);
  class Crypto {
    constructor(token) { if (token !== cryptoToken) throw new TypeError("Illegal constructor"); }
    get subtle() { return subtle; }
    getRandomValues(array) { return getRandomValues.apply(this, arguments); }
    randomUUID() { return randomUUID(); }
  }
  W.tag(Crypto);
  Object.defineProperty(Crypto.prototype, "subtle", { enumerable: true });

  W.randomBytes = takeRandom;
  W.defineGlobal("Crypto", Crypto);
  W.defineGlobal("SubtleCrypto", SubtleCrypto);
  W.defineGlobal("CryptoKey", CryptoKey);
  W.defineGlobal("crypto", new Crypto(cryptoToken));
})();
