"""`@websocket` scripts over real WebSocket clients on loopback (docs/websockets.md)."""

from __future__ import annotations

import asyncio
import json
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.sync.server import ServerConnection, serve

from integration.conftest import Server, start_server

ADMIN = "websocket-admin-token-0123456789"

# A script using the standard WebSocket client inside its isolate.
CLIENT = """const protocols = query.protocol ? [String(query.protocol)] : [];
// `ws` is an injected name; a script may declare its own (as most clients are named).
const ws = new WebSocket(String(query.url), protocols);
ws.binaryType = "arraybuffer";
const got: unknown[] = [];
return await new Promise((resolve) => {
  ws.onopen = () => {
    got.push("open " + ws.readyState + " " + ws.protocol);
    ws.send("ping");
    ws.send(new Uint8Array([1, 2, 3]));
  };
  ws.addEventListener("message", (event: MessageEvent) => {
    got.push(typeof event.data === "string" ? event.data : [...new Uint8Array(event.data)]);
    if (got.length === Number(query.until)) ws.close(4000, "enough");
  });
  ws.onerror = (event: any) => got.push("error: " + (event.message ?? ""));
  ws.onclose = (event: CloseEvent) => {
    const state = ws.readyState;
    resolve({ got, code: event.code, reason: event.reason, clean: event.wasClean, state });
  };
});
"""

SCRIPTS = {
    "ws/echo.ts": """// @mode worker
// @websocket
ws.open = (socket, upgrade) => {
  socket.data.name = new URL(upgrade.url).searchParams.get("name") ?? "anonymous";
  socket.send("hello " + socket.data.name);
};
ws.message = (socket, data) => {
  if (data === "boom") throw new Error("boom from ws.message");
  if (data === "buffered?") return void socket.send(String(socket.bufferedAmount));
  if (typeof data === "string" && data.startsWith("close:")) {
    socket.close(Number(data.slice(6)), "asked to close");
    return;
  }
  socket.send(data);
};
ws.close = (socket, code, reason) => {
  (shared.closes ??= []).push({ name: socket.data.name, code, reason });
};
return { open: ws.count(), closes: shared.closes ?? [] };
""",
    "ws/rooms.ts": """// @mode worker
// @websocket
ws.open = (socket, upgrade) => {
  socket.join(new URL(upgrade.url).searchParams.get("room") ?? "lobby");
  socket.send(JSON.stringify({ id: socket.id, rooms: [...socket.rooms] }));
};
ws.message = (socket, data) => {
  const ask = JSON.parse(data);
  const sent = ws.broadcast(ask.text, ask.room, ask.exceptMe ? { except: socket } : undefined);
  socket.send(JSON.stringify({ sent, inRoom: ws.count(ask.room), all: ws.sockets().length }));
};
""",
    "ws/flood.ts": """// @mode worker
// @websocket
const chunk = new Uint8Array(16 * 1024).fill(7);
const flood = (socket) => {
  while (socket.data.sent < 256) {
    if (!socket.send(chunk)) return;
    socket.data.sent++;
  }
  socket.send("done " + socket.data.sent + " " + socket.data.drains);
};
ws.message = (socket) => {
  socket.data.sent = 0;
  socket.data.drains = 0;
  flood(socket);
};
ws.drain = (socket) => {
  socket.data.drains++;
  flood(socket);
};
""",
    "ws/secret.ts": """// @mode worker
// @websocket
// @token s3cret-token
ws.open = (socket) => socket.send("in");
""",
    "ws/cors.ts": """// @mode worker
// @websocket
// @cors https://app.example
ws.open = (socket) => socket.send("in");
""",
    "ws/busy.ts": """// @mode worker
// @websocket
// @timeout 500
ws.open = (socket) => socket.send("ready");
ws.message = (socket, data) => {
  if (data === "spin") for (;;) {}
  socket.send(data);
};
""",
    "ws/picky.ts": """// @mode worker
// @websocket
if (query.key !== "yes") return new Response("no key", { status: 403 });
ws.open = (socket) => socket.send("welcome");
""",
    "ws/opener.ts": """// @mode worker
// @websocket
ws.open = (socket, upgrade) => {
  if (new URL(upgrade.url).searchParams.has("fail")) throw new Error("not today");
  socket.send("open");
};
return { open: ws.count() };
""",
    "client/stuck.ts": """// @timeout 1000
const socket = new WebSocket(String(query.url));
await new Promise(() => {});
""",
    "plain.ts": "return { plain: true };\n",
    "client/serverless.ts": CLIENT,
    "client/worker.ts": "// @mode worker\n" + CLIENT,
}


