"""Schemathesis against the served OpenAPI document: every documented operation,
a few generated requests each, no 5xx, answers as documented.

Runs against its own throwaway server and folder: generated requests delete
scripts, clear logs and caches, so they must not touch the session server other
tests share. Bounded (few examples, derandomized, no shrinking) so it finishes in
a couple of minutes on two cores.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from api.conftest import ADMIN_TOKEN, PREFIX
from deps.conftest import FakeRegistry
from hoody_exec.deps.cache import CACHE_DIR_ENV
from hoody_exec.deps.registry import REGISTRY_ENV
from hoody_exec.typecheck.install import installed_typescript, tools_dir
from integration.conftest import FIXTURES, Server, start_server

# NOTE: excluded on purpose: system/restart respawns the server's worker
# processes, so generated requests in flight would race it (tests/api/test_system.py
# covers it). Installs and version look-ups run too: the server's npm registry is a
# local fake, so nothing reaches the network.
EXCLUDED = r"^/api/v1/exec/system/restart$"

EXAMPLES = 5
HEADERS = {"x-token": ADMIN_TOKEN}


@pytest.fixture(scope="module")
def fake_registry() -> Iterator[FakeRegistry]:
    registry = FakeRegistry()
    registry.publish("left-pad", "1.3.0", files={"index.js": "module.exports = (s) => s;"})
    registry.start()
    yield registry
    registry.stop()


@pytest.fixture(scope="module")
def throwaway_server(
    tmp_path_factory: pytest.TempPathFactory, fake_registry: FakeRegistry
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("schemathesis-scripts")
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    logs = tmp_path_factory.mktemp("schemathesis-logs") / "server.log"
    cache = tmp_path_factory.mktemp("schemathesis-npm-cache")
    if installed_typescript() is not None:
        # The compiler validate/typescript uses, when this machine has it: complete,
        # so the server only reads it (it is never installed from the fake registry).
        (cache / "tools").symlink_to(tools_dir(), target_is_directory=True)
    env = {REGISTRY_ENV: fake_registry.url, CACHE_DIR_ENV: str(cache)}
    server = start_server(root, logs, "--admin-token", ADMIN_TOKEN, env=env)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def served_schema(throwaway_server: Server) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_url(
        f"{throwaway_server.url}{PREFIX}/openapi.json",
        headers=HEADERS,
        timeout=30,
    )
    loaded.config.update(base_url=throwaway_server.url)
    return loaded


def no_server_error(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> Any:
    """not_a_server_error, except the documented 503 of validate/typescript when
    the pinned compiler is not installed: it comes from the npm registry, which
    this server's fake registry does not have (tests/typecheck covers it)."""
    if response.status_code == 503 and installed_typescript() is None:
        body = response.json()
        if isinstance(body, dict) and body.get("error", {}).get("code") == "typescript_unavailable":
            return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, status_code_conformance, response_schema_conformance]


def _run_operation(
    operation: schemathesis.APIOperation, mode: GenerationMode, base_url: str, streaming: bool
) -> str | None:
    """None if every generated request held; else the failure and a reproducer."""
    seen: list[schemathesis.Case] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        # Shrinking could run long; the failing request is reported as found.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        seen.append(case)
        if not streaming:
            case.call_and_validate(base_url=base_url, headers=HEADERS, checks=CHECKS, timeout=30)
            return
        # An accepted request opens an endless event stream: its head is the whole
        # answer there is to check; anything else is a finished (error) answer.
        kwargs = case.as_transport_kwargs(base_url=base_url, headers=HEADERS)
        with requests.request(**kwargs, stream=True, timeout=30) as response:
            if response.status_code == 200:
                assert response.headers["content-type"].startswith("text/event-stream")
                return
            case.validate_response(response, checks=CHECKS, headers=HEADERS)

    try:
        check()
    except Unsatisfiable:
        # Nothing invalid to send: the operation takes no input (health).
        return None
    except Exception as failure:
        curl = seen[-1].as_curl_command(headers=HEADERS) if seen else "(no request)"
        return f"{operation.label} [{mode.value}]: {failure}\n  reproduce: {curl}"
    return None


def _streams(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of operations whose success answer is an event stream."""
    found = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if status.startswith("2") and "text/event-stream" in answer.get("content", {}):
                    found.add((method.upper(), path))
    return found


def test_served_document_holds(served_schema: schemathesis.BaseSchema, throwaway_server: Server):
    document = throwaway_server.client.get(f"{PREFIX}/openapi.json", headers=HEADERS).json()
    streams = _streams(document)
    failures: list[str] = []
    ran = 0
    for result in served_schema.get_all_operations():
        operation = result.ok()
        if re.search(EXCLUDED, operation.path):
            continue
        ran += 1
        streaming = (operation.method.upper(), operation.path) in streams
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            found = _run_operation(operation, mode, throwaway_server.url, streaming)
            if found is not None:
                failures.append(found)
    assert ran >= 10, "the document lists far fewer operations than the router has"
    assert not failures, "\n\n".join(failures)
