# ruff: noqa: E501, RUF001  (JavaScript and deliberate Unicode in test strings)
"""URL and URLSearchParams (WHATWG URL Standard, its examples and corner cases)."""

from __future__ import annotations

import json

import pytest

PARTS = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname",
         "search", "hash", "origin"]  # fmt: skip


async def parse(env, url: str, base: str | None = None) -> dict[str, str] | None:
    args = json.dumps(url) + ("" if base is None else ", " + json.dumps(base))
    return await env.js(
        f"(() => {{ try {{ const u = new URL({args}); return JSON.stringify(Object.fromEntries("
        f"{json.dumps(PARTS)}.map(k => [k, u[k]]))); }} catch (e) {{"
        " if (!(e instanceof TypeError)) throw e; return 'null'; } })()"
    )


@pytest.mark.parametrize(
    ("url", "base", "href"),
    [
        # relative resolution (RFC 3986 §5.4 examples as the URL Standard resolves them)
        ("g", "http://a/b/c/d;p?q", "http://a/b/c/g"),
        ("./g", "http://a/b/c/d;p?q", "http://a/b/c/g"),
        ("g/", "http://a/b/c/d;p?q", "http://a/b/c/g/"),
        ("/g", "http://a/b/c/d;p?q", "http://a/g"),
        ("//g", "http://a/b/c/d;p?q", "http://g/"),
        ("?y", "http://a/b/c/d;p?q", "http://a/b/c/d;p?y"),
        ("#s", "http://a/b/c/d;p?q", "http://a/b/c/d;p?q#s"),
        ("", "http://a/b/c/d;p?q", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/d;p?q", "http://a/b/c/"),
        ("..", "http://a/b/c/d;p?q", "http://a/b/"),
        ("../..", "http://a/b/c/d;p?q", "http://a/"),
        ("../../../g", "http://a/b/c/d;p?q", "http://a/g"),
        ("/./g", "http://a/b/c/d;p?q", "http://a/g"),
        ("g.", "http://a/b/c/d;p?q", "http://a/b/c/g."),
        ("g;x=1/../y", "http://a/b/c/d;p?q", "http://a/b/c/y"),
        ("http:g", "http://a/b/c/d;p?q", "http://a/b/c/g"),  # special scheme, same as base
        ("/a/%2e%2E/b/%2e/c", "http://h", "http://h/b/c"),
        ("\\x\\y", "http://h/a", "http://h/x/y"),
        # special vs non-special schemes
        ("HTTP://EXAMPLE.COM:80/a/./b/../c", None, "http://example.com/a/c"),
        ("https://h:443/", None, "https://h/"),
        ("ws://h:80/", None, "ws://h/"),
        ("foo://Host:99/./a/../b", None, "foo://Host:99/b"),
        ("foo:/bar/../baz", None, "foo:/baz"),
        ("mailto:Joe@Example.COM", None, "mailto:Joe@Example.COM"),
        ("web+demo:/.//not-a-host/", None, "web+demo:/.//not-a-host/"),
        ("file:///C:/a/../../b", None, "file:///C:/b"),
        ("file://localhost/etc/passwd", None, "file:///etc/passwd"),
        ("  \t\nhttp://h/a\tb\n  ", None, "http://h/ab"),
        # IPv4 number forms
        ("http://0x7f.1/", None, "http://127.0.0.1/"),
        ("http://0300.0250.0.1/", None, "http://192.168.0.1/"),
        ("http://4294967295/", None, "http://255.255.255.255/"),
        ("http://192.168.257/", None, "http://192.168.1.1/"),
        ("http://127.0.0.1./", None, "http://127.0.0.1/"),
        # IPv6 compression
        ("http://[2001:db8:0:0:1:0:0:1]/", None, "http://[2001:db8::1:0:0:1]/"),
        ("http://[0:0:0:0:0:ffff:192.168.0.1]/", None, "http://[::ffff:c0a8:1]/"),
        ("http://[1:0:0:2::3:0]/", None, "http://[1::2:0:0:3:0]/"),
        ("http://[::]/", None, "http://[::]/"),
        ("http://[::1]:8080/", None, "http://[::1]:8080/"),
        # percent-encoding sets (path, query, special-query, fragment, userinfo)
        (
            'http://h/a b/<>"`{}^|',
            None,
            "http://h/a%20b/%3C%3E%22%60%7B%7D^|",
        ),  # ^ stays, as in Node 20
        ("http://h/?q= '<>\"", None, "http://h/?q=%20%27%3C%3E%22"),
        ("foo://h/?q= '", None, "foo://h/?q=%20'"),
        ('http://h/#f `<>"', None, "http://h/#f%20%60%3C%3E%22"),
        ("http://us er:p@ss:w@h/", None, "http://us%20er:p%40ss%3Aw@h/"),
        ("http://h/é?é#é", None, "http://h/%C3%A9?%C3%A9#%C3%A9"),
        # IDNA
        ("http://Bücher.example/", None, "http://xn--bcher-kva.example/"),
        ("http://日本語.jp/", None, "http://xn--wgv71a119e.jp/"),
        ("http://ＥＸＡＭＰＬＥ．com/", None, "http://example.com/"),
        ("http://%41.com/", None, "http://a.com/"),
    ],
)
async def test_parse(env, url, base, href):
    result = await parse(env, url, base)
    assert result is not None, url
    assert result["href"] == href


@pytest.mark.parametrize(
    "url",
    [
        "http://ex ample.com/", "http://%zz/", "http://exa%2Fmple/", "http://h:65536/",
        "http://h:0x1/", "http://1.2.3.4.5/", "http://1.2.3.09/", "http://[::1.2.3]/",
        "http://[1:2:3:4:5:6:7:8:9]/", "http://user@/", "http:///", "relative", "//h/p",
        "http://a.b.c.0x100000000/",
        # UTS #46 (IDNA) refuses these hosts: U+FFFD, invalid punycode, a noncharacter,
        # and %80 (not UTF-8, so U+FFFD after decoding)
        "https://%EF%BF%BD", "http://a.b.c.xn--pokxncvks", "http://\ufdd0zyx.com",
        "https://example.com%80/", "http://xn--/",
    ],
)  # fmt: skip
async def test_failures(env, url):
    assert await parse(env, url) is None


async def test_components_and_origin(env):
    r = await parse(env, "https://u:p@EXAMPLE.com:8443/p/a/t/h?query=string#hash")
    assert r == {
        "href": "https://u:p@example.com:8443/p/a/t/h?query=string#hash", "protocol": "https:",
        "username": "u", "password": "p", "host": "example.com:8443", "hostname": "example.com",
        "port": "8443", "pathname": "/p/a/t/h", "search": "?query=string", "hash": "#hash",
        "origin": "https://example.com:8443",
    }  # fmt: skip
    assert (await parse(env, "blob:https://h:8/uuid"))["origin"] == "https://h:8"
    assert (await parse(env, "data:text/plain,hi"))["origin"] == "null"


async def test_setters(env):
    result = await env.js(
        """const out = []; const u = new URL("http://a.com/p?x=1#h");
        u.protocol = "https"; out.push(u.href); u.protocol = "foo"; out.push(u.href);
        u.host = "b.org:8080"; out.push(u.href); u.port = "443"; out.push(u.href);
        u.port = "12ab"; out.push(u.href); u.hostname = "c.net"; out.push(u.href);
        u.username = "us er"; u.password = "p@ss"; out.push(u.href);
        u.pathname = "/a b/../c"; out.push(u.href); u.search = "?q=a b"; out.push(u.href);
        u.hash = "x y"; out.push(u.href); u.search = ""; u.hash = ""; out.push(u.href);
        let threw; try { u.href = "nope"; } catch (e) { threw = e.name; }
        out.push(threw); JSON.stringify(out)"""
    )
    assert result == [
        "https://a.com/p?x=1#h", "https://a.com/p?x=1#h", "https://b.org:8080/p?x=1#h",
        "https://b.org/p?x=1#h", "https://b.org:12/p?x=1#h", "https://c.net:12/p?x=1#h",
        "https://us%20er:p%40ss@c.net:12/p?x=1#h", "https://us%20er:p%40ss@c.net:12/c?x=1#h",
        "https://us%20er:p%40ss@c.net:12/c?q=a%20b#h", "https://us%20er:p%40ss@c.net:12/c?q=a%20b#x%20y",
        "https://us%20er:p%40ss@c.net:12/c", "TypeError",
    ]  # fmt: skip


async def test_search_params(env):
    result = await env.js(
        """const p = new URLSearchParams("?a=1&b=2+3&a=%F0%9F%98%80&c&=e&d=%zz&&");
        const out = [[...p], p.size, p.get("a"), p.getAll("a"), p.has("c"), p.has("a", "1"),
                     p.get("nope"), p.toString()];
        p.set("a", "x"); p.append("z", "~!*'() +&=é"); p.sort(); out.push(p.toString());
        out.push(new URLSearchParams({x: "1", y: "2"}).toString(),
                 new URLSearchParams([["k", "v"], ["k", "w"]]).getAll("k"));
        const u = new URL("https://h/?b=2&a=1"); u.searchParams.sort(); out.push(u.href);
        u.searchParams.append("s", "a b"); out.push(u.search); u.search = "?n=1"; out.push(u.searchParams.get("n"));
        u.searchParams.delete("n"); out.push(u.href);
        const plus = new URLSearchParams("q=a+b%2Bc"); out.push(plus.get("q"));
        JSON.stringify(out)"""
    )
    assert result == [
        [["a", "1"], ["b", "2 3"], ["a", "😀"], ["c", ""], ["", "e"], ["d", "%zz"]], 6, "1",
        ["1", "😀"], True, True, None, "a=1&b=2+3&a=%F0%9F%98%80&c=&=e&d=%25zz",
        "=e&a=x&b=2+3&c=&d=%25zz&z=%7E%21*%27%28%29+%2B%26%3D%C3%A9",
        "x=1&y=2", ["v", "w"], "https://h/?a=1&b=2", "?a=1&b=2&s=a+b", "1", "https://h/",
        "a b+c",
    ]  # fmt: skip


async def test_statics_and_json(env):
    result = await env.js(
        """JSON.stringify([URL.canParse("x"), URL.canParse("x", "http://h"), URL.parse("nope"),
          String(URL.parse("/a", "http://h/b")), JSON.stringify({u: new URL("http://h")})])"""
    )
    assert result == [False, True, None, "http://h/a", '{"u":"http://h/"}']
