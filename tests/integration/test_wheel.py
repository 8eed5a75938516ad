"""The portable wheel as a new user gets it: built by scripts/wheel, installed into
a fresh venv whose PATH has no cargo, rustc or C compiler, then serving a worker
and a serverless script.

Slow: the wheel is built (minutes from nothing; cargo's cache makes repeats
quick) unless HOODY_TEST_WHEEL names a wheel built already. Marked `network`:
the wheel's dependencies (mini-racer with V8, granian, ...) come from the Python
package index.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import REPO, free_port

pytestmark = [pytest.mark.slow, pytest.mark.network]

COMPILERS = ("cargo", "rustc", "cc", "gcc", "clang", "zig")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("HOODY_TEST_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run([str(REPO / "scripts" / "wheel"), str(out)], check=True, timeout=3000)
    (found,) = out.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def bare_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A PATH with Python and a few shell tools, and nothing that compiles."""
    tools = tmp_path_factory.mktemp("bin")
    for name in ("sh", "env", "ls", "uname"):
        found = shutil.which(name)
        if found:
            (tools / name).symlink_to(found)
    env = {"PATH": str(tools), "HOME": str(tmp_path_factory.mktemp("home")), "LANG": "C.UTF-8"}
    for name in COMPILERS:
        assert shutil.which(name, path=env["PATH"]) is None, name
    return env


@pytest.mark.timeout(3600)
def test_the_wheel_is_tagged_for_what_it_is(wheel: Path):
    machine = platform.machine()
    assert wheel.name.startswith("hoody_exec-")
    assert f"-cp311-abi3-manylinux_2_27_{machine}.whl" in wheel.name, wheel.name
    assert "linux_x86_64" not in wheel.name.replace(f"manylinux_2_27_{machine}", "")


@pytest.mark.timeout(3600)
def test_the_wheel_installs_and_serves_without_rust(
    wheel: Path, bare_env: dict[str, str], tmp_path: Path
):
    venv = tmp_path / "venv"
    # The base interpreter, not this venv's: the new one starts empty.
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {**bare_env, "PATH": f"{venv / 'bin'}{os.pathsep}{bare_env['PATH']}"}
    for name in COMPILERS:
        assert shutil.which(name, path=env["PATH"]) is None, name
    # Binary wheels only: nothing may need building on this machine.
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--only-binary", ":all:", str(wheel)],
        check=True,
        env=env,
        timeout=900,
    )
    hoody = str(venv / "bin" / "hoody-exec")
    version = subprocess.run(
        [hoody, "--version"], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    assert version.stdout.startswith("hoody-exec ") and "V8 14." in version.stdout

    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "counter.ts").write_text(
        "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\nreturn { n: shared.n };\n"
    )
    (scripts / "hello.ts").write_text("// @mode serverless\nreturn `hi ${query.name}`;\n")
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [hoody, "serve", str(scripts), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _wait_healthy(client, server, tmp_path / "serve.log")
            first, second = client.get("/counter"), client.get("/counter")
            assert first.json() == {"n": 1} and second.json() == {"n": 2}, second.text
            hello = client.get("/hello", params={"name": "wheel"})
            assert hello.status_code == 200 and hello.text == "hi wheel"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    origin = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import hoody_exec; print(hoody_exec.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert origin.stdout.startswith(str(venv)), origin.stdout


def _wait_healthy(client: httpx.Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")
        try:
            if client.get("/api/v1/exec/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not start:\n{log.read_text(errors='replace')}")
