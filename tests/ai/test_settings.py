"""Server settings: no gateway, a bad base URL, an offline start, the install's
single flight."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from ai.conftest import API_KEY, SCRIPTS
from ai.fake_gateway import FakeGateway
from integration.conftest import run_cli, start_server


def test_without_a_gateway_ai_scripts_answer_503(tmp_path: Path) -> None:
    root = tmp_path / "scripts"
    root.mkdir()
    shutil.copy(SCRIPTS / "chat.ts", root / "chat.ts")
    server = start_server(root, tmp_path / "log")
    try:
        response = server.client.post("/chat", json={"prompt": "x"})
    finally:
        server.stop()
    assert response.status_code == 503
    data = response.json()
    assert data["error"] == "ai_not_configured"
    assert "--ai-base-url" in data["setting"] and "HOODY_EXEC_AI_BASE_URL" in data["setting"]
    assert data["script"] == "chat.ts"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://gateway/v1", "not an http(s) URL"),
        ("https://user:secret@gateway/v1", "credentials in the URL"),
        ("https://gateway/v1?key=1", "query or fragment"),
    ],
)
def test_a_bad_base_url_is_refused(tmp_path: Path, url: str, why: str) -> None:
    result = run_cli("serve", str(tmp_path), "--ai-base-url", url)
    assert result.returncode != 0
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())  # the box typer draws
    assert why in text
    assert "secret" not in text  # a URL with credentials is not echoed


def test_offline_start_after_the_first_install(
    ai_sdk: Path, gateway: FakeGateway, tmp_path: Path
) -> None:
    """The SDK comes from the tools cache: a registry nobody answers does not matter."""
    root = tmp_path / "scripts"
    root.mkdir()
    shutil.copy(SCRIPTS / "chat.ts", root / "chat.ts")
    server = start_server(
        root,
        tmp_path / "log",
        "--ai-base-url",
        gateway.url,
        env={"HOODY_EXEC_AI_API_KEY": API_KEY, "HOODY_EXEC_NPM_REGISTRY": "http://127.0.0.1:9/"},
    )
    try:
        response = server.client.post("/chat", json={"prompt": "offline"})
    finally:
        server.stop()
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "echo: offline"


@pytest.mark.network
def test_one_install_for_many_callers(tmp_path: Path) -> None:
    from hoody_exec.ai import sdk
    from hoody_exec.deps import Installer

    installs = 0

    class Counting(Installer):
        async def install(self, folder: Path, packages=()):  # type: ignore[no-untyped-def]
            nonlocal installs
            installs += 1
            return await super().install(folder, packages)

    folder = tmp_path / "tools" / "ai-sdk"

    async def main() -> list[sdk.SdkBundle]:
        original = sdk.Installer
        sdk.Installer = Counting  # type: ignore[misc]
        try:
            return await asyncio.gather(*(sdk.ensure_sdk(folder) for _ in range(4)))
        finally:
            sdk.Installer = original  # type: ignore[misc]

    bundles = asyncio.run(main())
    assert installs == 1
    assert len({id(b) for b in bundles}) == 1
    assert sdk.installed_sdk(folder) == sdk.AI_SDK_PACKAGES
    assert "createOpenAICompatible" in bundles[0].code
