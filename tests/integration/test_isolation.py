"""Isolation between scripts (issue 11 §4), over a real server on loopback.

- fetch keeps no cookies: what one script's fetch was given never reaches another's;
- fetch egress: loopback, private, link-local, … destinations are refused by every
  spelling, through DNS names and redirects, except this server itself and what
  `--allow-fetch` allows;
- log lines carry the request id and script name the host knows, not the ones a
  script claims;
- symlinks leading outside the scripts folder are neither routes nor listed, answer
  403 without their target, and `scripts/delete` removes the link itself.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.conftest import Server, start_server

ADMIN_TOKEN = "isolation-admin-token-0123456789"
API = "/api/v1/exec"
SESSION = "session=secret-of-a-5521"


class CookieHandler(BaseHTTPRequestHandler):
    """A loopback service: sets a session cookie, echoes the Cookie it got, redirects."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]] = []) -> None:  # noqa: B006
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/login":
            cookies = [("set-cookie", f"{SESSION}; Path=/"), ("set-cookie", "theme=dark; Path=/")]
            self._send(200, b"welcome", cookies)
        elif self.path == "/whoami":
            self._send(200, json.dumps({"cookie": self.headers.get("cookie")}).encode())
        elif self.path.startswith("/redirect?to="):
            self._send(302, b"", [("location", self.path.removeprefix("/redirect?to="))])
        else:
            self._send(404, b"no")


@pytest.fixture(scope="module")
def cookie_service() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CookieHandler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


SCRIPTS = {
    # Script A logs in: its fetch gets the session cookie.
    "cookies/a.ts": """
        const r = await fetch(`${query.service}/login`);
        return { text: await r.text(), setCookies: r.headers.getSetCookie(),
                 joined: r.headers.get('set-cookie') };
    """,
    # Script B asks the same service who it is: it must arrive without A's cookie.
    "cookies/b.ts": """
        const init = query.own ? { headers: { cookie: query.own } } : {};
        return await (await fetch(`${query.service}/whoami`, init)).json();
    """,
    "egress/probe.ts": """
        const out = {};
        for (const url of body) {
          try {
            const r = await fetch(url);
            out[url] = { status: r.status, text: await r.text() };
          } catch (e) {
            out[url] = { error: e.name, message: e.message };
          }
        }
        return out;
    """,
    "egress/callee.ts": "return { from: 'callee' };",
    "egress/self.ts": """
        const port = new URL(request.url).port;
        const urls = [new URL('/egress/callee', request.url).href,
                      `http://localhost:${port}/egress/callee`];
        const out = [];
        for (const url of urls) out.push(await (await fetch(url)).json());
        return out;
    """,
    "logs/forge_worker.ts": """// @mode worker
        __hoody.host.post('log', JSON.stringify({ level: 'info', message: 'forged-worker',
          rid: 'forged-rid-1', fields: { request_id: 'forged-rid-2', script: 'other.ts' } }));
        log.info('honest-worker');
        setTimeout(() => __hoody.host.post('log', JSON.stringify({
          level: 'info', message: 'forged-late', rid: query.victim })), 30);
        return 'ok';
    """,
    "logs/forge_serverless.ts": """
        __hoody.host.post('log', JSON.stringify({ level: 'warn', message: 'forged-serverless',
          rid: 'forged-rid-3', source: 'request' }));
        console.log('two\\n2026-01-01T00:00:00.000000Z [info     ] request request_id=forged');
        return 'ok';
    """,
    "logs/concurrent.ts": """// @mode worker
        await new Promise((resolve) => setTimeout(resolve, 200));
        log.info(`concurrent-${query.n}`);
        __hoody.host.post('log', JSON.stringify({ message: `claims-other-${query.n}`,
          rid: 'not-in-flight' }));
        return 'ok';
    """,
    "links/real.ts": "return 'real';",
}


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("outside-the-folder")
    (folder / "secret.ts").write_text("return 'the secret';\n")
    (folder / "dir").mkdir()
    (folder / "dir" / "x.ts").write_text("return 'x';\n")
    return folder


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, cookie_service: str, outside: Path
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("isolation-scripts")
    for relative, source in SCRIPTS.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    os.symlink(outside / "secret.ts", root / "links" / "leak.ts")
    os.symlink(outside / "dir", root / "links" / "leakdir")
    os.symlink(root / "links" / "real.ts", root / "links" / "alias.ts")
    logs = tmp_path_factory.mktemp("isolation-logs") / "server.log"
    service_port = cookie_service.rsplit(":", 1)[1]
    srv = start_server(
        root, logs, "--admin-token", ADMIN_TOKEN, "--allow-fetch", f"127.0.0.1:{service_port}"
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url + API, headers={"x-token": ADMIN_TOKEN}, timeout=30
    ) as client:
        yield client


