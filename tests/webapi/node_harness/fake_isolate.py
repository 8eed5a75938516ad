"""A development stand-in for `hoody_exec._native.Isolate` backed by node (vm
context + stub host). Used by tests/webapi when HOODY_WEBAPI_NODE=1 — never in
the product."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

SERVER = Path(__file__).with_name("isolate_server.js")


class FakeIsolate:
    _next = 0

    def __init__(self) -> None:
        FakeIsolate._next += 1
        self.id = FakeIsolate._next
        self._proc = subprocess.Popen(
            ["node", str(SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
        self._loop = asyncio.get_running_loop()
        self._futures: dict[int, asyncio.Future[Any]] = {}
        self._seq = 0
        self._handler: Callable[[int, str, bytes], None] | None = None
        assert self._proc.stdout is not None
        self._buf = b""
        self._loop.add_reader(self._proc.stdout.fileno(), self._on_readable)

    def _on_readable(self) -> None:
        assert self._proc.stdout is not None
        data = self._proc.stdout.read(65536)
        if not data:
            self._loop.remove_reader(self._proc.stdout.fileno())
            return
        self._buf += data
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            msg = json.loads(line)
            if msg["t"] == "done":
                fut = self._futures.pop(msg["id"])
                if "err" in msg:
                    fut.set_exception(RuntimeError(msg["err"]))
                else:
                    fut.set_result(msg["ok"])
            elif msg["t"] == "host" and self._handler is not None:
                self._handler(msg["rid"], msg["op"], base64.b64decode(msg["data"]))

    def _send(self, msg: dict[str, Any]) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write((json.dumps(msg) + "\n").encode())

    def _request(self, msg: dict[str, Any]) -> asyncio.Future[Any]:
        self._seq += 1
        fut: asyncio.Future[Any] = self._loop.create_future()
        self._futures[self._seq] = fut
        self._send({**msg, "id": self._seq})
        return fut

    def set_host_handler(self, handler: Callable[[int, str, bytes], None] | None) -> None:
        self._handler = handler

    def eval(self, code: str, filename: str = "<eval>") -> asyncio.Future[Any]:
        return self._request({"t": "eval", "code": code, "filename": filename})

    def call(self, payload: str) -> asyncio.Future[Any]:
        return self._request({"t": "call", "payload": payload})

    def resolve(self, request_id: int, value: str | bytes) -> None:
        if isinstance(value, bytes):
            self._send(
                {
                    "t": "resolve",
                    "rid": request_id,
                    "value": base64.b64encode(value).decode(),
                    "b64": True,
                }
            )
        else:
            self._send({"t": "resolve", "rid": request_id, "value": value})

    def reject(self, request_id: int, message: str) -> None:
        self._send({"t": "reject", "rid": request_id, "message": message})

    def close(self) -> None:
        assert self._proc.stdout is not None
        self._loop.remove_reader(self._proc.stdout.fileno())
        self._proc.kill()
        self._proc.wait()
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.stdout.close()
