"""The Python side of the Web API host operations (`__hoody.host.post/request`).

The runtime's registry (`hoody_exec.runtime.host.HostRegistry`) calls
`register_host_ops`; every handler gets a `HostCall` (isolate, id, op, data) and
answers requests with `call.resolve(value)` / `call.reject(message)`. Handlers run
on the event loop and never block: the network work happens in tasks.

Wire format (mirrors `webapi/js/95_fetch.js`):

- `request("fetch", HEAD [+ b"\\n" + body])`, HEAD = UTF-8 JSON
  `{"id", "method", "url", "headers": [[n, v]], "redirect", "body": "none"|"inline"|"stream"}`;
  resolves with JSON `{"status", "statusText", "headers", "url", "redirected", "body": bool}`,
  rejects with a reason (JavaScript throws `TypeError("fetch failed: <reason>")`).
- `request("fetch.write", b"<id>\\n" + chunk)`: one streamed request-body chunk; resolved
  once queued (backpressure). `post("fetch.end", "<id>")`: request body complete.
- `request("fetch.read", "<id>")`: next response-body chunk (bytes), `""` at the end.
- `post("fetch.cancel", "<id>")`, `post("fetch.abort", "<id>")`.

Fetches are bounded by `LIMITS` and by a per-isolate deadline the runtime sets with
`set_deadline` (the script's `@timeout`); `forget_isolate` drops an isolate's fetches.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpcore
import httpx

from hoody_exec.tls import trust_context
from hoody_exec.webapi import credentials, gateway
from hoody_exec.webapi.egress import EgressRefused, GuardedBackend
from hoody_exec.webapi.gateway_usage import UsageReader, requested_model

__all__ = [
    "HOST_OPS",
    "LIMITS",
    "FetchLimits",
    "forget_isolate",
    "register_host_ops",
    "set_deadline",
]


class _Answerable(Protocol):
    def resolve(self, request_id: int, value: str | bytes) -> None: ...
    def reject(self, request_id: int, message: str) -> None: ...


class _Call(Protocol):
    """What a handler needs from the runtime's `HostCall`."""

    @property
    def isolate(self) -> _Answerable: ...
    @property
    def id(self) -> int: ...
    @property
    def op(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    def resolve(self, value: str | bytes) -> None: ...
    def reject(self, message: str) -> None: ...


class _Registry(Protocol):
    def register(self, op: str, handler: Callable[[Any], None]) -> None: ...


@dataclass
class FetchLimits:
    timeout: float = 30.0  # seconds per fetch (headers and each body read), before the deadline
    connect_timeout: float = 10.0
    max_response_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 20
    write_queue: int = 4  # streamed request-body chunks buffered before backpressure
    user_agent: str = "hoody-exec"


LIMITS = FetchLimits()
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NULL_BODY = frozenset({101, 103, 204, 205, 304})


@dataclass
class _Fetch:
    key: tuple[int, int]
    call: _Call
    task: asyncio.Task[None] | None = None
    body_queue: asyncio.Queue[bytes | None] | None = None
    response: httpx.Response | None = None
    chunks: AsyncIterator[bytes] | None = None
    received: int = 0
    reader: asyncio.Task[None] | None = None
    pending: set[int] = field(default_factory=set)  # request ids awaiting an answer
    done: bool = False
    usage: UsageReader | None = None  # an answer of the AI gateway: its tokens are counted


_fetches: dict[tuple[int, int], _Fetch] = {}
_deadlines: dict[int, float] = {}
_client: httpx.AsyncClient | None = None
_client_loop: asyncio.AbstractEventLoop | None = None


def _iso_key(isolate: object) -> int:
    ident = getattr(isolate, "id", None)
    return ident if isinstance(ident, int) else id(isolate)


def set_deadline(isolate: object, deadline: float | None) -> None:
    """Bound this isolate's fetches by `deadline` (`loop.time()` seconds), None to clear."""
    if deadline is None:
        _deadlines.pop(_iso_key(isolate), None)
    else:
        _deadlines[_iso_key(isolate)] = deadline


def forget_isolate(isolate: object) -> None:
    """Abort every fetch of an isolate that is going away."""
    key = _iso_key(isolate)
    _deadlines.pop(key, None)
    for fkey in [k for k in _fetches if k[0] == key]:
        _close(_fetches[fkey], "the isolate was closed")


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Scripts' fetches keep no cookies (as in Workers and Deno).

    NOTE: the client is shared by every script of the process, so a jar would hand
    one script's session cookies to another. A script that wants cookies reads
    `Set-Cookie` (`headers.getSetCookie()`) and sends `Cookie` itself.
    """

    def set_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: object) -> bool:
        return False

    def path_return_ok(self, path: str, request: object) -> bool:
        return False


def _guarded_transport() -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(http2=False, trust_env=False)
    # NOTE: httpx takes no network backend, so its pool is replaced by one with the
    # egress check where sockets open (webapi/egress.py); httpx's request/response
    # mapping around `_pool` stays as it is.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=trust_context(),  # the operator's CA settings, as the installer
        max_connections=100,  # httpx's own defaults (httpx.Limits)
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        http1=True,
        http2=False,
        network_backend=GuardedBackend(),
    )
    return transport


def _http_client() -> httpx.AsyncClient:
    global _client, _client_loop
    loop = asyncio.get_running_loop()
    if _client is None or _client_loop is not loop or _client.is_closed:
        _client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
            transport=_guarded_transport(),
            timeout=httpx.Timeout(LIMITS.timeout, connect=LIMITS.connect_timeout),
            headers={"user-agent": LIMITS.user_agent},
        )
        _client_loop = loop
    return _client


async def aclose() -> None:
    """Close the shared HTTP client (server shutdown)."""
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None


def _timeout_for(fetch: _Fetch) -> float:
    return time_left(fetch.key[0], LIMITS.timeout)


def time_left(isolate: object, budget: float) -> float:
    """`budget` seconds, or less if the isolate's deadline comes sooner."""
    deadline = _deadlines.get(isolate if isinstance(isolate, int) else _iso_key(isolate))
    if deadline is not None:
        budget = min(budget, deadline - asyncio.get_running_loop().time())
    return max(budget, 0.0)


def _reason(error: BaseException) -> str:
    if isinstance(error, EgressRefused):
        return str(error)
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.ConnectError):
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ssl.SSLError) or "SSL" in str(error) or "CERTIFICATE" in str(error):
            return f"TLS error: {error}"
        return f"could not connect: {error or 'connection refused'}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"protocol error: {error}"
    if isinstance(error, httpx.UnsupportedProtocol):
        return f"unsupported protocol: {error}"
    if isinstance(error, httpx.InvalidURL):
        return f"invalid URL: {error}"
    if isinstance(error, httpx.HTTPError):
        return str(error) or type(error).__name__
    if isinstance(error, ValueError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _answer(fetch: _Fetch, request_id: int, value: str | bytes | None, error: str | None) -> None:
    if request_id not in fetch.pending:
        return
    fetch.pending.discard(request_id)
    if error is not None:
        fetch.call.isolate.reject(request_id, error)
    elif value is not None:
        fetch.call.isolate.resolve(request_id, value)


def _close(fetch: _Fetch, reason: str) -> None:
    """Stop a fetch: cancel its tasks, close the response, fail pending answers."""
    if fetch.done:
        return
    fetch.done = True
    _fetches.pop(fetch.key, None)
    for pending in list(fetch.pending):
        _answer(fetch, pending, None, reason)
    current = asyncio.current_task()
    for task in (fetch.task, fetch.reader):
        if task is not None and task is not current and not task.done():
            task.cancel()
    if fetch.response is not None:
        response = fetch.response
        fetch.response = None
        asyncio.get_running_loop().create_task(response.aclose())


def _parse_id(data: bytes) -> int:
    return int(data.split(b"\n", 1)[0])


# ---------------------------------------------------------------- fetch
def handle_fetch(call: _Call) -> None:
    head_raw, sep, inline = call.data.partition(b"\n")
    try:
        head = json.loads(head_raw)
        fid = int(head["id"])
        method = str(head["method"])
        url = str(head["url"])
        headers = [(str(n), str(v)) for n, v in head["headers"]]
        redirect = str(head.get("redirect", "follow"))
        body_mode = str(head.get("body", "none"))
    except (ValueError, KeyError, TypeError) as error:
        call.reject(f"bad fetch message: {error}")
        return
    key = (_iso_key(call.isolate), fid)
    fetch = _Fetch(key=key, call=call)
    fetch.pending.add(call.id)
    if body_mode == "stream":
        fetch.body_queue = asyncio.Queue(maxsize=LIMITS.write_queue)
    _fetches[key] = fetch
    body: bytes | None = inline if sep and body_mode == "inline" else None
    fetch.task = asyncio.get_running_loop().create_task(
        _run_fetch(fetch, call.id, method, url, headers, redirect, body)
    )


async def _stream_body(queue: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
    while True:
        chunk = await queue.get()
        if chunk is None:
            return
        yield chunk


async def _run_fetch(
    fetch: _Fetch,
    request_id: int,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    redirect: str,
    body: bytes | None,
) -> None:
    redirected = False
    try:
        client = _http_client()  # may fail: unreadable SSL_CERT_FILE / SSL_CERT_DIR
        async with asyncio.timeout(_timeout_for(fetch)):
            for hop in range(LIMITS.max_redirects + 1):
                content: bytes | AsyncIterator[bytes] | None = body
                if fetch.body_queue is not None and hop == 0:
                    content = _stream_body(fetch.body_queue)
                # NOTE: authorized per hop, so the gateway's key goes to the gateway's
                # URLs only, whichever hop of a redirect chain reaches them.
                sent = gateway.authorize(url, credentials.attach(url, headers))
                request = client.build_request(method, url, headers=sent, content=content)
                response = await client.send(request, stream=True)
                location = response.headers.get("location")
                followable = response.status_code in _REDIRECTS and location is not None
                if not followable or redirect == "manual":
                    break
                await response.aclose()
                if redirect == "error":
                    raise _FetchFailure("redirect was not followed (redirect mode is 'error')")
                if hop == LIMITS.max_redirects:
                    raise _FetchFailure("too many redirects")
                next_url = response.url.join(location)
                if next_url.scheme not in ("http", "https"):
                    raise _FetchFailure(f"redirect to unsupported scheme {next_url.scheme!r}")
                status = response.status_code
                if (status in (301, 302) and method == "POST") or (
                    status == 303 and method not in ("GET", "HEAD")
                ):
                    method = "GET"
                    body = None
                    fetch.body_queue = None
                    headers = [
                        (n, v)
                        for n, v in headers
                        if n.lower()
                        not in (
                            "content-type",
                            "content-length",
                            "content-encoding",
                            "content-language",
                            "content-location",
                        )
                    ]
                elif fetch.body_queue is not None:
                    raise _FetchFailure("cannot follow a redirect with a streamed request body")
                previous = httpx.URL(url)
                if (next_url.scheme, next_url.netloc) != (previous.scheme, previous.netloc):
                    headers = [
                        (n, v)
                        for n, v in headers
                        if n.lower() not in ("authorization", "cookie", "proxy-authorization")
                    ]
                url = str(next_url)
                redirected = True
        declared = response.headers.get("content-length")
        limit = LIMITS.max_response_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await response.aclose()
            raise _FetchFailure(
                f"response body is larger than the limit of {LIMITS.max_response_bytes} bytes"
            )
    except asyncio.CancelledError:
        raise
    except _FetchFailure as error:
        _answer(fetch, request_id, None, str(error))
        _close(fetch, str(error))
        return
    except Exception as error:
        reason = _reason(error)
        _answer(fetch, request_id, None, reason)
        _close(fetch, reason)
        return
    has_body = method != "HEAD" and response.status_code not in _NULL_BODY
    meta = {
        "status": response.status_code,
        "statusText": response.reason_phrase,
        "headers": [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in response.headers.raw
            if name.lower() != b"content-encoding" or not has_body
        ],
        "url": str(response.url),
        "redirected": redirected,
        "body": has_body,
    }
    if has_body:
        fetch.response = response
        fetch.chunks = response.aiter_bytes()
        fetch.usage = _usage_reader(fetch.call, response, body)
    else:
        await response.aclose()
    _answer(fetch, request_id, json.dumps(meta, separators=(",", ":")), None)
    if not has_body:
        _close(fetch, "done")


class _FetchFailure(Exception):
    pass


def _usage_reader(call: _Call, response: httpx.Response, body: bytes | None) -> UsageReader | None:
    """A reader for an answer of the AI gateway, None for any other answer."""
    found = gateway.current()
    if found is None or not found.covers(response.url) or response.status_code >= 400:
        return None
    script = str(getattr(call, "script", ""))
    rid = getattr(call, "request_id", None)
    running = tuple(getattr(call, "running", ()))
    if rid is None and len(running) == 1:
        rid = running[0]  # a worker isolate serving one request right now
    content_type = response.headers.get("content-type", "")
    return UsageReader(script, rid, content_type, requested_model(body))


def _fetch_named(call: _Call) -> _Fetch | None:
    """The running fetch a `fetch.*` message names; ValueError if it names none."""
    return _fetches.get((_iso_key(call.isolate), _parse_id(call.data)))


def handle_fetch_write(call: _Call) -> None:
    try:
        fetch = _fetch_named(call)
    except ValueError:
        call.reject("bad fetch.write message")
        return
    if fetch is None or fetch.body_queue is None:
        call.reject("the request is no longer running")
        return
    chunk = call.data.partition(b"\n")[2]
    queue = fetch.body_queue
    fetch.pending.add(call.id)

    async def put() -> None:
        await queue.put(chunk)
        _answer(fetch, call.id, "", None)

    asyncio.get_running_loop().create_task(put())


def handle_fetch_end(call: _Call) -> None:
    with contextlib.suppress(ValueError):
        fetch = _fetch_named(call)
        if fetch is not None and fetch.body_queue is not None:
            queue = fetch.body_queue
            asyncio.get_running_loop().create_task(queue.put(None))


def handle_fetch_read(call: _Call) -> None:
    try:
        fetch = _fetch_named(call)
    except ValueError:
        call.reject("bad fetch.read message")
        return
    if fetch is None or fetch.chunks is None:
        call.resolve("")
        return
    fetch.pending.add(call.id)
    fetch.reader = asyncio.get_running_loop().create_task(_read(fetch, call.id))


async def _read(fetch: _Fetch, request_id: int) -> None:
    assert fetch.chunks is not None
    try:
        async with asyncio.timeout(_timeout_for(fetch)):
            while True:
                chunk = await anext(fetch.chunks, None)
                if chunk is None:
                    if fetch.usage is not None:
                        fetch.usage.finish()
                    _answer(fetch, request_id, "", None)
                    _close(fetch, "done")
                    return
                if chunk:
                    break
        fetch.received += len(chunk)
        if fetch.usage is not None:
            fetch.usage.feed(chunk)
        if fetch.received > LIMITS.max_response_bytes:
            reason = f"response body is larger than the limit of {LIMITS.max_response_bytes} bytes"
            _answer(fetch, request_id, None, reason)
            _close(fetch, reason)
            return
        _answer(fetch, request_id, chunk, None)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        reason = _reason(error)
        _answer(fetch, request_id, None, reason)
        _close(fetch, reason)


def handle_fetch_cancel(call: _Call) -> None:
    with contextlib.suppress(ValueError):
        fetch = _fetch_named(call)
        if fetch is not None:
            _close(fetch, "the response body was cancelled")


def handle_fetch_abort(call: _Call) -> None:
    with contextlib.suppress(ValueError):
        fetch = _fetch_named(call)
        if fetch is not None:
            _close(fetch, "aborted")


HOST_OPS: dict[str, Callable[[Any], None]] = {
    "fetch": handle_fetch,
    "fetch.write": handle_fetch_write,
    "fetch.end": handle_fetch_end,
    "fetch.read": handle_fetch_read,
    "fetch.cancel": handle_fetch_cancel,
    "fetch.abort": handle_fetch_abort,
}


def register_host_ops(registry: _Registry) -> None:
    """Called by `hoody_exec.runtime.host.default_registry`."""
    for op, handler in HOST_OPS.items():
        registry.register(op, handler)