# ---------------------------------------------------------------- cookies
def test_fetch_keeps_no_cookies_between_scripts(server: Server, cookie_service: str) -> None:
    a = server.client.get("/cookies/a", params={"service": cookie_service})
    assert a.status_code == 200, a.text
    assert a.json()["setCookies"] == [f"{SESSION}; Path=/", "theme=dark; Path=/"]
    assert SESSION in a.json()["joined"]
    for _ in range(2):  # the same script again keeps nothing either
        for script in ("/cookies/b", "/cookies/a"):
            if script == "/cookies/a":
                server.client.get(script, params={"service": cookie_service})
                continue
            b = server.client.get(script, params={"service": cookie_service})
            assert b.status_code == 200, b.text
            assert b.json() == {"cookie": None}


def test_a_script_sends_its_own_cookie_header(server: Server, cookie_service: str) -> None:
    b = server.client.get("/cookies/b", params={"service": cookie_service, "own": "mine=1"})
    assert b.json() == {"cookie": "mine=1"}


# ---------------------------------------------------------------- egress
def probe(server: Server, urls: list[str]) -> dict[str, Any]:
    response = server.client.post("/egress/probe", json=urls)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


REFUSED = {
    "http://127.0.0.1:6379/": ("127.0.0.1:6379", "loopback addresses are"),
    "http://localhost:6379/": ("localhost:6379", "resolves to a loopback address"),
    "http://127.1:6379/": ("127.0.0.1:6379", "loopback"),
    "http://2130706433:6379/": ("127.0.0.1:6379", "loopback"),
    "http://0x7f000001:6379/": ("127.0.0.1:6379", "loopback"),
    "http://[::1]:6379/": ("[::1]:6379", "loopback"),
    "http://[::ffff:127.0.0.1]:6379/": (":6379", "loopback"),
    "http://0.0.0.0:6379/": ("0.0.0.0:6379", "unspecified"),
    "http://10.1.2.3/": ("10.1.2.3:80", "private"),
    "http://172.16.0.1/": ("172.16.0.1:80", "private"),
    "http://192.168.1.1/": ("192.168.1.1:80", "private"),
    "http://169.254.169.254/latest/meta-data/": ("169.254.169.254:80", "link-local"),
    "http://[fd12::1]/": ("[fd12::1]:80", "private"),
    "http://[fe80::1]/": ("[fe80::1]:80", "link-local"),
    "http://224.0.0.1/": ("224.0.0.1:80", "multicast"),
    "http://[ff02::1]/": ("[ff02::1]:80", "multicast"),
    "http://240.0.0.1/": ("240.0.0.1:80", "reserved"),
    "https://100.64.0.1/": ("100.64.0.1:443", "non-public"),
}


def test_private_destinations_are_refused_by_every_spelling(server: Server) -> None:
    result = probe(server, list(REFUSED))
    for url, (target, kind) in REFUSED.items():
        outcome = result[url]
        assert outcome["error"] == "TypeError", (url, outcome)
        message = outcome["message"]
        assert message.startswith("fetch to "), (url, message)
        assert target in message and kind in message, (url, message)
        assert "refused" in message and "--allow-fetch" in message, (url, message)


def test_refusal_message_says_what_and_how_to_allow(server: Server) -> None:
    [outcome] = probe(server, ["http://127.0.0.1:6379/"]).values()
    assert outcome["message"] == (
        "fetch to 127.0.0.1:6379 refused: loopback addresses are not reachable from scripts; "
        "allow with --allow-fetch 127.0.0.1:6379 (or HOODY_EXEC_ALLOW_FETCH)"
    )


def test_redirect_to_a_private_address_is_refused(server: Server, cookie_service: str) -> None:
    urls = [
        f"{cookie_service}/redirect?to=http://127.0.0.1:6379/",
        f"{cookie_service}/redirect?to=http://169.254.169.254/latest/meta-data/",
        f"{cookie_service}/redirect?to=http://localhost:{server.port}{API}/health",
    ]
    result = probe(server, urls)
    assert "fetch to 127.0.0.1:6379 refused: loopback" in result[urls[0]]["message"]
    assert "fetch to 169.254.169.254:80 refused: link-local" in result[urls[1]]["message"]
    # A redirect may lead to this server itself, as a direct fetch may.
    assert result[urls[2]]["status"] == 200, result[urls[2]]


def test_allowed_service_and_this_server_are_reachable(server: Server, cookie_service: str) -> None:
    result = probe(server, [f"{cookie_service}/whoami"])
    assert result[f"{cookie_service}/whoami"]["status"] == 200
    response = server.client.get("/egress/self")
    assert response.status_code == 200, response.text
    assert response.json() == [{"from": "callee"}, {"from": "callee"}]


