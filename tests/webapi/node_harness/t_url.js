"use strict";
// Differential checks against node's own WHATWG URL (ada) plus spec examples.
const assert = require("assert");
const CASES = [
  ["https://example.com"], ["HTTPS://EXAMPLE.COM:443/a/../b/./c?x#y"], ["http://example.com:80/"],
  ["a/b/../c", "http://h/x/y/z"], ["../../../../x", "http://h/a/b"], ["?q", "http://h/p?old#f"], ["#f", "http://h/p?q"],
  ["//other/x", "https://h/p"], ["/abs", "https://u:p@h:8/p"], ["", "http://h/p?q#f"],
  ["http://0x7f.1/"], ["http://127.0.0.1./"], ["http://0300.0250.0.1/"], ["http://4294967295/"], ["http://192.168.257/"],
  ["http://[::1]:8080/"], ["http://[2001:db8:0:0:1:0:0:1]/"], ["http://[0:0:0:0:0:ffff:192.168.0.1]/"], ["http://[1:0:0:2::3:0]/"],
  ["http://[::]/"], ["http://[1::]/"],
  ["http://ex ample.com/"], ["http://a%41b.com/"], ["http://%zz/"], ["http://exa%2Fmple/"],
  ["http://user:pa:ss@h/"], ["http://us@er:p@ss@h/"], ["http://@h/"], ["http://:@h/"],
  ["http://h/a b/<>\"`{}|?q= '<>\"#f `<>\""], ["ws://h/?'"], ["foo://h/?'"],
  ["mailto:Joe@Example.COM"], ["data:text/plain,hi there"], ["javascript:alert(1)"], ["foo:/bar/../baz"], ["foo://Host:99/./a/%2e%2E/b"],
  ["foo:///x"], ["foo:"], ["sc://ñ.test/"], ["http://ñ.test/"], ["http://Bücher.example/"], ["http://xn--nxasmq6b.com/"],
  ["http://日本語.jp/"], ["http://ＥＸＡＭＰＬＥ．com/"],
  ["file:///C:/a/../../b"], ["file://localhost/etc/passwd"], ["file:c:\\foo\\bar"], ["/x", "file:///C:/y/z"], ["file://h/p"],
  ["http:\\\\h\\a\\b"], ["https:h/x", "https://base/y"], ["http://h:65535/"], ["http://h:65536/"], ["http://h:0x1/"],
  ["  \t http://h/\n x  "], ["http://h/?a=1&b=2+3&c=%20&d=é"], ["non-spec:/.//p"], ["web+demo:/.//not-a-host/"],
  ["http://h/%2e/x"], ["http://h/.%2E/x"], ["http://h/a/%2e%2e"], ["blob:https://h:8/uuid"], ["http://1.2.3.4.5/"], ["http://1.2.3.09/"],
  ["http://example.com/foo%"], ["http://a.b.c.0x/"], ["http://[::1.2.3.4]/"], ["http://[::1.2.3]/"], ["sc:\\../"], ["http://h/\u0000x"],
];
exports.url_differential = (env) => {
  const keys = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];
  let bad = [];
  for (const [input, base] of CASES) {
    let expected;
    try { const u = base === undefined ? new URL(input) : new URL(input, base); expected = Object.fromEntries(keys.map((k) => [k, u[k]])); }
    catch (e) { expected = "fail"; }
    const got = JSON.parse(env.run(`(() => { try { const u = new URL(${JSON.stringify(input)}${base === undefined ? "" : ", " + JSON.stringify(base)}); return JSON.stringify(Object.fromEntries(${JSON.stringify(keys)}.map(k => [k, u[k]]))) } catch (e) { return JSON.stringify(e instanceof TypeError ? "fail" : String(e)) } })()`));
    try { assert.deepStrictEqual(got, expected); } catch (e) { bad.push([input, base, got, expected]); }
  }
  if (bad.length) throw new Error(JSON.stringify(bad, null, 1));
};
exports.url_setters = (env) => {
  const script = `(() => { const out = [];
    const u = new URL("http://a.com/p?x=1#h");
    u.protocol = "https"; out.push(u.href); u.protocol = "foo"; out.push(u.href);
    u.host = "b.org:8080"; out.push(u.href); u.port = "443"; out.push(u.href); u.port = "12ab"; out.push(u.href);
    u.hostname = "c.net"; out.push(u.href); u.username = "us er"; u.password = "p@ss"; out.push(u.href);
    u.pathname = "/a b/../c"; out.push(u.href); u.search = "?q=a b"; out.push(u.href); u.hash = "x y"; out.push(u.href);
    u.search = ""; u.hash = ""; out.push(u.href);
    u.searchParams.append("k", "v w"); out.push(u.href); u.searchParams.delete("k"); out.push(u.href);
    const m = new URL("mailto:x@y"); m.host = "z"; m.pathname = "q"; out.push(m.href);
    const f = new URL("file:///x"); f.port = "1"; f.username = "u"; out.push(f.href);
    return JSON.stringify(out) })()`;
  const got = JSON.parse(env.run(script));
  const expected = JSON.parse(require("vm").runInNewContext(script, { URL }));
  assert.deepStrictEqual(got, expected);
};
exports.search_params = (env) => {
  const script = `(() => { const out = [];
    const p = new URLSearchParams("?a=1&b=2+3&a=%F0%9F%98%80&c&=e&d=%zz&&");
    out.push([...p], p.size, p.get("a"), p.getAll("a"), p.has("c"), p.has("a", "1"), p.get("nope"), p.toString());
    p.set("a", "x"); p.append("z", "~!*'() +&="); p.sort(); out.push(p.toString());
    out.push(new URLSearchParams({x: "1", y: "\\uD800"}).toString(), new URLSearchParams([["k", "v"], ["k", "w"]]).toString());
    const u = new URL("https://h/?b=2&a=1"); u.searchParams.sort(); out.push(u.search);
    const o = new URL("sc:opaque  ?q"); o.searchParams.delete("q"); out.push(o.href);
    let n = 0; p.forEach((v, k) => n++); out.push(n, [...p.keys()], [...p.values()]);
    return JSON.stringify(out) })()`;
  const got = JSON.parse(env.run(script));
  const expected = JSON.parse(require("vm").runInNewContext(script, { URL, URLSearchParams }));
  assert.deepStrictEqual(got, expected);
};
exports.url_statics = (env) => {
  assert.strictEqual(env.run(`JSON.stringify([URL.canParse("x"), URL.canParse("x", "http://h"), URL.parse("nope"), String(URL.parse("/a", "http://h/b")), Object.prototype.toString.call(new URL("http://h")), JSON.stringify({u: new URL("http://h")})])`),
    JSON.stringify([false, true, null, "http://h/a", "[object URL]", '{"u":"http://h/"}']));
};
