"""Smaller faults (issue 11 §5) and slow clients (§3), against a real server.

The server here serves a copy of tests/fixtures/scripts/faults with a short
`--body-timeout`, so slow-body cases end in about a second.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .conftest import FIXTURES, Server, start_server

ADMIN = "faults-admin-token"
BODY_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(FIXTURES / "faults", root / "faults")
    server = start_server(
        root,
        tmp_path_factory.mktemp("faults-log") / "server.log",
        "--admin-token",
        ADMIN,
        "--body-timeout",
        str(BODY_TIMEOUT_S),
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{srv.url}/api/v1/exec", headers={"authorization": f"Bearer {ADMIN}"}, timeout=30
    ) as client:
        yield client


# ---------------------------------------------------------------- saves in place


def _program(n: int) -> str:
    # Long enough that a half-written copy is a syntax error, not a shorter script.
    rows = "".join(f"  k{i}: {i},\n" for i in range(40))
    return f"const table = {{\n{rows}}};\nreturn 'v{n}:' + Object.keys(table).length;\n"


def test_file_saved_in_place_is_never_served_half_written(srv: Server) -> None:
    path = srv.root / "faults" / "inplace.ts"
    srv.write("faults/inplace.ts", _program(0))
    assert srv.get_when_routable("/faults/inplace").text == "v0:40"
    stop = threading.Event()

    def rewrite() -> None:
        # What an editor saving in place does: truncate, then write in pieces.
        n = 0
        while not stop.is_set():
            n += 1
            text = _program(n)
            with path.open("w") as file:
                time.sleep(0.003)
                file.write(text[: len(text) // 2])
                file.flush()
                time.sleep(0.003)
                file.write(text[len(text) // 2 :])
            time.sleep(0.04)

    writer = threading.Thread(target=rewrite)
    writer.start()
    statuses: Counter[int] = Counter()
    wrong: list[str] = []
    try:
        deadline = time.monotonic() + 60
        for _ in range(300):
            response = srv.client.get("/faults/inplace")
            statuses[response.status_code] += 1
            if response.status_code != 200 or not re.fullmatch(r"v\d+:40", response.text):
                wrong.append(f"{response.status_code} {response.text[:120]}")
            if time.monotonic() > deadline:
                break
    finally:
        stop.set()
        writer.join()
    assert wrong == [], f"{statuses}: {wrong[:5]}"
    assert statuses[200] >= 100


def test_a_broken_save_is_reported_once_it_has_settled(srv: Server) -> None:
    srv.write("faults/broken_later.ts", "return 'good';\n")
    assert srv.get_when_routable("/faults/broken_later").text == "good"
    srv.write("faults/broken_later.ts", "return 'oops\n")
    deadline = time.monotonic() + 5
    while True:
        response = srv.client.get("/faults/broken_later")
        if response.status_code != 200 or time.monotonic() > deadline:
            break
        assert response.text == "good"  # the last good build, while the save may go on
        time.sleep(0.05)
    assert response.status_code == 500
    assert response.json()["error"] == "load_error"


def test_a_script_emptied_on_purpose_answers_204_once_settled(srv: Server) -> None:
    srv.write("faults/emptied.ts", "return 'full';\n")
    assert srv.get_when_routable("/faults/emptied").text == "full"
    srv.write("faults/emptied.ts", "")
    deadline = time.monotonic() + 5
    while (response := srv.client.get("/faults/emptied")).status_code == 200:
        assert response.text == "full"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert response.status_code == 204


# ---------------------------------------------------------------- methods


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "trace"])
def test_trace_and_track_are_405_with_allow(srv: Server, method: str) -> None:
    response = srv.client.request(method, "/faults/echo")
    assert response.status_code == 405, response.text
    assert "GET" in response.headers["allow"] and "POST" in response.headers["allow"]
    body = response.json()
    assert body["error"] == "method_not_allowed"
    assert "TRACE" in body["message"]


def _raw_request(port: int, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        while length is not None and len(rest) < int(length.group(1)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return head + b"\r\n\r\n" + rest


def test_connect_is_405(srv: Server) -> None:
    answer = _raw_request(
        srv.port, b"CONNECT /faults/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 405"), answer[:200]
    assert b"method_not_allowed" in answer


@pytest.mark.parametrize("method", ["PROPFIND", "PURGE", "PATCH"])
def test_other_methods_reach_the_script(srv: Server, method: str) -> None:
    response = srv.client.request(method, "/faults/echo")
    assert response.status_code == 200, response.text
    assert response.json()["method"] == method


# ---------------------------------------------------------------- file names in the API


def _invalid_path(response: httpx.Response, needle: str) -> dict[str, object]:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_path"
    assert needle in error["message"], error["message"]
    return error


def test_a_300_character_name_is_400_with_the_limit(api: httpx.Client) -> None:
    name = "a" * 300 + ".ts"
    error = _invalid_path(
        api.post("/scripts/write", json={"path": name, "content": "return 1;"}), "255 bytes"
    )
    details = error["details"]
    assert isinstance(details, dict)
    assert details["max_name_bytes"] == 255 and details["name_bytes"] == 303
    # Bytes, not characters: 200 'é' are 400 bytes.
    _invalid_path(
        api.post("/scripts/write", json={"path": "é" * 200 + ".ts", "content": "return 1;"}),
        "255 bytes",
    )
    for operation, payload in [
        ("/scripts/move", {"path": "faults/echo.ts", "to": name}),
        ("/scripts/delete", {"path": name}),
    ]:
        method = "DELETE" if operation.endswith("delete") else "POST"
        _invalid_path(api.request(method, operation, json=payload), "255 bytes")
    _invalid_path(api.get("/scripts/read", params={"path": name}), "255 bytes")


def test_a_name_of_exactly_255_bytes_is_written(api: httpx.Client, srv: Server) -> None:
    name = "faults/" + "b" * 252 + ".ts"
    response = api.post("/scripts/write", json={"path": name, "content": "return 'long';"})
    assert response.status_code == 200, response.text
    assert (srv.root / name).read_text() == "return 'long';"
    assert srv.get_when_routable("/" + name[:-3]).text == "long"


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("a\x00b.ts", "NUL"),
        ("a\nb.ts", "control characters"),
        ("tab\there.ts", "control characters"),
        ("/".join(["d"] * 65) + ".ts", "64 segments"),
        ("/".join(["é" * 100] * 6) + ".ts", "1024 bytes"),
        ("x" * 1100 + ".ts", "1024 bytes"),
    ],
    ids=["nul", "newline", "tab", "too-deep", "too-long-bytes", "too-long"],
)
def test_bad_file_names_are_400_with_what_is_allowed(
    api: httpx.Client, path: str, needle: str
) -> None:
    _invalid_path(api.post("/scripts/write", json={"path": path, "content": "return 1;"}), needle)


def test_a_lone_surrogate_in_a_path_is_400(api: httpx.Client) -> None:
    # No file system can store it; the JSON decoder refuses it before the path check.
    raw = b'{"path": "bad\\ud800.ts", "content": "return 1;"}'
    response = api.post("/scripts/write", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] in ("invalid_json", "invalid_path")
    assert "surrogate" in error["message"]


def test_a_deep_path_within_the_limit_is_written(api: httpx.Client) -> None:
    path = "faults/" + "/".join(["d"] * 60) + "/deep.ts"
    response = api.post("/scripts/write", json={"path": path, "content": "return 'deep';"})
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- worker 504 breakdown


def test_worker_timeout_says_the_time_was_spent_running(srv: Server) -> None:
    srv.get_when_routable("/faults/echo")
    response = srv.client.get("/faults/worker_spin")
    assert response.status_code == 504, response.text
    body = response.json()
    assert body["queued_ms"] < 100
    assert body["running_ms"] >= 200
    assert "running the script" in body["message"]
    assert "waiting in the @concurrent queue" not in body["message"]
    assert set(body["timings_ms"]) <= {"prepare", "isolate", "run"}


# ---------------------------------------------------------------- thrown values


@pytest.mark.parametrize(
    ("script", "message", "line"),
    [
        ("throw_number", "Uncaught 42", 1),
        ("throw_string", "Uncaught text", 2),
        ("throw_object", 'Uncaught {"a":1}', 1),
        ("throw_null", "Uncaught null", 1),
        # No throw statement of the user's: nothing records a position.
        ("reject_number", "Uncaught 42", None),
        ("throw_module", "Uncaught nope", 3),
    ],
)
def test_a_thrown_non_error_is_reported_as_what_it_is(
    srv: Server, script: str, message: str, line: int | None
) -> None:
    response = srv.client.get(f"/faults/{script}")
    assert response.status_code == 500, response.text
    body = response.json()
    assert body["error"] == "ThrownValue"
    assert body["message"] == message
    assert body["script"] == f"faults/{script}.ts"
    assert body["line"] == line, body


def test_a_thrown_error_keeps_its_name_and_line(srv: Server) -> None:
    body = srv.client.get("/faults/throw_error").json()
    assert (body["error"], body["message"], body["line"]) == ("RangeError", "here", 2)


@pytest.mark.parametrize(
    ("script", "error", "line"),
    [
        # raised by the runtime's glue after the script returned: blames the `return`
        ("return_function", "TypeError", 4),
        # raised by the prelude's fetch: blames the user's `await fetch(…)`
        ("fetch_refused", "TypeError", 3),
    ],
)
def test_errors_the_runtime_raises_name_the_users_line(
    srv: Server, script: str, error: str, line: int
) -> None:
    body = srv.client.get(f"/faults/{script}").json()
    assert (body["error"], body["script"], body["line"]) == (error, f"faults/{script}.ts", line), (
        body
    )
    assert "stack" not in body  # frames (the runtime's too) only under @log-level debug


# ---------------------------------------------------------------- slow clients


def _slow_post(
    port: int, path: str, sent: bytes = b"abc", promised: int = 100
) -> tuple[float, bytes]:
    """POST promising `promised` bytes, send `sent`, then nothing: the answer and when."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            f"Authorization: Bearer {ADMIN}\r\nContent-Length: {promised}\r\n\r\n".encode()
            + sent
        )
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: *(\d+)", head)
            if length is not None and len(rest) >= int(length.group(1)):
                break
        return time.monotonic() - started, data


