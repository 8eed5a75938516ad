"""A local npm registry for installer tests, and the `network` marker's opt-in.

`FakeRegistry` is a real HTTP server on 127.0.0.1 (a thread running http.server)
serving packuments and tarballs that the tests build in memory.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from hoody_exec.deps import Installer, PackageCache


def make_tarball(
    files: dict[str, str | bytes], extra: Sequence[tuple[tarfile.TarInfo, bytes | None]] = ()
) -> bytes:
    """A gzipped npm tarball: each file under `package/`, then raw `extra` members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
        for info, payload in extra:
            archive.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return buffer.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class FakeRegistry:
    def __init__(self) -> None:
        self.packages: dict[str, dict[str, Any]] = {}
        self.tarballs: dict[str, bytes] = {}
        self.hits: Counter[str] = Counter()
        self.accept_headers: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ------------------------------------------------------------- content
    def publish(
        self,
        name: str,
        version: str,
        *,
        dependencies: dict[str, str] | None = None,
        peers: dict[str, str] | None = None,
        optional_peers: tuple[str, ...] = (),
        files: dict[str, str | bytes] | None = None,
        tarball: bytes | None = None,
        integrity: str | None = None,
        shasum_only: bool = False,
        tag: str | None = None,
    ) -> bytes:
        """Publish name@version; returns the tarball bytes. `integrity` overrides the
        advertised hash (to simulate tampering); the `latest` tag follows the newest
        publish unless `tag` names another one."""
        manifest: dict[str, Any] = {"name": name, "version": version}
        if dependencies:
            manifest["dependencies"] = dependencies
        if peers:
            manifest["peerDependencies"] = peers
        if optional_peers:
            manifest["peerDependenciesMeta"] = {p: {"optional": True} for p in optional_peers}
        contents = {
            "package.json": json.dumps(manifest),
            "index.js": f"module.exports = {json.dumps(f'{name}@{version}')};\n",
            **(files or {}),
        }
        data = tarball if tarball is not None else make_tarball(contents)
        file = f"{name.replace('/', '-')}-{version}.tgz"
        self.tarballs[file] = data
        dist: dict[str, str] = {"tarball": f"{{URL}}-/tarballs/{file}"}
        if shasum_only:
            dist["shasum"] = hashlib.sha1(data).hexdigest()
        else:
            dist["integrity"] = integrity or sri(data)
            dist["shasum"] = hashlib.sha1(data).hexdigest()
        entry = self.packages.setdefault(name, {"name": name, "versions": {}, "dist-tags": {}})
        entry["versions"][version] = {**manifest, "dist": dist}
        entry["dist-tags"][tag or "latest"] = version
        return data

    def tarball_hits(self) -> int:
        return sum(n for path, n in self.hits.items() if path.startswith("/-/tarballs/"))

    # ------------------------------------------------------------- server
    def start(self) -> None:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                registry.hits[self.path] += 1
                if self.path.startswith("/-/tarballs/"):
                    body = registry.tarballs.get(self.path[len("/-/tarballs/") :])
                    content_type = "application/octet-stream"
                else:
                    registry.accept_headers.append(self.headers.get("accept", ""))
                    entry = registry.packages.get(unquote(self.path[1:]))
                    body = (
                        json.dumps(entry).replace("{URL}", registry.url).encode() if entry else None
                    )
                    content_type = "application/vnd.npm.install-v1+json"
                if body is None:
                    self.send_response(404)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                self.send_response(200)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    fake = FakeRegistry()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    return folder


@pytest.fixture
def installer(registry: FakeRegistry, cache_dir: Path) -> Installer:
    return Installer(registry=registry.url, cache=PackageCache(cache_dir))
