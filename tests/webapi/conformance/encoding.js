// Encoding Standard (UTF-8 encoder/decoder, labels, BOM, fatal, streaming,
// encodeInto, the stream forms) and HTML's atob/btoa.
test("encode: ASCII, 2-, 3- and 4-byte sequences", () => {
  assertSame(bytes(new TextEncoder().encode("aé€😀")), [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
});
test("encode: lone surrogates become U+FFFD", () => {
  assertSame(bytes(new TextEncoder().encode("\uD800x\uDC00")), [0xef, 0xbf, 0xbd, 0x78, 0xef, 0xbf, 0xbd]);
});
test("encode: no argument is the empty string", () => { assertEq(new TextEncoder().encode().length, 0); });
test("encoder.encoding is utf-8", () => { assertEq(new TextEncoder().encoding, "utf-8"); });
test("encodeInto reports read and written, stops before a partial character", () => {
  const out = new Uint8Array(4);
  assertSame(new TextEncoder().encodeInto("ab€c", out), { read: 2, written: 2 });
  const big = new Uint8Array(8);
  assertSame(new TextEncoder().encodeInto("a😀b", big), { read: 4, written: 6 });
});
test("decode: basic and from a DataView / ArrayBuffer", () => {
  const b = new Uint8Array([0x68, 0xc3, 0xa9]);
  assertEq(new TextDecoder().decode(b), "hé");
  assertEq(new TextDecoder().decode(b.buffer), "hé");
  assertEq(new TextDecoder().decode(new DataView(b.buffer, 1)), "é");
});
test("decode: invalid sequences become U+FFFD (maximal subparts)", () => {
  assertEq(new TextDecoder().decode(new Uint8Array([0xf0, 0x9f, 0x41, 0xc0, 0x80, 0xed, 0xa0, 0x80])), "\uFFFDA\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD");
});
test("decode: fatal throws TypeError", () => {
  assertThrows("TypeError", () => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])));
});
test("decode: BOM is stripped unless ignoreBOM", () => {
  const b = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
  assertEq(new TextDecoder().decode(b), "a");
  assertEq(new TextDecoder("utf-8", { ignoreBOM: true }).decode(b), "\uFEFFa");
});
test("decode: stream option keeps a split character", () => {
  const d = new TextDecoder();
  assertEq(d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), "");
  assertEq(d.decode(new Uint8Array([0xac])), "€");
});
test("decode: an unfinished sequence at the end is U+FFFD", () => {
  const d = new TextDecoder();
  d.decode(new Uint8Array([0xf0, 0x9f]), { stream: true });
  assertEq(d.decode(), "\uFFFD");
});
test("labels: case and whitespace insensitive, utf8 alias", () => {
  assertEq(new TextDecoder(" UTF8 ").encoding, "utf-8");
  assertEq(new TextDecoder("unicode-1-1-utf-8").encoding, "utf-8");
});
test("labels: utf-16le is supported", () => {
  assertEq(new TextDecoder("utf-16le").decode(new Uint8Array([0x68, 0, 0xe9, 0])), "hé");
});
test("labels: unknown label is a RangeError", () => { assertThrows("RangeError", () => new TextDecoder("nope")); });
test("labels: replacement encodings are refused", () => { assertThrows("RangeError", () => new TextDecoder("replacement")); });
test("decoder attributes", () => {
  const d = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  assertSame([d.encoding, d.fatal, d.ignoreBOM], ["utf-8", true, true]);
});
test("decode: a SharedArrayBuffer view is accepted", () => {
  const sab = new Uint8Array(new SharedArrayBuffer(1)); sab[0] = 0x41;
  assertEq(new TextDecoder().decode(sab), "A");
});
test("TextEncoderStream joins surrogate pairs across chunks", async () => {
  const out = [];
  for (const c of await readAll(ReadableStream.from(["\uD83D", "\uDE00"]).pipeThrough(new TextEncoderStream()))) out.push(...c);
  assertSame(out, [0xf0, 0x9f, 0x98, 0x80]);
});
test("TextDecoderStream decodes characters split across chunks", async () => {
  const chunks = [[0x68], [0xc3], [0xa9, 0xe2], [0x82, 0xac]].map((a) => new Uint8Array(a));
  assertEq((await readAll(ReadableStream.from(chunks).pipeThrough(new TextDecoderStream()))).join(""), "hé€");
});
test("TextDecoderStream fatal errors the stream", async () => {
  await assertRejects("TypeError", readAll(ReadableStream.from([new Uint8Array([0xff])]).pipeThrough(new TextDecoderStream("utf-8", { fatal: true }))));
});
test("TextDecoderStream rejects non-buffer chunks", async () => {
  await assertRejects("TypeError", readAll(ReadableStream.from(["text"]).pipeThrough(new TextDecoderStream())));
});
test("btoa / atob round trip Latin-1", () => {
  assertEq(btoa("hé\u00ff"), "aOn/"); assertEq(atob("aOn/"), "hé\u00ff");
});
test("btoa refuses code points above U+00FF", () => { assertThrows("InvalidCharacterError", () => btoa("€")); });
test("atob: whitespace is removed and padding optional", () => { assertEq(atob(" YW\nJj "), "abc"); assertEq(atob("YQ"), "a"); });
test("atob: invalid input throws InvalidCharacterError", () => {
  assertThrows("InvalidCharacterError", () => atob("a")); assertThrows("InvalidCharacterError", () => atob("YQ=a"));
});
