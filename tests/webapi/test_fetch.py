# ruff: noqa: E501  (JavaScript sources embedded in strings)
"""fetch through the host (httpx) against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hoody_exec.webapi import egress
from hoody_exec.webapi import host as webapi_host


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length", "0")))

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/hello":
            self._send(200, b"hello", [("x-test", "1"), ("set-cookie", "a=1"), ("set-cookie", "b=2"),
                                       ("content-type", "text/plain")])  # fmt: skip
        elif self.path == "/redirect":
            self._send(302, b"", [("location", "/hello")])
        elif self.path == "/loop":
            self._send(302, b"", [("location", "/loop")])
        elif self.path == "/echo":
            self._send(200, b"GET " + self.headers.get("x-h", "").encode())
        elif self.path == "/stream":
            self.send_response(200)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for i in range(3):
                chunk = f"part{i};".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                time.sleep(0.05)
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/big":
            self._send(200, b"x" * 100_000)
        elif self.path == "/slow":
            time.sleep(1.5)
            self._send(200, b"late")
        else:
            self._send(404, b"not found")

    def do_POST(self) -> None:
        body = self._body()
        if self.path == "/see-other":
            self._send(303, b"", [("location", "/echo")])
            return
        ctype = self.headers.get("content-type", "-")
        self._send(200, b"POST " + ctype.encode() + b" " + body)


class Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that abort mid-response (the abort tests) are expected


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    # The test server is on loopback, which scripts may not reach by default.
    before = egress.policy()
    egress.configure(egress.EgressPolicy.for_server(["127.0.0.1"], host=None, port=None))
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        egress.configure(before)
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
async def _close_client() -> AsyncIterator[None]:
    yield
    await webapi_host.aclose()


async def test_get_headers_text(env, server):
    result = await env.js_async(
        f"""const r = await fetch("{server}/hello");
        return [r.status, r.ok, r.statusText, r.headers.get("x-test"), r.headers.getSetCookie(),
                r.url, r.redirected, r.type, await r.text()];"""
    )
    assert result == [
        200,
        True,
        "OK",
        "1",
        ["a=1", "b=2"],
        f"{server}/hello",
        False,
        "basic",
        "hello",
    ]


async def test_post_inline_and_streamed_bodies(env, server):
    result = await env.js_async(
        f"""const a = await (await fetch("{server}/echo", {{method: "POST", body: "hi"}})).text();
        const b = await (await fetch(new Request("{server}/echo", {{method: "POST", body: new URLSearchParams("x=1")}}))).text();
        const chunks = ["str", "eam", "ed"];
        const stream = new ReadableStream({{ async pull(c) {{
          if (!chunks.length) {{ c.close(); return; }}
          await new Promise(r => setTimeout(r, 5)); c.enqueue(new TextEncoder().encode(chunks.shift())); }} }});
        const c = await (await fetch("{server}/echo", {{method: "POST", body: stream, duplex: "half",
                                                        headers: {{"content-type": "a/b"}}}})).text();
        const d = await (await fetch("{server}/echo", {{headers: {{"X-H": "v"}}}})).text();
        return [a, b, c, d];"""
    )
    assert result == [
        "POST text/plain;charset=UTF-8 hi",
        "POST application/x-www-form-urlencoded;charset=UTF-8 x=1",
        "POST a/b streamed",
        "GET v",
    ]


async def test_redirect_modes(env, server):
    result = await env.js_async(
        f"""const f = await fetch("{server}/redirect");
        const m = await fetch("{server}/redirect", {{redirect: "manual"}});
        let e1; try {{ await fetch("{server}/redirect", {{redirect: "error"}}); }} catch (e) {{ e1 = [e.name, e.message]; }}
        let e2; try {{ await fetch("{server}/loop"); }} catch (e) {{ e2 = e.message; }}
        const s = await fetch("{server}/see-other", {{method: "POST", body: "x"}});
        return [f.status, f.redirected, f.url, await f.text(), m.status, m.headers.get("location"), e1, e2,
                s.status, await s.text()];"""
    )
    assert result[:6] == [200, True, f"{server}/hello", "hello", 302, "/hello"]
    assert result[6][0] == "TypeError" and result[6][1].startswith("fetch failed: redirect")
    assert result[7] == "fetch failed: too many redirects"
    assert result[8:] == [200, "GET "]


async def test_streaming_response_arrives_in_chunks(env, server):
    result = await env.js_async(
        f"""const r = await fetch("{server}/stream"); const reader = r.body.getReader();
        const parts = []; const t0 = performance.now();
        for (;;) {{ const {{value, done}} = await reader.read(); if (done) break;
                   parts.push([new TextDecoder().decode(value), Math.round(performance.now() - t0)]); }}
        return parts;"""
    )
    assert "".join(p for p, _ in result) == "part0;part1;part2;"
    assert len(result) >= 2  # delivered as produced, not buffered whole


async def test_abort_and_timeout(env, server):
    result = await env.js_async(
        f"""let a; const ac = new AbortController(); setTimeout(() => ac.abort(), 50);
        try {{ await fetch("{server}/slow", {{signal: ac.signal}}); }} catch (e) {{ a = e.name; }}
        let t; try {{ await fetch("{server}/slow", {{signal: AbortSignal.timeout(50)}}); }} catch (e) {{ t = e.name; }}
        let pre; try {{ await fetch("{server}/hello", {{signal: AbortSignal.abort()}}); }} catch (e) {{ pre = e.name; }}
        return [a, t, pre];"""
    )
    assert result == ["AbortError", "TimeoutError", "AbortError"]


async def test_errors(env, server, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setattr(webapi_host.LIMITS, "max_response_bytes", 10_000)
    result = await env.js_async(
        f"""const out = [];
        for (const url of ["http://127.0.0.1:{closed_port}/", "{server}/big", "ftp://h/x"]) {{
          try {{ await (await fetch(url)).text(); out.push("ok"); }} catch (e) {{ out.push([e.name, e.message, e.cause && e.cause.code]); }}
        }}
        const d = await fetch("data:text/plain;base64,aGk="); out.push(await d.text(), d.headers.get("content-type"));
        return out;"""
    )
    assert result[0][0] == "TypeError" and result[0][1].startswith(
        "fetch failed: could not connect"
    )
    # Node's system error code, which libraries (the AI SDK's retries) look for.
    assert result[0][2] == "ECONNREFUSED"
    assert result[1][0] == "TypeError" and "limit" in result[1][1]
    assert result[2][0] == "TypeError" and "unsupported URL scheme" in result[2][1]
    assert result[3:] == ["hi", "text/plain"]


async def test_deadline_bounds_fetch(env, server):
    webapi_host.set_deadline(env.isolate, asyncio.get_running_loop().time() + 0.2)
    result = await env.js_async(
        f"""try {{ await fetch("{server}/slow"); return "ok"; }} catch (e) {{ return [e.name, e.message, e.cause.code]; }}"""
    )
    assert result == ["TypeError", "fetch failed: timed out", "ETIMEDOUT"]
