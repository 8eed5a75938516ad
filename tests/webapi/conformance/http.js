// Fetch Standard: Headers, Request, Response and their bodies (no network).
test("Headers: case-insensitive, combined with comma-space, sorted iteration", () => {
  const h = new Headers([["B", "2"], ["a", "1"], ["b", "3"]]);
  assertEq(h.get("b"), "2, 3"); assertSame([...h], [["a", "1"], ["b", "2, 3"]]);
});
test("Headers: values are trimmed of HTTP whitespace", () => { assertEq(new Headers({ a: " \t v \n" }).get("a"), "v"); });
test("Headers: invalid names and values throw TypeError", () => {
  assertThrows("TypeError", () => new Headers({ "a b": "1" })); assertThrows("TypeError", () => new Headers({ a: "x\ny" }));
  assertThrows("TypeError", () => new Headers({ "é": "1" }));
});
test("Headers: set-cookie stays separate", () => {
  const h = new Headers(); h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2");
  assertSame(h.getSetCookie(), ["a=1", "b=2"]); assertSame([...h], [["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
});
test("Headers: has, delete, forEach", () => {
  const h = new Headers({ x: "1" }); assertTrue(h.has("X")); const seen = []; h.forEach((v, k) => seen.push(k + "=" + v));
  h.delete("x"); assertEq(h.has("x"), false); assertSame(seen, ["x=1"]);
});
test("Headers: a record or a sequence of pairs only", () => { assertThrows("TypeError", () => new Headers([["a"]])); });
test("Request: defaults", () => {
  const r = new Request("http://h/p");
  assertSame([r.method, r.url, r.redirect, r.credentials, r.mode, r.cache, r.bodyUsed, r.body], ["GET", "http://h/p", "follow", "same-origin", "cors", "default", false, null]);
});
test("Request: method names are normalised, forbidden ones refused", () => {
  assertEq(new Request("http://h", { method: "post" }).method, "POST"); assertEq(new Request("http://h", { method: "patch" }).method, "patch");
  assertThrows("TypeError", () => new Request("http://h", { method: "CONNECT" })); assertThrows("TypeError", () => new Request("http://h", { method: "a b" }));
});
test("Request: GET and HEAD cannot have a body", () => { assertThrows("TypeError", () => new Request("http://h", { body: "x" })); });
test("Request: a string body sets text/plain;charset=UTF-8", async () => {
  const r = new Request("http://h", { method: "POST", body: "hé" });
  assertEq(r.headers.get("content-type"), "text/plain;charset=UTF-8"); assertEq(await r.text(), "hé");
});
test("Request: a URL with credentials is refused", () => { assertThrows("TypeError", () => new Request("http://u:p@h/")); });
test("Request: clone copies body and headers", async () => {
  const r = new Request("http://h", { method: "PUT", body: "b", headers: { x: "1" } }); const c = r.clone();
  assertEq(await c.text(), "b"); assertEq(await r.text(), "b"); assertEq(c.headers.get("x"), "1");
});
test("Request: from a Request with overrides", () => {
  const r = new Request(new Request("http://h/", { method: "POST", body: "x" }), { method: "PUT" }); assertEq(r.method, "PUT");
});
test("Request: signal follows the init signal", () => {
  const ac = new AbortController(); const r = new Request("http://h", { signal: ac.signal }); ac.abort(); assertTrue(r.signal.aborted);
});
test("Response: defaults", () => {
  const r = new Response(); assertSame([r.status, r.ok, r.statusText, r.type, r.url, r.redirected, r.body], [200, true, "", "default", "", false, null]);
});
test("Response: status range and null-body statuses", () => {
  assertThrows("RangeError", () => new Response("", { status: 600 })); assertThrows("RangeError", () => new Response("", { status: 199 }));
  assertThrows("TypeError", () => new Response("x", { status: 204 })); assertEq(new Response(null, { status: 204 }).status, 204);
});
test("Response.json sets the content type", async () => {
  const r = Response.json({ a: 1 }, { status: 201 }); assertEq(r.status, 201);
  assertEq(r.headers.get("content-type"), "application/json"); assertSame(await r.json(), { a: 1 });
});
test("Response.redirect validates the status", () => {
  const r = Response.redirect("http://h/x", 301); assertSame([r.status, r.headers.get("location")], [301, "http://h/x"]);
  assertThrows("RangeError", () => Response.redirect("http://h", 200));
});
test("Response.error is a network error", () => { const r = Response.error(); assertSame([r.type, r.status], ["error", 0]); });
test("bodies are read once", async () => {
  const r = new Response("x"); await r.text(); assertTrue(r.bodyUsed); await assertRejects("TypeError", r.text());
});
test("body types: ArrayBuffer, Blob, URLSearchParams, stream", async () => {
  assertEq(await new Response(new Uint8Array([104, 105]).buffer).text(), "hi");
  const b = new Response(new Blob(["x"], { type: "a/b" })); assertEq(b.headers.get("content-type"), "a/b");
  assertEq(new Response(new URLSearchParams("a=1")).headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
  assertEq(await new Response(ReadableStream.from([new Uint8Array([111, 107])])).text(), "ok");
});
test("json() of invalid JSON is a SyntaxError", async () => { await assertRejects("SyntaxError", new Response("{").json()); });
test("arrayBuffer and blob of a body", async () => {
  const r = new Response("ab", { headers: { "content-type": "x/y" } }); const blob = await r.clone().blob();
  assertEq(blob.type, "x/y"); assertEq((await r.arrayBuffer()).byteLength, 2);
});
test("a string body in a stream of bytes", async () => {
  const chunks = await readAll(new Response("hé").body); let n = 0; for (const c of chunks) { assertTrue(c instanceof Uint8Array); n += c.length; } assertEq(n, 3);
});
test("text() decodes UTF-8 with BOM stripped and replacement", async () => {
  assertEq(await new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff])).text(), "a\uFFFD");
});
test("fetch rejects unsupported schemes with TypeError", async () => { await assertRejects("TypeError", fetch("ftp://h/")); });
