# ruff: noqa: E501  (JavaScript sources embedded in strings)
"""Headers (Fetch Standard), Blob/File/FormData, Request/Response bodies."""

from __future__ import annotations


async def test_headers_normalisation_and_order(env):
    result = await env.js(
        """const h = new Headers({"X-B": "  two \\t", "x-a": "one"});
        h.append("X-A", "uno"); h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2");
        h.append("Accept", "text/html"); h.set("accept", "*/*");
        const errors = [];
        for (const [n, v] of [["bad name", "v"], ["x", "a\\nb"], ["x", "a\\u0000"], ["é", "v"], ["x", "€"]]) {
          try { h.append(n, v); errors.push("ok"); } catch (e) { errors.push(e.name); }
        }
        const copy = new Headers([["a", "1"], ["A", "2"]]);
        let immutable; const r = Response.error(); try { r.headers.set("x", "y"); } catch (e) { immutable = e.name; }
        JSON.stringify([[...h], h.get("X-A"), h.get("x-b"), h.get("missing"), h.getSetCookie(),
          h.has("SET-COOKIE"), [...h.keys()], errors, copy.get("a"), immutable,
          new Headers({"x-v": "a,  b "}).get("x-v")])"""
    )
    assert result == [
        [["accept", "*/*"], ["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-a", "one, uno"],
         ["x-b", "two"]],
        "one, uno", "two", None, ["a=1", "b=2"], True,
        ["accept", "set-cookie", "set-cookie", "x-a", "x-b"],
        ["TypeError", "TypeError", "TypeError", "TypeError", "TypeError"], "1, 2", "TypeError",
        "a,  b",
    ]  # fmt: skip


async def test_blob_file_formdata(env):
    result = await env.js_async(
        """const b = new Blob(["héllo ", new Uint8Array([119, 111]), new Blob(["rld"])], {type: "Text/Plain"});
        const s = b.slice(-5, -2, "x/y");
        const f = new File(["abc"], "a.txt", {type: "text/plain", lastModified: 42});
        const fd = new FormData(); fd.append("k", "v"); fd.append("f", f); fd.append("b", new Blob(["z"]), "z.bin");
        fd.set("k", "w"); fd.append("k", "x");
        const req = new Request("http://h/", {method: "POST", body: fd});
        const parsed = await req.formData();
        const pf = parsed.get("f");
        const urlenc = await new Response(new URLSearchParams("a=1&b=%C3%A9")).formData();
        return [b.size, b.type, await b.text(), s.type, await s.text(), f.name, f.lastModified, f instanceof Blob,
          fd.getAll("k"), fd.get("b").name, parsed.getAll("k"), pf.name, pf.type, await pf.text(),
          [...urlenc], Object.prototype.toString.call(f), Array.from(await new Blob(["ab"]).bytes())];"""
    )
    assert result == [
        12, "text/plain", "héllo world", "x/y", "wor", "a.txt", 42, True, ["w", "x"], "z.bin",
        ["w", "x"], "a.txt", "text/plain", "abc", [["a", "1"], ["b", "é"]], "[object File]", [97, 98],
    ]  # fmt: skip


async def test_request_response_bodies(env):
    result = await env.js_async(
        """const out = [];
        const r = new Response('{"a":1}', {status: 201, statusText: "Created", headers: {"X-Y": "z"}});
        out.push(r.status, r.ok, r.statusText, r.headers.get("content-type"), r.bodyUsed);
        const c = r.clone(); out.push(await r.json(), r.bodyUsed, await c.text());
        try { await r.text(); } catch (e) { out.push(e.name); }
        const j = Response.json({x: [1]}, {status: 202}); out.push(j.status, j.headers.get("content-type"), await j.text());
        const red = Response.redirect("http://h/x", 301); out.push(red.status, red.headers.get("location"));
        try { Response.redirect("http://h/", 200); } catch (e) { out.push(e.name); }
        try { new Response("x", {status: 204}); } catch (e) { out.push(e.name); }
        try { new Response(null, {status: 600}); } catch (e) { out.push(e.name); }
        out.push(Response.error().type, Response.error().status);
        const stream = new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode("str")); ctl.enqueue(new Uint8Array([101, 97, 109])); ctl.close(); } });
        out.push(await new Response(stream).text());
        const req = new Request("http://h/a/../b?q=1", {method: "post", headers: {"content-type": "text/plain"}, body: "hi"});
        out.push(req.method, req.url, req.headers.get("content-type"), await req.clone().text(), await req.text());
        try { new Request("http://h/", {method: "GET", body: "x"}); } catch (e) { out.push(e.name); }
        try { new Request("http://h/", {method: "CONNECT"}); } catch (e) { out.push(e.name); }
        try { new Request("/relative"); } catch (e) { out.push(e.name); }
        const ab = await new Response(new Uint8Array([1, 2, 3])).arrayBuffer(); out.push(ab.byteLength);
        const blob = await new Response("zz", {headers: {"content-type": "a/b"}}).blob(); out.push(blob.type, blob.size);
        const body = new Response("chunk").body; const rd = body.getReader(); const first = await rd.read();
        out.push(new TextDecoder().decode(first.value), (await rd.read()).done);
        return out;"""
    )
    assert result == [
        201, True, "Created", "text/plain;charset=UTF-8", False, {"a": 1}, True, '{"a":1}',
        "TypeError", 202, "application/json", '{"x":[1]}', 301, "http://h/x", "RangeError",
        "TypeError", "RangeError", "error", 0, "stream", "POST", "http://h/b?q=1", "text/plain",
        "hi", "hi", "TypeError", "TypeError", "TypeError", 3, "a/b", 2, "chunk", True,
    ]  # fmt: skip


async def test_runtime_bridge(env):
    result = await env.js_async(
        """const w = __hoody.web;
        const req = w.makeRequest({method: "POST", url: "http://h/p", headers: [["x-a", "1"]], body: new Uint8Array([104, 105])});
        const parts = w.responseParts(new Response("ok", {status: 203, headers: [["set-cookie", "a"], ["set-cookie", "b"]]}));
        return [req.method, req.url, req.headers.get("x-a"), await req.text(), parts.status,
                parts.headers, Array.from(parts.body), w.isResponse(new Response()), Object.isFrozen(w)];"""
    )
    assert result == [
        "POST", "http://h/p", "1", "hi", 203,
        [["set-cookie", "a"], ["set-cookie", "b"], ["Content-Type", "text/plain;charset=UTF-8"]],
        [111, 107], True, True,
    ]  # fmt: skip
