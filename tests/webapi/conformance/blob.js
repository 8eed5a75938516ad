// File API (Blob, File) and the XHR Standard's FormData.
test("Blob joins parts: strings as UTF-8, buffers, views, blobs", async () => {
  const b = new Blob(["é", new Uint8Array([0x21]), new Uint8Array([1, 2, 3]).subarray(1, 2), new Blob(["z"])]);
  assertEq(b.size, 5); assertSame(bytes(new Uint8Array(await b.arrayBuffer())), [0xc3, 0xa9, 0x21, 2, 0x7a]);
});
test("Blob type is lower-cased, invalid types become empty", () => {
  assertEq(new Blob([], { type: "Text/Plain" }).type, "text/plain"); assertEq(new Blob([], { type: "a\u0001b" }).type, "");
});
test("endings: native converts line breaks", async () => {
  assertEq(await new Blob(["a\r\nb\rc"], { endings: "native" }).text(), "a\nb\nc");
  assertEq(await new Blob(["a\r\nb"]).text(), "a\r\nb");
});
test("slice with negative and out-of-range offsets, and a content type", async () => {
  const b = new Blob(["hello world"]);
  assertEq(await b.slice(-5).text(), "world"); assertEq(await b.slice(3, 100).text(), "lo world");
  assertEq(await b.slice(5, 2).text(), ""); assertEq(b.slice(0, 1, "X/Y").type, "x/y");
});
test("stream() gives the bytes", async () => {
  const parts = await readAll(new Blob(["abc"]).stream()); let s = ""; for (const p of parts) s += new TextDecoder().decode(p); assertEq(s, "abc");
});
test("bytes() returns a Uint8Array", async () => {
  const b = new Blob(["hi"]); if (typeof b.bytes !== "function") throw new Error("no bytes()"); assertSame(bytes(await b.bytes()), [104, 105]);
});
test("File has name, lastModified and is a Blob", () => {
  const f = new File(["x"], "n.txt", { type: "text/plain", lastModified: 42 });
  assertTrue(f instanceof Blob); assertSame([f.name, f.lastModified, f.size, f.type], ["n.txt", 42, 1, "text/plain"]);
  assertTrue(Math.abs(new File([], "a").lastModified - Date.now()) < 5000);
});
test("File needs bits and a name", () => { assertThrows("TypeError", () => new File(["x"])); });
test("FormData append, get, getAll, has, delete, set", () => {
  const f = new FormData(); f.append("a", "1"); f.append("a", "2"); f.append("b", "3");
  assertEq(f.get("a"), "1"); assertSame(f.getAll("a"), ["1", "2"]); f.set("a", "9"); assertSame([...f.keys()], ["a", "b"]);
  f.delete("b"); assertEq(f.has("b"), false); assertEq(f.get("zz"), null);
});
test("FormData turns blobs into Files named blob, or the given name", () => {
  const f = new FormData(); f.append("f", new Blob(["x"])); f.append("g", new Blob(["y"]), "y.bin"); f.append("h", new File(["z"], "z.txt"), "renamed");
  assertSame([f.get("f").name, f.get("g").name, f.get("h").name], ["blob", "y.bin", "renamed"]); assertTrue(f.get("f") instanceof File);
});
test("FormData values are USVStrings", () => {
  const f = new FormData(); f.append("\uD800", 5); assertSame([...f.entries()], [["\uFFFD", "5"]]);
});
test("a Response with FormData is multipart and round-trips", async () => {
  const f = new FormData(); f.append("a", "1"); f.append("file", new File(["data"], "d.txt", { type: "text/plain" }));
  const r = new Response(f); assertTrue(r.headers.get("content-type").startsWith("multipart/form-data; boundary="));
  const back = await r.formData(); assertEq(back.get("a"), "1"); assertEq(await back.get("file").text(), "data"); assertEq(back.get("file").name, "d.txt");
});
test("urlencoded bodies parse into FormData", async () => {
  const back = await new Response(new URLSearchParams("x=1&y=a+b")).formData(); assertSame([...back], [["x", "1"], ["y", "a b"]]);
});
