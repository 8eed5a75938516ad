"""The dispatch glue (runtime/js/dispatch.js) in a bare V8 context.

Runs in py_mini_racer (the wheel our engine binds), without the native module
or the Web API prelude, so the glue's own fallbacks are what is tested here; the
integration tests run it with the prelude inside real isolates.
"""

import base64
import json

import pytest

from hoody_exec.runtime.protocol import (
    INJECTED,
    CallRequest,
    decode_response,
    dispatch_source,
    encode_call,
)

mini_racer = pytest.importorskip("py_mini_racer")

# NOTE: V8's built-in `console` is a no-op without an inspector; removing it makes
# the glue use its own fallback console, as a bare isolate without the prelude would.
HOST = """
delete globalThis.console;
globalThis.__posts = [];
globalThis.__hoody = { host: { post(op, data) { __posts.push([op, data]); } } };
"""


def body_style(statements: str) -> str:
    # Mirrors the bundle format of docs/architecture.md for a body-style script.
    names = ", ".join(f"{name} = __hoody_ctx.{name}" for name in INJECTED)
    return (
        "globalThis.__hoody_entry = { __hoody_style: 'body', default: async function (__hoody_ctx)"
        f" {{ var {names}; {{ {statements} }} }} }};"
    )


def module_style(expression: str) -> str:
    return f"globalThis.__hoody_entry = {{ __hoody_style: 'module', default: {expression} }};"


@pytest.fixture
def js():
    ctx = mini_racer.MiniRacer()
    ctx.eval(HOST)
    code, _ = dispatch_source()
    ctx.eval(code)
    yield ctx
    ctx.close()


def call(js, program: str, **overrides):
    js.eval(program)
    fields = {
        "rid": "r1",
        "script": "t.ts",
        "mode": "serverless",
        "method": "GET",
        "url": "http://localhost/t?a=1",
        "path": "/t",
        "query": {"a": "1"},
        "params": {},
        "headers": [("host", "localhost")],
    }
    fields.update(overrides)
    payload = encode_call(CallRequest(**fields))
    js.eval(
        f"globalThis.__out = undefined; __hoody.onCall({json.dumps(payload)}).then("
        "v => { __out = v; }, e => { __out = 'ERR:' + e.name + ':' + e.message; })"
    )
    out = js.eval("__out")
    assert isinstance(out, str), out
    assert not out.startswith("ERR:"), out
    return decode_response(out)


@pytest.mark.parametrize(
    ("statements", "status", "content_type", "body"),
    [
        ("return {a: 1};", 200, "application/json", b'{"a":1}'),
        ("return [1, 2];", 200, "application/json", b"[1,2]"),
        ("return 42;", 200, "application/json", b"42"),
        ("return false;", 200, "application/json", b"false"),
        ("return null;", 200, "application/json", b"null"),
        ("return 'hi';", 200, "text/plain; charset=utf-8", b"hi"),
        ("return '<!DOCTYPE html><p>x';", 200, "text/html; charset=utf-8", b"<!DOCTYPE html><p>x"),
        ("return '  <html><body>';", 200, "text/html; charset=utf-8", b"  <html><body>"),
        ("return new Uint8Array([0, 255]);", 200, "application/octet-stream", b"\x00\xff"),
        (
            "return new Uint8Array([1, 2, 3]).buffer;",
            200,
            "application/octet-stream",
            b"\x01\x02\x03",
        ),
        ("return;", 204, None, b""),
    ],
)
def test_result_mapping(js, statements, status, content_type, body):
    response = call(js, body_style(statements))
    assert response.status == status
    assert dict(response.headers).get("content-type") == content_type
    assert response.body_bytes() == body


def test_response_object_passes_through(js):
    response = call(
        js,
        body_style(
            "return new Response('nope', {status: 418,"
            " headers: {'x-a': 'b', 'content-type': 'text/plain'}});"
        ),
    )
    assert response.status == 418
    assert ("x-a", "b") in response.headers
    assert response.body_bytes() == b"nope"


def test_async_generator_becomes_sse(js):
    response = call(
        js, body_style("return (async function* () { yield 'a'; yield {n: 1}; yield 'x\\ny'; })();")
    )
    assert dict(response.headers)["content-type"].startswith("text/event-stream")
    assert response.body_bytes() == b'data: a\n\ndata: {"n":1}\n\ndata: x\ndata: y\n\n'


