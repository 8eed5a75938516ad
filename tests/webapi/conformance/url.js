// URL Standard: the basic parser (schemes, authority, hosts, paths, query,
// fragment), serialisation, setters, origin, URLSearchParams. Cases follow the
// spec's algorithm steps; the inputs are ours.
const parses = [
  // [input, base, expected href | null for failure]
  ["http://example.com", null, "http://example.com/"],
  ["HTTP://EXAMPLE.COM/A", null, "http://example.com/A"],
  ["  http://example.com/ \n", null, "http://example.com/"],
  ["http://exa\tmple.com/p\na", null, "http://example.com/pa"],
  ["http://example.com:80/", null, "http://example.com/"],
  ["https://example.com:443/", null, "https://example.com/"],
  ["http://example.com:8080/", null, "http://example.com:8080/"],
  ["http://example.com:0080/", null, "http://example.com/"],
  ["http://example.com:65536/", null, null],
  ["http://example.com:12a/", null, null],
  ["http://user:pa ss@host/", null, "http://user:pa%20ss@host/"],
  ["http://@host/", null, "http://host/"],
  ["http://:@host/", null, "http://host/"],
  ["http://a@b@host/", null, "http://a%40b@host/"],
  ["http:/\\host/path", null, "http://host/path"],
  ["http:host", "http://base/dir/file", "http://base/dir/host"],
  ["//other/x", "https://base/y", "https://other/x"],
  ["?q", "http://base/dir/file#f", "http://base/dir/file?q"],
  ["#frag", "http://base/dir/file?q", "http://base/dir/file?q#frag"],
  ["", "http://base/dir/file?q#f", "http://base/dir/file?q"],
  ["../up", "http://base/a/b/c", "http://base/a/up"],
  ["../../../../x", "http://base/a/b", "http://base/x"],
  ["./.././%2e/%2E%2e/z", "http://base/a/b/c/d", "http://base/a/z"],
  ["http://host/a/./b/../c", null, "http://host/a/c"],
  ["http://host/a/%2e%2E/c", null, "http://host/c"],
  ["http://host/a\\b", null, "http://host/a/b"],
  ["http://host/ sp\"<>`{}", null, "http://host/%20sp%22%3C%3E%60%7B%7D"],
  ["http://host/é", null, "http://host/%C3%A9"],
  ["http://host/?a b'\"", null, "http://host/?a%20b%27%22"],
  ["sc://host/?a b'", null, "sc://host/?a%20b'"],
  ["http://host/#a b`<", null, "http://host/#a%20b%60%3C"],
  ["http://host/a^b", null, "http://host/a^b"],
  ["sc://host/a^b", null, "sc://host/a^b"],
  ["http://EXAMPLE.com./", null, "http://example.com./"],
  ["http://ex%41mple.com/", null, "http://example.com/"],
  ["http://exa mple.com/", null, null],
  ["http://exa<mple.com/", null, null],
  ["http://exa%25mple.com/", null, null],
  ["http://[::1]/", null, "http://[::1]/"],
  ["http://[0:0:0:0:0:0:0:1]/", null, "http://[::1]/"],
  ["http://[1:0:0:2:0:0:0:3]/", null, "http://[1:0:0:2::3]/"],
  ["http://[::ffff:1.2.3.4]/", null, "http://[::ffff:102:304]/"],
  ["http://[1::2::3]/", null, null],
  ["http://[::1/", null, null],
  ["http://[g::1]/", null, null],
  ["http://192.168.0.1/", null, "http://192.168.0.1/"],
  ["http://0x7f.1/", null, "http://127.0.0.1/"],
  ["http://0300.0250.0.1/", null, "http://192.168.0.1/"],
  ["http://3232235521/", null, "http://192.168.0.1/"],
  ["http://4294967296/", null, null],
  ["http://1.2.3.256/", null, null],
  ["http://1.2.3.4.5/", null, null],
  ["http://1.2.3.09/", null, null],
  ["http://foo.09/", null, null],
  ["http://09.foo/", null, "http://09.foo/"],
  ["http://münchen.de/", null, "http://xn--mnchen-3ya.de/"],
  ["http://MÜNCHEN.de/", null, "http://xn--mnchen-3ya.de/"],
  ["http://ｅｘａｍｐｌｅ.com/", null, "http://example.com/"],
  ["http://a\u3002b/", null, "http://a.b/"],
  ["http://xn--mnchen-3ya.de/", null, "http://xn--mnchen-3ya.de/"],
  ["http://a.b.c.xn--pokxncvks/", null, null],
  ["http://xn--/", null, null],
  ["https://%EF%BF%BD/", null, null],
  ["http://\uFDD0zyx.com/", null, null],
  ["https://example.com%80/", null, null],
  ["http://soft\u00ADhyphen.com/", null, "http://softhyphen.com/"],
  ["http://\u0000host/", null, null],
  ["http:///", null, null],
  ["https://", null, null],
  ["file:///C:/dir/file", null, "file:///C:/dir/file"],
  ["file:///C|/dir/file", null, "file:///C:/dir/file"],
  ["file://localhost/etc/x", null, "file:///etc/x"],
  ["file://HOST/share", null, "file://host/share"],
  ["file:/x", null, "file:///x"],
  ["..", "file:///C:/", "file:///C:/"],
  ["/y", "file:///C:/a/b", "file:///C:/y"],
  ["file:..", "file:///a/b", "file:///"],
  ["mailto:User@Example.com", null, "mailto:User@Example.com"],
  ["javascript:alert(1) ", null, "javascript:alert(1)"],
  ["data:text/plain,a b", null, "data:text/plain,a b"],
  ["sc:opaque path?q#f", null, "sc:opaque path?q#f"],
  ["sc:\u0001é", null, "sc:%01%C3%A9"],
  ["sc://host", null, "sc://host"],
  ["sc://h st/", null, null],
  ["sc://%/", null, "sc://%/"],
  ["sc://ü/", null, "sc://%C3%BC/"],
  ["sc:/a/../b", null, "sc:/b"],
  ["sc:", null, "sc:"],
  ["a:b", "sc:opaque", "a:b"],
  ["rel", "sc:opaque", null],
  ["#f", "sc:opaque", "sc:opaque#f"],
  ["1http://x", null, null],
  ["ws://h/", null, "ws://h/"],
  ["wss://h:443/", null, "wss://h/"],
  ["ftp://h:21/", null, "ftp://h/"],
  ["non-spec:/.//p", null, "non-spec:/.//p"],
  ["http://h/?%zz", null, "http://h/?%zz"],
];
parses.forEach(([input, base, expected], i) => {
  test(`parse #${i} ${JSON.stringify(input)}${base ? " against " + base : ""}`, () => {
    if (expected === null) {
      assertEq(URL.canParse(input, base ?? undefined), false, "canParse");
      assertThrows("TypeError", () => new URL(input, base ?? undefined));
    } else {
      assertEq(new URL(input, base ?? undefined).href, expected, "href");
    }
  });
});