def _json_of(answer: bytes) -> dict[str, object]:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def test_a_slow_body_counts_toward_the_script_timeout(srv: Server) -> None:
    srv.get_when_routable("/faults/timeout_body")
    took, answer = _slow_post(srv.port, "/faults/timeout_body")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    body = _json_of(answer)
    assert body["limit"] == "timeout" and body["configured"] == 500
    assert body["received_bytes"] == 3 and body["expected_bytes"] == 100
    assert "@timeout" in str(body["setting"])
    assert 0.4 < took < BODY_TIMEOUT_S + 0.5


def test_a_slow_body_stops_at_the_server_body_timeout(srv: Server) -> None:
    srv.get_when_routable("/faults/unlimited_body")
    took, answer = _slow_post(srv.port, "/faults/unlimited_body")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    body = _json_of(answer)
    assert body["limit"] == "body_timeout"
    assert body["configured"] == BODY_TIMEOUT_S * 1000
    assert "--body-timeout" in str(body["setting"])
    assert BODY_TIMEOUT_S - 0.1 < took < BODY_TIMEOUT_S + 2


def test_a_slow_management_body_is_408(srv: Server) -> None:
    took, answer = _slow_post(srv.port, "/api/v1/exec/scripts/write", sent=b'{"pa')
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    error = _json_of(answer)["error"]
    assert isinstance(error, dict)
    assert error["code"] == "body_timeout"
    assert error["details"]["received_bytes"] == 4
    assert took < BODY_TIMEOUT_S + 2


