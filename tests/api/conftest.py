"""A real server (subprocess, loopback) with the management API and a known token.

Reuses the integration helpers; the scripts folder is a fresh temporary copy of
tests/fixtures/scripts, so tests may write, move and delete freely.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import BaseModel

from integration.conftest import FIXTURES, Server, start_server

ADMIN_TOKEN = "test-admin-token-0123456789"
PREFIX = "/api/v1/exec"
M = TypeVar("M", bound=BaseModel)


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("api-scripts")
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    logs = tmp_path_factory.mktemp("api-logs") / "server.log"
    server = start_server(root, logs, "--admin-token", ADMIN_TOKEN, "--env", "HOOK_TOKEN")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def api(api_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=api_server.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="session")
def anon(api_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server.url + PREFIX, timeout=30) as client:
        yield client


def ok(response: httpx.Response, model: type[M]) -> M:
    """The answer, checked against the operation's response model."""
    assert response.status_code == 200, response.text
    return model.model_validate(response.json())


def error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
