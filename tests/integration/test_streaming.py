"""Streamed responses (SPEC §2.3): ReadableStream, Response(stream), async generators
as Server-Sent Events, client disconnects, and script-to-script composition.

Timing assertions are generous: the fixtures wait 500 ms between their chunks, so
"the first chunk arrived before the script could have finished" is the bound.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .conftest import FIXTURES, Server, start_server


def timed_chunks(
    client: httpx.Client, path: str
) -> tuple[httpx.Response, list[tuple[float, bytes]]]:
    """The response and its body chunks with their arrival time (seconds since the request)."""
    started = time.monotonic()
    chunks: list[tuple[float, bytes]] = []
    with client.stream("GET", path) as response:
        for chunk in response.iter_raw():
            chunks.append((time.monotonic() - started, chunk))
    return response, chunks


def arrival(chunks: list[tuple[float, bytes]], needle: bytes) -> float:
    """When the body received so far first contained `needle`."""
    seen = b""
    for at, chunk in chunks:
        seen += chunk
        if needle in seen:
            return at
    raise AssertionError(f"{needle!r} never arrived in {seen!r}")


def events(text: str) -> list[str]:
    """The `data:` payloads of an SSE body, heartbeat comments left out."""
    out = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if lines:
            out.append("\n".join(line.removeprefix("data: ") for line in lines))
    return out


# ---------------------------------------------------------------- streaming as produced
def test_sse_first_event_arrives_before_the_script_ends(client):
    response, chunks = timed_chunks(client, "/streaming/slow_sse")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert "content-length" not in response.headers
    a, b = arrival(chunks, b"data: a\n\n"), arrival(chunks, b"data: b\n\n")
    # The script sleeps 500 ms between the two: "a" must not wait for it.
    assert b - a > 0.3, chunks
    assert b >= 0.45, chunks


def test_readable_stream_is_streamed(client):
    response, chunks = timed_chunks(client, "/streaming/slow_stream")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert b"".join(c for _, c in chunks) == b"first;second"
    assert arrival(chunks, b"second") - arrival(chunks, b"first;") > 0.3, chunks


def test_response_with_stream_body_keeps_status_and_headers(client):
    response, chunks = timed_chunks(client, "/streaming/slow_response")
    assert response.status_code == 201
    assert response.headers["x-streamed"] == "yes"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["transfer-encoding"] == "chunked"
    assert b"".join(c for _, c in chunks) == b"part1\npart2\npart3\n"
    # part2 and part3 each come 300 ms later.
    assert arrival(chunks, b"part3") - arrival(chunks, b"part1") > 0.4, chunks


def test_fast_producer_is_paced_and_complete(client):
    # 200 x 64 KiB from a pull source: backpressure keeps it bounded, all of it arrives.
    response = client.get("/streaming/flood")
    assert response.status_code == 200
    assert len(response.content) == 200 * 65536
    assert set(response.content) == {ord("x")}


def test_existing_collected_forms_still_work(client):
    assert client.get("/responses/stream").content == b"chunk1,chunk2"
    assert client.get("/responses/sse").text == 'data: hello\n\ndata: {"n":2}\n\n'


def test_head_of_a_stream_has_no_body(client):
    response = client.head("/streaming/slow_sse")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.content == b""


# ---------------------------------------------------------------- SSE format
def test_sse_encoding(client):
    response = client.get("/streaming/events")
    assert response.text == (
        "data: plain\n\n"
        "data: two\ndata: lines\n\n"
        'data: {"n":1,"s":"x"}\n\n'
        "data: [1,2]\n\n"
        "data: 42\n\n"
        "data: null\n\n"
    )
    assert events(response.text) == [
        "plain",
        "two\nlines",
        '{"n":1,"s":"x"}',
        "[1,2]",
        "42",
        "null",
    ]


def test_generator_error_ends_the_stream_and_is_logged(server, client):
    response = client.get("/streaming/broken")
    assert response.status_code == 200
    assert response.text == "data: ok\n\n"
    log = server.wait_for_log(response.headers["x-request-id"], "broke mid-stream")
    assert "broke mid-stream" in log


def test_failed_byte_stream_is_a_truncated_transfer(server, client):
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("GET", "/streaming/broken_stream") as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk
    assert received == b"partial"
    log = server.wait_for_log(response.headers["x-request-id"], "source failed")
    assert "RangeError: source failed" in log


def test_timeout_covers_the_whole_streamed_response(server, client):
    started = time.monotonic()
    response = client.get("/streaming/timeout")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert events(response.text)[:2] == ["0", "1"]
    assert elapsed < 5, elapsed  # @timeout 700: cut off, not endless
    log = server.wait_for_log(response.headers["x-request-id"], "@timeout")
    assert "@timeout of 700 ms" in log


# ---------------------------------------------------------------- heartbeats
@pytest.fixture(scope="module")
def heartbeat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("heartbeat")
    shutil.copytree(FIXTURES / "streaming", root / "streaming")
    logs: Path = tmp_path_factory.mktemp("heartbeat-logs") / "server.log"
    srv = start_server(root, logs, env={"HOODY_EXEC_SSE_HEARTBEAT": "0.2"})
    yield srv
    srv.stop()


def test_heartbeats_while_idle(heartbeat_server):
    response = heartbeat_server.client.get("/streaming/idle")
    text = response.text
    # 1.2 s idle with a 0.2 s interval: several `: ping` comments between the events.
    assert text.startswith("data: start\n\n"), text
    assert text.endswith("data: end\n\n"), text
    assert text.count(": ping\n\n") >= 3, text
    assert events(text) == ["start", "end"]


def test_no_heartbeat_when_busy(client):
    # The session server keeps the 15 s default: a quick stream has none.
    assert ": ping" not in client.get("/streaming/slow_sse").text


# ---------------------------------------------------------------- disconnects
def read_some_then_leave(server: Server, path: str, events_wanted: int = 2) -> None:
    with (
        httpx.Client(base_url=server.url, timeout=10) as own,
        own.stream("GET", path) as response,
    ):
        assert response.status_code == 200
        seen = 0
        for line in response.iter_lines():
            if line.startswith("data:"):
                seen += 1
                if seen >= events_wanted:
                    break
    # Leaving the blocks closes the connection mid-stream.


def test_disconnect_closes_the_generator_worker(server, client):
    ident = uuid.uuid4().hex[:8]
    read_some_then_leave(server, f"/streaming/forever?id={ident}")
    deadline = time.monotonic() + 5
    while not client.get(f"/streaming/forever?check={ident}").json()["closed"]:
        assert time.monotonic() < deadline, "the generator's finally did not run"
        time.sleep(0.05)
    assert f"generator closed {ident}" in server.wait_for_log(f"generator closed {ident}")


def test_disconnect_closes_the_generator_and_frees_the_isolate_serverless(server, client):
    ident = uuid.uuid4().hex[:8]
    read_some_then_leave(server, f"/streaming/forever_serverless?id={ident}")
    log = server.wait_for_log(f"serverless generator closed {ident}")
    assert f"serverless generator closed {ident}" in log
    # The request line records the disconnect, and nothing stays active.
    assert "client disconnected" in server.wait_for_log("client disconnected")
    deadline = time.monotonic() + 5
    while client.get("/api/v1/exec/health").json()["active_requests"] != 0:
        assert time.monotonic() < deadline, "the streamed call never ended"
        time.sleep(0.05)


# ---------------------------------------------------------------- composition
def test_serverless_script_fetches_scripts_of_the_same_server(client):
    body = client.get("/composition/caller", params={"count": 5}).json()
    assert body["results"] == [{"from": "callee", "n": str(i)} for i in range(5)]
    assert body["worker"]["depth"] == 1
    assert [c["self"] for c in body["worker"]["children"]] == [{"leaf": True}] * 3


def test_worker_script_calls_itself_concurrently(client):
    body = client.get("/composition/worker", params={"depth": 2, "width": 3}).json()
    assert body["depth"] == 2
    assert len(body["children"]) == 3
    for child in body["children"]:
        assert child["self"]["depth"] == 1
        assert [c["self"] for c in child["self"]["children"]] == [{"leaf": True}] * 3
        assert child["other"]["from"] == "callee"


def test_concurrent_composition_in_both_modes(client):
    paths = ["/composition/caller?count=3", "/composition/worker?depth=1&width=4"] * 4
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(client.get, paths))
    assert [r.status_code for r in responses] == [200] * len(paths), [r.text for r in responses]


def test_streamed_response_of_another_script_streams_through(client):
    response, chunks = timed_chunks(client, "/composition/proxy")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert arrival(chunks, b"data: b") - arrival(chunks, b"data: a") > 0.3, chunks
    # One request id, this request's (not the inner script's as well).
    assert len(response.headers.get_list("x-request-id")) == 1


def test_worker_stream_timeout_closes_the_generator_and_keeps_the_worker(server, client):
    before = client.get("/streaming/worker_timeout?check=1").json()
    response = client.get("/streaming/worker_timeout")
    assert events(response.text)[:2] == ["0", "1"]
    log = server.wait_for_log(response.headers["x-request-id"], "@timeout")
    assert "the stream was closed" in log
    after = client.get("/streaming/worker_timeout?check=1").json()
    # Same isolate (state kept: visits counted on), and the generator's finally ran.
    assert after == {"visits": before["visits"] + 2, "closed": before["closed"] + 1}


def test_an_open_event_stream_does_not_hold_the_shutdown(tmp_path: Path) -> None:
    root = tmp_path / "scripts"
    shutil.copytree(FIXTURES / "streaming", root / "streaming")
    srv = start_server(root, tmp_path / "server.log")
    reading = threading.Event()

    def read_forever() -> None:
        with (
            contextlib.suppress(httpx.HTTPError),
            httpx.Client(base_url=srv.url, timeout=30) as own,
            own.stream("GET", "/streaming/forever_serverless?id=shutdown") as response,
        ):
            for _ in response.iter_lines():
                reading.set()

    reader = threading.Thread(target=read_forever, daemon=True)
    reader.start()
    try:
        assert reading.wait(10)
        started = time.monotonic()
        srv.process.send_signal(signal.SIGINT)
        srv.process.wait(timeout=20)
        assert time.monotonic() - started < 15
    finally:
        srv.stop()
        reader.join(5)
