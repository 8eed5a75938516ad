# ruff: noqa: E501  (JavaScript sources embedded in strings)
"""fetch over TLS trusts what the operator configured (SSL_CERT_FILE, SSL_CERT_DIR),
as the npm installer does: a local HTTPS server signed by a private CA."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hoody_exec.tls import trust_context
from hoody_exec.webapi import egress
from hoody_exec.webapi import host as webapi_host

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", "6")
        self.end_headers()
        self.wfile.write(b"secure")


@dataclass
class TlsServer:
    url: str
    ca: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "server.key", "-out", "server.csr", cwd=d)  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", "san.ext", "-out", "server.pem", cwd=d)  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(d / "server.pem", d / "server.key")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    before = egress.policy()
    egress.configure(egress.EgressPolicy.for_server(["127.0.0.1"], host=None, port=None))
    try:
        yield TlsServer(f"https://127.0.0.1:{httpd.server_address[1]}", d / "ca.pem")
    finally:
        egress.configure(before)
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
async def _fresh_client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    # the trust settings are read when the shared client is made
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    await webapi_host.aclose()
    yield
    await webapi_host.aclose()


FETCH = """try { const r = await fetch("{url}/"); return [r.status, await r.text()]; }
           catch (e) { return [e.name, e.message]; }"""


async def test_private_ca_is_refused_without_settings(env, tls_server):
    name, message = await env.js_async(FETCH.replace("{url}", tls_server.url))
    assert name == "TypeError"
    assert "TLS error" in message and "CERTIFICATE_VERIFY_FAILED" in message


async def test_ssl_cert_file_is_trusted(env, tls_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.ca))
    assert await env.js_async(FETCH.replace("{url}", tls_server.url)) == [200, "secure"]


async def test_ssl_cert_dir_is_trusted(env, tls_server, monkeypatch, tmp_path):
    shutil.copy(tls_server.ca, tmp_path / "corporate.pem")
    _openssl("rehash", str(tmp_path), cwd=tmp_path)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert await env.js_async(FETCH.replace("{url}", tls_server.url)) == [200, "secure"]


def test_unreadable_settings_say_what_to_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(
        ValueError, match=r"SSL_CERT_FILE=.*missing.pem.*unset them to use the system store"
    ):
        trust_context()


async def test_a_bad_setting_fails_the_fetch_with_the_reason(
    env, tls_server, monkeypatch, tmp_path
):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    name, message = await env.js_async(FETCH.replace("{url}", tls_server.url))
    assert name == "TypeError" and "cannot load trusted certificates" in message