def test_injected_names(js):
    response = call(
        js,
        body_style(
            "return {method: request.method, url: request.url, q: query, p: params,"
            " h: headers.host, reqPath: req.path, ip: req.ip, cookies: req.cookies, env,"
            " shared: typeof shared, body};"
        ),
        params={"id": "7"},
        ip="127.0.0.1",
        cookies={"s": "1"},
        env={"A": "b"},
    )
    assert json.loads(response.body) == {
        "method": "GET",
        "url": "http://localhost/t?a=1",
        "q": {"a": "1"},
        "p": {"id": "7"},
        "h": "localhost",
        "reqPath": "/t",
        "ip": "127.0.0.1",
        "cookies": {"s": "1"},
        "env": {"A": "b"},
        "shared": "object",
    }


@pytest.mark.parametrize(
    ("kind", "raw", "b64", "form", "expected"),
    [
        ("json", '{"x": [1]}', False, None, {"x": [1]}),
        ("json", "not json", False, None, "not json"),
        ("text", "héllo", False, None, "héllo"),
        ("form", "a=1", False, {"a": "1", "b": ["2", "3"]}, {"a": "1", "b": ["2", "3"]}),
        (
            "bytes",
            base64.b64encode(b"\x00\x01\xfe").decode(),
            True,
            None,
            {"0": 0, "1": 1, "2": 254},
        ),
    ],
)
def test_body_parsing(js, kind, raw, b64, form, expected):
    response = call(
        js,
        body_style(
            "return {body, isBytes: body instanceof Uint8Array, text: await request.text()};"
        ),
        method="POST",
        body=raw,
        body_base64=b64,
        body_kind=kind,
        form=form,
    )
    result = json.loads(response.body)
    assert result["body"] == expected
    assert result["isBytes"] is (kind == "bytes")
    if not b64:
        assert result["text"] == raw


def test_module_style_function_and_fetch_object(js):
    fn = call(
        js,
        module_style("async (request, ctx) => ({m: request.method, id: ctx.params.id})"),
        params={"id": "1"},
    )
    assert json.loads(fn.body) == {"m": "GET", "id": "1"}
    obj = call(js, module_style("{ fetch(request, ctx) { return new Response('ok'); } }"))
    assert obj.body_bytes() == b"ok"


def test_shared_persists_only_in_worker_mode(js):
    program = body_style("shared.n = (shared.n || 0) + 1; return shared.n;")
    assert [call(js, program, mode="worker").body for _ in range(3)] == ["1", "2", "3"]
    assert call(js, program, mode="serverless").body == "1"


def test_log_posts_structured_lines(js):
    call(js, body_style("log.info('hello', {k: 1}); console.warn('careful', 2); return 1;"))
    posts = js.eval("JSON.stringify(__posts)")
    messages = [json.loads(data) for op, data in json.loads(posts) if op == "log"]
    assert messages[0] == {
        "level": "info",
        "message": "hello",
        "fields": {"k": 1},
        "rid": "r1",
        "source": "log",
    }
    assert messages[1]["level"] == "warn" and messages[1]["message"] == "careful 2"


def test_errors_propagate(js):
    js.eval(body_style("throw new TypeError('bad thing');"))
    payload = encode_call(
        CallRequest(
            rid="r",
            script="t.ts",
            mode="serverless",
            method="GET",
            url="http://x/",
            path="/",
            query={},
            params={},
            headers=[],
        )
    )
    js.eval(
        f"__hoody.onCall({json.dumps(payload)}).then(v => {{ __out = v; }}, "
        "e => { __out = 'ERR:' + e.name + ':' + e.message; })"
    )
    assert js.eval("__out") == "ERR:TypeError:bad thing"


def test_base64_roundtrip(js):
    for size in (0, 1, 2, 3, 4, 5, 100, 1000):
        data = bytes(range(256)) * 4
        data = data[:size]
        encoded = js.eval(f"__hoody.dispatchInternals.base64Encode(new Uint8Array({list(data)}))")
        assert encoded == base64.b64encode(data).decode()
        back = js.eval(f"Array.from(__hoody.dispatchInternals.base64Decode({json.dumps(encoded)}))")
        assert bytes(back) == data