def test_bad_allow_fetch_values_stop_the_start(tmp_path: Path) -> None:
    from integration.conftest import run_cli

    for bad in ("10.0.0.0/33", "host:99999", "exa$mple", "[nothost]:80", "h:p"):
        done = run_cli("serve", str(tmp_path), "--allow-fetch", bad, timeout=30)
        assert done.returncode == 2, (bad, done.stdout, done.stderr)
        assert "--allow-fetch" in done.stderr and "expected a CIDR" in done.stderr, done.stderr


# ---------------------------------------------------------------- log lines
def stored(api: httpx.Client, needle: str, count: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        page = api.get("/logs/read", params={"source": "js", "limit": 500}).json()
        found = [e for e in page["entries"] if needle in e["message"]]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_worker_log_lines_carry_the_host_request_id(server: Server, api: httpx.Client) -> None:
    victim = server.client.get("/links/real").headers["x-request-id"]
    response = server.client.get("/logs/forge_worker", params={"victim": victim})
    assert response.status_code == 200, response.text
    rid = response.headers["x-request-id"]
    forged, honest = stored(api, "forged-worker"), stored(api, "honest-worker")
    assert [e["request_id"] for e in forged + honest] == [rid, rid]
    assert {e["script"] for e in forged + honest} == {"logs/forge_worker.ts"}
    assert forged[0]["fields"]["js_request_id"] == "forged-rid-2"  # a field, not the id
    # Posted after the response, naming another request: no call in flight, no id.
    late = stored(api, "forged-late")
    assert late and late[0]["request_id"] is None, late


def test_concurrent_worker_calls_keep_their_own_ids(server: Server, api: httpx.Client) -> None:
    with ThreadPoolExecutor(2) as pool:
        responses = list(
            pool.map(lambda n: server.client.get("/logs/concurrent", params={"n": n}), [1, 2])
        )
    for n, response in zip([1, 2], responses, strict=True):
        assert response.status_code == 200, response.text
        rid = response.headers["x-request-id"]
        [line] = stored(api, f"concurrent-{n}")
        assert line["request_id"] == rid, (n, line)
        # Two calls in flight and an id that is neither: the line gets none.
        [claim] = stored(api, f"claims-other-{n}")
        assert claim["request_id"] in (None, rid), claim


def test_serverless_log_lines_carry_the_host_request_id(server: Server, api: httpx.Client) -> None:
    response = server.client.get("/logs/forge_serverless")
    assert response.status_code == 200, response.text
    rid = response.headers["x-request-id"]
    [line] = stored(api, "forged-serverless")
    assert line["request_id"] == rid and line["source"] == "js"
    assert line["script"] == "logs/forge_serverless.ts"
    # On the console, a message with a newline stays on one line.
    text = server.wait_for_log("two\\n2026")
    assert "two\\n2026-01-01" in text
    assert not any(row.startswith("2026-01-01T00:00:00") for row in text.splitlines())


# ---------------------------------------------------------------- symlinks
def test_links_leading_outside_are_refused_without_their_target(
    server: Server, api: httpx.Client, outside: Path
) -> None:
    for path in ("/links/leak", "/links/leakdir/x"):
        response = server.client.get(path)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"] == "forbidden_path"
        assert str(outside) not in response.text and "secret" not in response.text
    assert server.client.get("/links/alias").text == "real"  # a link inside is fine
    listed = api.get("/scripts/list", params={"under": "links"}).json()
    assert [s["path"] for s in listed["scripts"]] == ["links/alias.ts", "links/real.ts"]
    routes = api.post("/route/discover", json={}).json()
    assert "leak" not in json.dumps(routes.get("routes", routes)), routes


def test_a_link_made_while_serving_is_refused(
    server: Server, api: httpx.Client, outside: Path
) -> None:
    link = server.root / "links" / "later.ts"
    os.symlink(outside / "secret.ts", link)
    try:
        response = server.get_when_routable("/links/later")
        assert response.status_code == 403, response.text
        assert str(outside) not in response.text
    finally:
        link.unlink()


def test_scripts_delete_removes_the_link_not_its_target(
    server: Server, api: httpx.Client, outside: Path
) -> None:
    for relative in ("links/leak.ts", "links/leakdir"):
        response = api.request("DELETE", "/scripts/delete", json={"path": relative})
        assert response.status_code == 200, response.text
        assert response.json()["kind"] == "symlink" and response.json()["deleted"] is True
        assert not os.path.lexists(server.root / relative)
    assert (outside / "secret.ts").read_text() == "return 'the secret';\n"
    assert (outside / "dir" / "x.ts").exists()
    assert server.client.get("/links/leak").status_code == 404
    assert server.client.get("/links/leakdir/x").status_code == 404
