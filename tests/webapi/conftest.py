"""Fixtures for the Web API tests: a real isolate with the prelude loaded.

`js(code)` evaluates an expression/statements whose completion value is a JSON
string and returns the decoded value; `js_async(body)` runs the body of an async
function through `__hoody.onCall` and returns its decoded JSON result.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

try:
    from hoody_exec._native import Isolate
except Exception as error:  # the engine is not built (or broken): skip, don't fail collection
    Isolate = None  # type: ignore[assignment,misc]
    _IMPORT_ERROR: Exception | None = error
else:
    _IMPORT_ERROR = None

from hoody_exec.webapi import host as webapi_host
from hoody_exec.webapi import prelude_source


class _Call:
    """The subset of the runtime's HostCall that webapi.host handlers use."""

    def __init__(self, isolate: Any, request_id: int, op: str, data: bytes) -> None:
        self.isolate = isolate
        self.id = request_id
        self.op = op
        self.data = data

    def resolve(self, value: str | bytes) -> None:
        if self.id:
            self.isolate.resolve(self.id, value)

    def reject(self, message: str) -> None:
        if self.id:
            self.isolate.reject(self.id, message)


class Env:
    def __init__(self, isolate: Any) -> None:
        self.isolate = isolate
        self.logs: list[dict[str, str]] = []
        isolate.set_host_handler(self._handle)

    def _handle(self, request_id: int, op: str, data: bytes) -> None:
        if op == "log":
            self.logs.append(json.loads(data))
            return
        handler = webapi_host.HOST_OPS.get(op)
        call = _Call(self.isolate, request_id, op, data)
        if handler is None:
            call.reject(f"unknown op {op}")
            return
        handler(call)

    async def js(self, code: str) -> Any:
        value = await self.isolate.eval(code, "test.js")
        assert isinstance(value, str), f"expected a JSON string, got {value!r}"
        return json.loads(value)

    async def js_async(self, body: str) -> Any:
        await self.isolate.eval(
            "__hoody.onCall = async (payload) => JSON.stringify(await (async () => {"
            + body
            + "\n})());",
            "test-async.js",
        )
        result = await self.isolate.call("")
        return json.loads(result)


def _new_isolate() -> Any:
    if os.environ.get("HOODY_WEBAPI_NODE") == "1":
        # development only: the node stand-in (tests/webapi/node_harness)
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "node_harness"))
        from fake_isolate import FakeIsolate

        return FakeIsolate()
    if Isolate is None:
        pytest.skip(f"native engine not available: {_IMPORT_ERROR}")
    return Isolate()


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    isolate = _new_isolate()
    code, filename = prelude_source()
    await isolate.eval(code, filename)
    try:
        yield Env(isolate)
    finally:
        webapi_host.forget_isolate(isolate)
        isolate.close()


JS = Callable[[str], Awaitable[Any]]
