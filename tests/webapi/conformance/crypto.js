// Web Crypto: getRandomValues, randomUUID, subtle.digest and HMAC. Known answers
// from FIPS 180-4 and RFC 4231.
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
test("digest SHA-1 of abc", async () => assertEq(hex(await crypto.subtle.digest("SHA-1", enc("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d"));
test("digest SHA-256 of abc", async () => assertEq(hex(await crypto.subtle.digest("SHA-256", enc("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
test("digest SHA-384 of the empty string", async () => assertEq(hex(await crypto.subtle.digest("SHA-384", new Uint8Array())), "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"));
test("digest SHA-512 of abc", async () => assertTrue(hex(await crypto.subtle.digest({ name: "SHA-512" }, enc("abc"))).startsWith("ddaf35a193617aba")));
test("digest of 1 MB (a million 'a')", async () => assertEq(hex(await crypto.subtle.digest("SHA-256", enc("a".repeat(1000000)))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
test("digest algorithm names are case-insensitive", async () => assertEq((await crypto.subtle.digest("sha-256", new Uint8Array())).byteLength, 32));
test("digest accepts ArrayBuffer and DataView", async () => {
  const a = hex(await crypto.subtle.digest("SHA-1", enc("abc").buffer)); const b = hex(await crypto.subtle.digest("SHA-1", new DataView(enc("abc").buffer)));
  assertEq(a, b);
});
test("digest of an unknown algorithm is NotSupportedError", async () => { await assertRejects("NotSupportedError", crypto.subtle.digest("MD5", new Uint8Array())); });
test("digest of a non-buffer is a TypeError", async () => { await assertRejects("TypeError", crypto.subtle.digest("SHA-1", "abc")); });
test("HMAC SHA-256 sign: RFC 4231 test case 2", async () => {
  const key = await crypto.subtle.importKey("raw", enc("Jefe"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  assertEq(hex(await crypto.subtle.sign("HMAC", key, enc("what do ya want for nothing?"))), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
});
test("HMAC verify accepts the right MAC and refuses a wrong one", async () => {
  const key = await crypto.subtle.importKey("raw", enc("k"), { name: "HMAC", hash: "SHA-1" }, false, ["sign", "verify"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc("m"));
  assertEq(await crypto.subtle.verify("HMAC", key, mac, enc("m")), true); assertEq(await crypto.subtle.verify("HMAC", key, mac, enc("n")), false);
});
test("HMAC key attributes and usages", async () => {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-512" }, true, ["sign"]);
  assertSame([key.type, key.extractable, key.algorithm.name, key.algorithm.hash.name, key.algorithm.length, key.usages], ["secret", true, "HMAC", "SHA-512", 128, ["sign"]]);
  await assertRejects("InvalidAccessError", crypto.subtle.verify("HMAC", key, new Uint8Array(), new Uint8Array()));
});
test("HMAC export of a raw key round trips; jwk import", async () => {
  const key = await crypto.subtle.importKey("raw", new Uint8Array([1, 2, 3]), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
  assertSame(bytes(new Uint8Array(await crypto.subtle.exportKey("raw", key))), [1, 2, 3]);
  const jwk = await crypto.subtle.exportKey("jwk", key); assertSame([jwk.kty, jwk.k, jwk.alg], ["oct", "AQID", "HS256"]);
  const back = await crypto.subtle.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]); assertEq(back.type, "secret");
});
test("a non-extractable key cannot be exported", async () => {
  const key = await crypto.subtle.importKey("raw", new Uint8Array([1]), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  await assertRejects("InvalidAccessError", crypto.subtle.exportKey("raw", key));
});
test("generateKey makes an HMAC key of the hash's block size", async () => {
  const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
  assertEq((await crypto.subtle.exportKey("raw", key)).byteLength, 64);
});
test("getRandomValues fills integer arrays and returns them", () => {
  const a = new Uint32Array(8); assertTrue(crypto.getRandomValues(a) === a); assertTrue(a.some((x) => x !== 0));
});
test("getRandomValues refuses float arrays and more than 65536 bytes", () => {
  assertThrows("TypeMismatchError", () => crypto.getRandomValues(new Float32Array(1)));
  assertThrows("QuotaExceededError", () => crypto.getRandomValues(new Uint8Array(65537)));
});
test("randomUUID is a version 4 UUID", () => {
  assertTrue(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));
  assertTrue(crypto.randomUUID() !== crypto.randomUUID());
});
test("Crypto and SubtleCrypto cannot be constructed", () => {
  assertThrows("TypeError", () => new crypto.constructor()); assertThrows("TypeError", () => new crypto.subtle.constructor());
});