test("components of a full URL", () => {
  const u = new URL("https://us:pw@host.example:8443/p/a?x=1#frag");
  assertSame([u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin],
    ["https:", "us", "pw", "host.example:8443", "host.example", "8443", "/p/a", "?x=1", "#frag", "https://host.example:8443"]);
});
test("origin of opaque and file URLs is null", () => {
  assertEq(new URL("sc://h/").origin, "null");
  assertEq(new URL("file:///x").origin, "null");
  assertEq(new URL("blob:https://a.example/uuid").origin, "https://a.example");
});
test("setters: protocol between special schemes only", () => {
  const u = new URL("http://h/");
  u.protocol = "https"; assertEq(u.href, "https://h/");
  u.protocol = "sc"; assertEq(u.href, "https://h/");
  const s = new URL("sc://h/"); s.protocol = "http"; assertEq(s.href, "sc://h/");
});
test("setters: host, hostname, port", () => {
  const u = new URL("http://h:1/p");
  u.host = "other:2"; assertEq(u.href, "http://other:2/p");
  u.hostname = "x.example"; assertEq(u.href, "http://x.example:2/p");
  u.port = "80"; assertEq(u.href, "http://x.example/p");
  u.port = "bad"; assertEq(u.port, "");
  u.port = "99999"; assertEq(u.port, "");
});
test("setters: pathname, search, hash percent-encode", () => {
  const u = new URL("http://h/");
  u.pathname = "a b/c"; assertEq(u.pathname, "/a%20b/c");
  u.search = "q=a b"; assertEq(u.search, "?q=a%20b");
  u.hash = "x y"; assertEq(u.hash, "#x%20y");
  u.search = ""; u.hash = ""; assertEq(u.href, "http://h/a%20b/c");
});
test("setters: username and password need a host", () => {
  const u = new URL("http://h/"); u.username = "a@b"; u.password = "c:d";
  assertEq(u.href, "http://a%40b:c%3Ad@h/");
  const f = new URL("file:///x"); f.username = "u"; assertEq(f.href, "file:///x");
});
test("href setter throws on an invalid URL", () => {
  const u = new URL("http://h/"); assertThrows("TypeError", () => { u.href = "not a url"; });
});
test("toJSON and toString give href", () => {
  const u = new URL("http://h/x"); assertEq(u.toJSON(), "http://h/x"); assertEq(String(u), "http://h/x");
});
test("URL.parse returns null on failure", () => {
  assertEq(URL.parse("nope"), null); assertEq(URL.parse("/x", "http://h").href, "http://h/x");
});
test("searchParams is live both ways", () => {
  const u = new URL("http://h/?a=1");
  u.searchParams.append("b", "2 3"); assertEq(u.search, "?a=1&b=2+3");
  u.search = "?c=4"; assertEq(u.searchParams.get("c"), "4"); assertEq(u.searchParams.has("a"), false);
});
test("URLSearchParams: constructors", () => {
  assertEq(new URLSearchParams("?a=1&b=2").toString(), "a=1&b=2");
  assertEq(new URLSearchParams({ a: "1", b: "x y" }).toString(), "a=1&b=x+y");
  assertEq(new URLSearchParams([["a", "1"], ["a", "2"]]).getAll("a").join(), "1,2");
  assertThrows("TypeError", () => new URLSearchParams([["a"]]));
});
test("URLSearchParams: parsing decodes + and percent", () => {
  const p = new URLSearchParams("a=b+c&d=%20e%zz&=empty&f");
  assertSame([...p], [["a", "b c"], ["d", " e%zz"], ["", "empty"], ["f", ""]]);
});
test("URLSearchParams: serialisation of the form set", () => {
  const p = new URLSearchParams(); p.set("k", "a&b=c d*-._~!'()é");
  assertEq(p.toString(), "k=a%26b%3Dc+d*-._%7E%21%27%28%29%C3%A9");
});
test("URLSearchParams: delete and has with a value", () => {
  const p = new URLSearchParams("a=1&a=2&b=3");
  assertTrue(p.has("a", "2")); p.delete("a", "2"); assertEq(p.toString(), "a=1&b=3");
  p.delete("a"); assertEq(p.toString(), "b=3");
});
test("URLSearchParams: sort is stable by code units", () => {
  const p = new URLSearchParams("z=1&a=2&\uFFFD=3&a=1&\u{1F600}=4"); p.sort();
  assertSame([...p.keys()], ["a", "a", "z", "\u{1F600}", "\uFFFD"]);
  assertSame(p.getAll("a"), ["2", "1"]);
});
test("URLSearchParams: size and iteration", () => {
  const p = new URLSearchParams("a=1&b=2&a=3");
  assertEq(p.size, 3); const seen = []; p.forEach((v, k) => seen.push(k + v)); assertSame(seen, ["a1", "b2", "a3"]);
});
test("lone surrogates become U+FFFD", () => {
  assertEq(new URL("http://h/\uD800").pathname, "/%EF%BF%BD");
  assertEq(new URLSearchParams({ "\uDC00": "x" }).toString(), "%EF%BF%BD=x");
});