def write_scripts(root: Path) -> None:
    for relative, text in SCRIPTS.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture(scope="module")
def echo_server() -> Iterator[int]:
    """A plain WebSocket echo server (not hoody-exec) for the isolates' client."""

    def echo(conn: ServerConnection) -> None:
        for message in conn:
            conn.send(message)

    with serve(echo, "127.0.0.1", 0, subprotocols=["chat"]) as plain:  # type: ignore[list-item]
        thread = threading.Thread(target=plain.serve_forever, daemon=True)
        thread.start()
        yield plain.socket.getsockname()[1]
        plain.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, echo_server: int) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("websockets")
    write_scripts(root)
    log = tmp_path_factory.mktemp("websockets-log") / "server.log"
    srv = start_server(
        root,
        log,
        "--admin-token",
        ADMIN,
        "--ws-max-message",
        "4",
        "--ws-send-buffer",
        "64",
        "--ws-idle-timeout",
        "3",
        "--allow-fetch",
        f"127.0.0.1:{echo_server}",
    )
    yield srv
    srv.stop()


def url(server: Server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


async def closed_with(conn: ClientConnection, timeout: float = 15) -> tuple[int | None, str]:
    """Reads until the server closes; its close code and reason."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await conn.recv()
    except websockets.ConnectionClosed as closed:
        frame = closed.rcvd
        return (frame.code, frame.reason) if frame is not None else (None, "")


async def refused(uri: str, **kwargs: object) -> tuple[int, bytes]:
    with pytest.raises(websockets.InvalidStatus) as info:
        async with connect(uri, **kwargs):  # type: ignore[arg-type]
            pass
    return info.value.response.status_code, bytes(info.value.response.body or b"")


async def test_echo_text_and_binary_and_plain_http(server: Server) -> None:
    async with connect(url(server, "/ws/echo?name=ann")) as conn:
        assert await conn.recv() == "hello ann"
        await conn.send("hi")
        assert await conn.recv() == "hi"
        await conn.send(b"\x00\x01\xff")
        assert await conn.recv() == b"\x00\x01\xff"
        await asyncio.sleep(0.2)  # the replies have left: the next message reports it
        await conn.send("buffered?")
        assert await conn.recv() == "0"
        answer = server.client.get("/ws/echo").json()
        assert answer["open"] == 1
    # A plain request still runs the script.
    assert server.client.get("/plain").json() == {"plain": True}


async def test_a_thrown_handler_error_is_logged_with_its_line(server: Server) -> None:
    async with connect(url(server, "/ws/echo?name=bob")) as conn:
        await conn.recv()
        await conn.send("boom")
        await conn.send("still here")
        assert await conn.recv() == "still here"
    text = server.wait_for_log("ws.message failed: boom from ws.message")
    line = next(x for x in text.splitlines() if "boom from ws.message" in x)
    assert "line=8" in line and "script=ws/echo.ts" in line


async def test_messages_keep_their_order_and_errors_are_all_logged(server: Server) -> None:
    # Sent back to back, most reach the isolate in batches (server/websockets/batch.py).
    sent = [f"m{i}" if i not in (10, 30) else "boom" for i in range(200)]
    logged = server.log_text().count("boom from ws.message")
    async with connect(url(server, "/ws/echo?name=burst")) as conn:
        await conn.recv()
        await asyncio.gather(*(conn.send(m) for m in sent))
        echoed = [await conn.recv() for _ in range(198)]
    assert echoed == [m for m in sent if m != "boom"]
    deadline = time.monotonic() + 10
    while server.log_text().count("boom from ws.message") < logged + 2:
        assert time.monotonic() < deadline, server.log_text()[-2000:]
        await asyncio.sleep(0.05)


async def test_close_codes_both_ways(server: Server) -> None:
    async with connect(url(server, "/ws/echo?name=server-closes")) as conn:
        await conn.recv()
        await conn.send("close:4002")
        assert await closed_with(conn) == (4002, "asked to close")
    async with connect(url(server, "/ws/echo?name=client-closes")) as conn:
        await conn.recv()
        await conn.close(4001, "bye")
    deadline = time.monotonic() + 10
    while True:
        closes = {c["name"]: c for c in server.client.get("/ws/echo").json()["closes"]}
        if "client-closes" in closes or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert closes["client-closes"]["code"] == 4001
    assert closes["server-closes"] == {
        "name": "server-closes",
        "code": 4002,
        "reason": "asked to close",
    }


async def test_rooms_broadcast_and_except(server: Server) -> None:
    room = [await connect(url(server, "/ws/rooms?room=a")) for _ in range(3)]
    other = await connect(url(server, "/ws/rooms?room=b"))
    try:
        hellos = [json.loads(await c.recv()) for c in [*room, other]]
        assert [h["rooms"] for h in hellos] == [["a"], ["a"], ["a"], ["b"]]
        await room[0].send(json.dumps({"text": "to a", "room": "a"}))
        for conn in room:
            assert await conn.recv() == "to a"
        assert json.loads(await room[0].recv()) == {"sent": 3, "inRoom": 3, "all": 4}
        await room[1].send(json.dumps({"text": "not me", "room": "a", "exceptMe": True}))
        assert await room[0].recv() == "not me"
        assert await room[2].recv() == "not me"
        assert json.loads(await room[1].recv())["sent"] == 2
        # The socket in room b heard nothing of it.
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await other.recv()
        await other.send(json.dumps({"text": "everyone"}))
        for conn in [*room, other]:
            assert await conn.recv() == "everyone"
    finally:
        for conn in [*room, other]:
            await conn.close()


async def test_ping_pong_and_idle_timeout(server: Server) -> None:
    async with connect(url(server, "/ws/echo?name=idle"), ping_interval=None) as conn:
        assert await conn.recv() == "hello idle"
        pong = await conn.ping()
        await asyncio.wait_for(pong, 10)
        code, reason = await closed_with(conn, timeout=30)
    assert code == 1001 and "idle" in reason


async def test_a_slow_reader_gets_drain(server: Server) -> None:
    async with connect(url(server, "/ws/flood"), max_queue=1) as conn:
        await conn.send("go")
        await asyncio.sleep(1.0)  # not reading: the socket's send buffer (64 KiB) fills
        chunks = 0
        while True:
            message = await conn.recv()
            if isinstance(message, str):
                break
            assert len(message) == 16 * 1024
            chunks += 1
    _, sent, drains = message.split()
    assert chunks == int(sent) == 256
    # 4 MiB through a 64 KiB buffer: send() said "wait" and ws.drain resumed it.
    assert int(drains) >= 2


async def test_a_message_over_the_limit_closes_1009(server: Server) -> None:
    async with connect(url(server, "/ws/echo?name=big")) as conn:
        await conn.recv()
        await conn.send("x" * 4096)  # at the limit: fine
        assert len(await conn.recv()) == 4096
        await conn.send("x" * 5000)
        code, reason = await closed_with(conn)
    assert code == 1009 and "4096" in reason


async def test_token_on_the_upgrade(server: Server) -> None:
    status, body = await refused(url(server, "/ws/secret"))
    assert status == 401 and json.loads(body)["error"] == "unauthorized"
    assert (await refused(url(server, "/ws/secret?token=wrong")))[0] == 401
    async with connect(url(server, "/ws/secret?token=s3cret-token")) as conn:
        assert await conn.recv() == "in"
    async with connect(
        url(server, "/ws/secret"), additional_headers={"authorization": "Bearer s3cret-token"}
    ) as conn:
        assert await conn.recv() == "in"
    # Browsers: the token as an offered subprotocol, beside the one to select.
    async with connect(
        url(server, "/ws/secret"),
        subprotocols=["chat", "token.s3cret-token"],  # type: ignore[list-item]
    ) as conn:
        assert conn.subprotocol == "chat"
        assert await conn.recv() == "in"


async def test_origin_is_checked_against_cors(server: Server) -> None:
    status, body = await refused(url(server, "/ws/cors"), origin="https://evil.example")
    assert status == 403 and json.loads(body)["error"] == "origin_not_allowed"
    assert (await refused(url(server, "/ws/echo"), origin="https://evil.example"))[0] == 403
    for origin in ("https://app.example", f"http://127.0.0.1:{server.port}", None):
        async with connect(url(server, "/ws/cors"), origin=origin) as conn:  # type: ignore[arg-type]
            assert await conn.recv() == "in"


async def test_refusals_before_the_handshake(server: Server) -> None:
    status, body = await refused(url(server, "/plain"))
    assert status == 400 and json.loads(body)["error"] == "websocket_not_enabled"
    assert (await refused(url(server, "/nope")))[0] == 404
    # The script itself refuses by returning an error Response.
    status, body = await refused(url(server, "/ws/picky"))
    assert (status, body) == (403, b"no key")
    async with connect(url(server, "/ws/picky?key=yes")) as conn:
        assert await conn.recv() == "welcome"
    # A throw in ws.open refuses with the error JSON; that socket never counts.
    status, body = await refused(url(server, "/ws/opener?fail=1"))
    assert status == 500 and json.loads(body)["message"] == "not today"
    async with connect(url(server, "/ws/opener")) as conn:
        assert await conn.recv() == "open"
        assert server.client.get("/ws/opener").json() == {"open": 1}


async def test_a_file_change_closes_sockets_with_1012(server: Server) -> None:
    source = "// @mode worker\n// @websocket\nws.open = (socket) => socket.send('{v}');\n"
    server.write("ws/versioned.ts", source.replace("{v}", "v1"))
    assert server.get_when_routable("/ws/versioned").status_code == 204
    async with connect(url(server, "/ws/versioned")) as conn:
        assert await conn.recv() == "v1"
        server.write("ws/versioned.ts", source.replace("{v}", "v2"))
        code, reason = await closed_with(conn)
    assert code == 1012 and "changed" in reason
    async with connect(url(server, "/ws/versioned")) as conn:
        assert await conn.recv() == "v2"


async def test_a_busy_handler_is_ended_and_other_sockets_stay(server: Server) -> None:
    async with (
        connect(url(server, "/ws/echo?name=bystander")) as bystander,
        connect(url(server, "/ws/busy")) as busy,
    ):
        await bystander.recv()
        assert await busy.recv() == "ready"
        await busy.send("spin")
        code, reason = await closed_with(busy)
        assert code == 1011 and "ended" in reason
        await bystander.send("alive?")
        assert await bystander.recv() == "alive?"
    assert "WebSocket handler passed its @timeout" in server.wait_for_log("passed its @timeout")
    # The next connection gets a new isolate.
    async with connect(url(server, "/ws/busy")) as again:
        assert await again.recv() == "ready"


async def test_monitor_lists_open_sockets(server: Server) -> None:
    async with connect(url(server, "/ws/echo?name=listed")) as conn:
        await conn.recv()
        answer = server.client.get(
            "/api/v1/exec/monitor/active-requests", headers={"x-token": ADMIN}
        ).json()
        mine = [s for s in answer["sockets"] if s["script"] == "ws/echo.ts"]
        assert len(mine) == 1 and mine[0]["path"] == "/ws/echo"
        assert answer["sockets_by_script"]["ws/echo.ts"] == 1
        metrics = server.client.get("/api/v1/exec/monitor/metrics", headers={"x-token": ADMIN}).text
    gauge = [x for x in metrics.splitlines() if x.startswith("hoody_exec_websocket_connections{")]
    assert any('script="ws/echo.ts"' in x and x.endswith(" 1.0") for x in gauge), gauge
    assert "hoody_exec_websocket_messages_total" in metrics


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_1000_connections_held_then_the_limit_and_shutdown(tmp_path: Path) -> None:
    # 1,000 sockets on each side: the file limit must allow them (the server inherits it).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < 2 * 1000 + 200:
            pytest.skip(f"the open-file limit ({hard}) is below 1,000 sockets per side")
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    (tmp_path / "hold.ts").write_text(
        "// @mode worker\n// @websocket\n"
        "ws.message = (socket, data) => socket.send(data + ' ' + ws.count());\n"
    )
    srv = start_server(tmp_path, tmp_path / "server.log", "--ws-max-connections", "1000")
    conns: list[ClientConnection] = []
    try:
        target = url(srv, "/hold")
        for _ in range(10):
            conns += await asyncio.gather(*(connect(target) for _ in range(100)))
        status, body = await refused(target)
        assert status == 503
        assert json.loads(body)["limit"] == "websocket_connections"
        await asyncio.sleep(10)
        await asyncio.gather(*(c.send("n") for c in conns))
        answers = await asyncio.gather(*(c.recv() for c in conns))
        assert set(answers) == {"n 1000"}
        srv.process.send_signal(2)  # SIGINT: every socket hears 1001 first
        codes = await asyncio.gather(*(closed_with(c) for c in conns))
        assert {code for code, _ in codes} == {1001}
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
        srv.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize("mode", ["serverless", "worker"])
def test_the_isolate_client_talks_to_a_websocket_script(server: Server, mode: str) -> None:
    target = f"ws://127.0.0.1:{server.port}/ws/echo?name=isolate"
    answer = server.client.get(f"/client/{mode}", params={"url": target, "until": "4"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "got": ["open 1 ", "hello isolate", "ping", [1, 2, 3]],
        "code": 4000,
        "reason": "enough",
        "clean": True,
        "state": 3,
    }


@pytest.mark.parametrize("mode", ["serverless", "worker"])
def test_the_isolate_client_talks_to_a_plain_echo_server(
    server: Server, echo_server: int, mode: str
) -> None:
    target = f"ws://127.0.0.1:{echo_server}/"
    params = {"url": target, "until": "3", "protocol": "chat"}
    answer = server.client.get(f"/client/{mode}", params=params)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["got"] == ["open 1 chat", "ping", [1, 2, 3]]
    assert (result["code"], result["clean"]) == (4000, True)


def test_the_isolate_client_follows_the_egress_rules(server: Server, echo_server: int) -> None:
    # Loopback beyond this server and the allowed echo server is refused, as for fetch.
    target = f"ws://127.0.0.2:{echo_server}/"
    answer = server.client.get("/client/serverless", params={"url": target, "until": "1"})
    result = answer.json()
    assert result["code"] == 1006 and result["clean"] is False
    [error] = result["got"]
    assert "WebSocket to 127.0.0.2" in error and "--allow-fetch" in error


def test_serve_warns_when_workers_split_the_sockets(tmp_path: Path) -> None:
    (tmp_path / "chat.ts").write_text("// @mode worker\n// @websocket\nreturn 1;\n")
    srv = start_server(tmp_path, tmp_path / "server.log", "--workers", "2")
    try:
        text = srv.log_text()
    finally:
        srv.stop()
    assert "--workers 2 with @websocket scripts (chat.ts)" in text
    assert "reach only the clients connected to the same process" in text


def test_the_isolate_client_ends_with_the_serverless_timeout(server: Server) -> None:
    target = f"ws://127.0.0.1:{server.port}/ws/echo?name=stuck"
    answer = server.client.get("/client/stuck", params={"url": target})
    assert answer.status_code == 504
    deadline = time.monotonic() + 10
    while True:
        closes = {c["name"]: c for c in server.client.get("/ws/echo").json()["closes"]}
        if "stuck" in closes or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert closes["stuck"]["code"] == 1001