def test_many_slow_clients_are_all_cut_off_and_others_are_served(srv: Server) -> None:
    with ThreadPoolExecutor(50) as pool:
        slow = [pool.submit(_slow_post, srv.port, "/faults/unlimited_body") for _ in range(50)]
        time.sleep(0.2)
        # Served meanwhile: the slow clients hold nothing others need.
        assert (
            srv.client.post(
                "/faults/echo", content=b"hi", headers={"content-type": "text/plain"}
            ).json()["body"]
            == "hi"
        )
        answers = [future.result() for future in slow]
    assert all(answer.startswith(b"HTTP/1.1 408") for _, answer in answers)
    assert max(took for took, _ in answers) < BODY_TIMEOUT_S + 5


def test_a_whole_body_in_time_is_served(srv: Server) -> None:
    response = srv.client.post(
        "/faults/timeout_body", content=b"x" * 100, headers={"content-type": "text/plain"}
    )
    assert response.json() == {"received": "x" * 100}


def test_body_timeout_is_a_serve_option(tmp_path: Path) -> None:
    from .conftest import run_cli

    result = run_cli("serve", "--help")
    assert "--body-timeout" in result.stdout
    result = run_cli("serve", str(tmp_path), "--body-timeout", "0")
    assert result.returncode != 0
    assert "body-timeout" in result.stderr
