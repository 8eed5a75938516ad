"""What Python does for one worker-mode request, stage by stage, in µs.

    .venv/bin/python benches/request_budget.py [--rounds 5] [--n 2000]

Builds the real app (`HoodyApp`, the same code Granian runs) in this process on
`benches/load_scripts/`, with a real worker isolate, and times each stage of a
`GET /worker` (the hello script) over `--n` repetitions; then whole requests
through the app's ASGI entry with an in-memory receive/send (no sockets, no
Granian), one at a time and 32 in flight. Median of `--rounds` rounds. What
Granian itself costs per request (HTTP parsing, the ASGI scope and message
objects, its thread hops) is the difference between these figures and the
throughput `benches/http_load.py` measures. Prints a Markdown table for
docs/architecture.md ("Per-request budget").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hoody_exec.config import ServerConfig
from hoody_exec.observability import configure_logging
from hoody_exec.observability.logging import flush_logs, log_line
from hoody_exec.observability.logstore import LogStore
from hoody_exec.runtime.protocol import decode_response, encode_call
from hoody_exec.server.app import HoodyApp, Request
from hoody_exec.server.asgi import JSON_HEADERS, header_list, json_body, send_response

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "load_scripts"

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/worker",
    "raw_path": b"/worker",
    "query_string": b"",
    "root_path": "",
    "headers": [
        (b"host", b"127.0.0.1:8080"),
        (b"user-agent", b"wrk"),
        (b"accept", b"*/*"),
    ],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8080),
}


async def _receive() -> dict[str, Any]:
    """A connection that stays open: no body, then nothing until it closes."""
    await asyncio.Event().wait()
    return {"type": "http.disconnect"}


async def _send(_: Any) -> None:
    return None


def _per_call_us(fn: Callable[[], object], n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - began) / n * 1e6


async def _per_await_us(fn: Callable[[], Awaitable[object]], n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        await fn()
    return (time.perf_counter() - began) / n * 1e6


async def _stages(app: HoodyApp, n: int) -> dict[str, float]:
    runtime = app.runtime
    script = await runtime.loader.load("worker.ts")
    found = app.routes.table.resolve("/worker")
    assert not isinstance(found, str) and hasattr(found, "route")
    slot = runtime._workers["worker.ts"]

    def request() -> Request:
        return Request(app, dict(SCOPE), _receive, _send, found, time.monotonic())  # type: ignore[arg-type]

    req = request()
    call = req._call(script)
    payload = encode_call(call)
    raw = await slot.isolate.call(payload, call.rid)
    fields = {
        "request_id": "0123456789abcdef",
        "method": "GET",
        "route": "/worker",
        "script": "worker.ts",
        "status": 200,
        "duration_ms": 0.41,
        "mode": "worker",
        "isolate": "warm",
    }

    def log_queued() -> None:
        log_line("info", "request", dict(fields))

    def log_batch() -> None:  # what the writer thread does with 32 queued lines
        for _ in range(32):
            log_line("info", "request", dict(fields))
        flush_logs()

    async def isolate_batch() -> None:
        await asyncio.gather(*(slot.isolate.call(payload, call.rid) for _ in range(32)))

    async def reply() -> None:
        await send_response(_send, 200, [*JSON_HEADERS, ("x-request-id", "r")], b"{}")

    stages = {
        "route lookup (`RouteTable.resolve`)": _per_call_us(
            lambda: app.routes.table.resolve("/worker"), n
        ),
        "cached script (`ScriptLoader.load`, no file check)": await _per_await_us(
            lambda: runtime.loader.load("worker.ts"), n
        ),
        "request record (`Request.__init__`: headers, ids, in-flight entry)": _per_call_us(
            request, n
        ),
        "call payload (`Request._call`: url, query, cookies, body kind)": _per_call_us(
            lambda: req._call(script),
            n,
        ),
        "payload JSON (`encode_call`, msgspec)": _per_call_us(lambda: encode_call(call), n),
        "isolate round trip, one at a time (`Isolate.call`)": await _per_await_us(
            lambda: slot.isolate.call(payload, call.rid), n // 4
        ),
        "isolate round trip, 32 in flight (per call)": await _per_await_us(isolate_batch, n // 32)
        / 32,
        "response decode (`decode_response`, msgspec)": _per_call_us(
            lambda: decode_response(raw), n
        ),
        "response headers and send (`send_response`, no-op send)": await _per_await_us(reply, n),
        "metrics (`Monitor.begin` + `finish`)": _per_call_us(lambda: _metrics(app), n),
        "log line on the request path (`log_line`: queued)": _per_call_us(log_queued, n),
        "log line formatted, redacted, stored, written (writer thread, batches of 32)": (
            _per_call_us(log_batch, n // 32) / 32 - _per_call_us(log_queued, n)
        ),
        "JSON error body (`json_body`), for comparison": _per_call_us(
            lambda: json_body({"error": "x"}), n
        ),
        "headers list (`header_list`)": _per_call_us(lambda: header_list(SCOPE), n),
    }
    flush_logs()
    return stages


def _metrics(app: HoodyApp) -> None:
    from hoody_exec.observability.metrics import ActiveRequest

    entry = ActiveRequest("r", "GET", "/worker", "worker.ts", 0.0, 0.0)
    app.monitor.begin(entry)
    app.monitor.finish("r", "worker.ts", "worker", 200, "warm", None, 0.0004)


async def _whole(app: HoodyApp, n: int, concurrency: int) -> float:
    async def one() -> None:
        await app(dict(SCOPE), _receive, _send)

    began = time.perf_counter()
    for _ in range(n // concurrency):
        await asyncio.gather(*(one() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    flush_logs()
    return elapsed / (n // concurrency * concurrency) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Lines go to a log store and a null stream, as in a server with stderr
        # redirected: the cost of writing them is counted, not a terminal's.
        store = LogStore(Path(tmp) / "logs", max_bytes=64 << 20, files=4)
        with open(os.devnull, "w") as null:
            configure_logging("console", stream=null, store=store)
            config = ServerConfig(root=str(SCRIPTS), reload=False, pool_size=1)
            app = HoodyApp(config)
            await app.startup()
            try:
                await app(dict(SCOPE), _receive, _send)  # the worker isolate is built
                rounds = [await _stages(app, args.n) for _ in range(args.rounds)]
                whole1 = [await _whole(app, args.n, 1) for _ in range(args.rounds)]
                whole32 = [await _whole(app, args.n, 32) for _ in range(args.rounds)]
            finally:
                await app.shutdown()
    print("| stage | µs, median of rounds | best round |")
    print("|---|---|---|")
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        print(f"| {name} | {statistics.median(values):.1f} | {min(values):.1f} |")
    for label, values in (("one at a time", whole1), ("32 in flight", whole32)):
        print(
            f"| **whole request through the app, {label}** | "
            f"{statistics.median(values):.1f} | {min(values):.1f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
