"""Fixtures for `@ai`: the pre-bundled SDK, a fake OpenAI-compatible gateway on
loopback, and a real server configured with it.

Installing the SDK needs the npm registry, so the session fixture skips unless
the SDK is already in the tools cache or HOODY_TEST_NETWORK=1 (./scripts/test sets
it): after one install, every test here runs offline from the cache.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ai.fake_gateway import FakeGateway
from integration.conftest import Server, start_server

SCRIPTS = Path(__file__).parent / "scripts"
API_KEY = "sk-hoody-test-0123456789abcdefghij"
ADMIN_TOKEN = "ai-admin-token-0123456789abcdef"


@pytest.fixture(scope="session")
def ai_sdk() -> Path:
    from hoody_exec.ai.sdk import ensure_sdk, installed_sdk, sdk_dir

    if installed_sdk() is None and os.environ.get("HOODY_TEST_NETWORK") != "1":
        pytest.skip("the AI SDK is not in the tools cache and installing it needs the npm "
                    "registry: set HOODY_TEST_NETWORK=1")  # fmt: skip
    asyncio.run(ensure_sdk())
    return sdk_dir()


@pytest.fixture(scope="session")
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def other_site() -> Iterator[FakeGateway]:
    """Another origin: must never receive the key."""
    fake = FakeGateway().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def ai_server(
    ai_sdk: Path,
    gateway: FakeGateway,
    other_site: FakeGateway,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ai-scripts")
    shutil.copytree(SCRIPTS, root, dirs_exist_ok=True)
    logs = tmp_path_factory.mktemp("ai-logs") / "server.log"
    srv = start_server(
        root,
        logs,
        "--ai-base-url", gateway.url,
        "--ai-model", "test/echo",
        "--allow-fetch", f"127.0.0.1:{other_site.port}",
        "--admin-token", ADMIN_TOKEN,
        "--log-format", "json",
        env={"HOODY_EXEC_AI_API_KEY": API_KEY},
    )  # fmt: skip
    yield srv
    srv.stop()
