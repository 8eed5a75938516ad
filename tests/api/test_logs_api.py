"""logs: list, read, stream (SSE), search, clear — over real HTTP against a running server."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from api.conftest import ADMIN_TOKEN, PREFIX, error, ok
from hoody_exec.api.logs import ClearResult, LogList, LogPage, SearchResult
from integration.conftest import FIXTURES, Server, start_server

LEAK_TOKEN = "leak-literal-token-4821"
COOKIE_SECRET = "cookie-secret-5555"


def wait_for(fetch: Callable[[], LogPage], ready: Callable[[LogPage], bool]) -> LogPage:
    """Request lines are written after the response has gone out: poll a little."""
    deadline = time.monotonic() + 10
    while True:
        page = fetch()
        if ready(page) or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def read(api: httpx.Client, **params: Any) -> LogPage:
    return ok(api.get("/logs/read", params=params), LogPage)


def by_rid(api: httpx.Client, rid: str, count: int = 1) -> LogPage:
    return wait_for(
        lambda: read(api, request_id=rid, order="oldest"),
        lambda page: sum(e.source == "request" for e in page.entries) >= count,
    )


@pytest.fixture(scope="module")
def scripts(api_server) -> None:
    api_server.write("logs_case/page.ts", "return 'page';\n")
    api_server.write(
        "logs_case/leak.ts",
        f"// @log-level full\n// @token {LEAK_TOKEN}\n"
        "console.log('headers', JSON.stringify(headers));\n"
        "console.log('url was', request.url);\n"
        "console.log(query.token);\n"
        "console.log('admin', headers['x-admin']);\n"
        "return 'ok';\n",
    )
    api_server.write("logs_case/slow.ts", "console.log('a'.repeat(40) + '!');\nreturn 'slow';\n")
    for path in ("/logs_case/page", "/logs_case/slow"):
        assert api_server.get_when_routable(path).status_code == 200


def test_request_and_script_lines_are_stored(api, api_server):
    rid = api_server.client.get("/request/log").headers["x-request-id"]
    page = wait_for(
        lambda: read(api, request_id=rid, order="oldest"),
        lambda p: {"request", "js"} <= {e.source for e in p.entries},
    )
    request = next(e for e in page.entries if e.source == "request")
    assert request.script == "request/log.ts" and request.request_id == rid
    assert request.message == "request" and request.level == "info"
    assert request.fields["status"] == 200 and "duration_ms" in request.fields
    assert request.fields["route"] == "/request/log" and isinstance(request.pid, int)
    messages = {e.message for e in page.entries if e.source == "js"}
    assert {"console line from script", "structured line"} <= messages
    assert all(e.request_id == rid for e in page.entries)


def test_level_source_and_script_filters(api, api_server):
    rid = api_server.client.get("/errors/throw").headers["x-request-id"]
    page = by_rid(api, rid)
    failed = [e for e in page.entries if e.source == "request"]
    assert failed and failed[0].level == "error" and failed[0].fields["status"] == 500
    errors = read(api, script="errors/throw.ts", level="error", limit=1000)
    assert rid in {e.request_id for e in errors.entries}
    assert all(e.level in ("error", "critical") for e in errors.entries)
    assert not read(api, request_id=rid, level="critical").entries
    only_requests = read(api, source="request", limit=50)
    assert only_requests.entries and all(e.source == "request" for e in only_requests.entries)
    management = read(api, source="management", limit=5)
    assert all(e.fields.get("path", "").startswith(PREFIX) for e in management.entries)


def _page_all(api: httpx.Client, **params: Any) -> tuple[list[str], str | None]:
    seen: list[str] = []
    cursor = None
    while True:
        page = read(api, **params, **({"cursor": cursor} if cursor else {}))
        seen += [e.request_id or "" for e in page.entries]
        cursor = page.next_cursor
        if not page.more:
            return seen, cursor


def test_pagination_without_duplicates_or_gaps(api, api_server, scripts):
    rids = [api_server.client.get("/logs_case/page").headers["x-request-id"] for _ in range(12)]
    by_rid(api, rids[-1])
    common = {"script": "logs_case/page.ts", "source": "request", "limit": 5}
    newest, end = _page_all(api, **common, order="newest")
    assert newest[:12] == rids[::-1] and len(newest) == len(set(newest))
    assert end is None
    oldest, cursor = _page_all(api, **common, order="oldest")
    assert oldest[-12:] == rids and len(oldest) == len(set(oldest))
    # Lines written later continue where the oldest-first cursor stopped.
    later = [api_server.client.get("/logs_case/page").headers["x-request-id"] for _ in range(2)]
    by_rid(api, later[-1])
    page = read(api, **common, order="oldest", cursor=cursor)
    assert [e.request_id for e in page.entries] == later


def test_time_range(api, api_server, scripts):
    rid = api_server.client.get("/logs_case/page").headers["x-request-id"]
    page = by_rid(api, rid)
    stamp = page.entries[0].timestamp
    assert read(api, request_id=rid, since="15m").entries
    assert read(api, request_id=rid, since=stamp, until=stamp).entries
    assert not read(api, request_id=rid, since=time.time() + 60).entries
    assert not read(api, request_id=rid, until="2020-01-01T00:00:00Z").entries
    assert read(
        api, request_id=rid, since="2020-01-01T00:00:00", until=str(time.time() + 5)
    ).entries


@pytest.mark.parametrize(
    "params",
    [
        {"limit": -1},
        {"limit": 0},
        {"limit": 1001},
        {"since": "yesterday-ish"},
        {"until": "nan"},
        {"since": "1h", "until": "2h"},
        {"level": "loud"},
        {"source": "elsewhere"},
        {"cursor": "abc"},
        {"order": "sideways"},
        {"unknown": "1"},
    ],
)
def test_bad_read_inputs(api, params):
    error(api.get("/logs/read", params=params), 422, "validation_error")


def test_search_text_regex_and_bad_regex(api, api_server):
    rid = api_server.client.get("/request/log").headers["x-request-id"]
    by_rid(api, rid)
    text = ok(
        api.post("/logs/search", json={"query": "CONSOLE LINE", "request_id": rid}), SearchResult
    )
    assert [e.message for e in text.entries] == ["console line from script"]
    exact = {"query": "CONSOLE LINE", "request_id": rid, "case_sensitive": True}
    assert ok(api.post("/logs/search", json=exact), SearchResult).count == 0
    pattern = {"query": r"^structured\s+line\b.*\bjs_k=1\b", "regex": True, "request_id": rid}
    found = ok(api.post("/logs/search", json=pattern), SearchResult)
    assert [e.message for e in found.entries] == ["structured line"]
    # key=value text: the request line's fields
    fields = {"query": "status=200", "request_id": rid, "source": "request"}
    assert ok(api.post("/logs/search", json=fields), SearchResult).count == 1
    bad = error(api.post("/logs/search", json={"query": "(unclosed", "regex": True}), 400)
    assert bad["code"] == "invalid_regex" and "position" in bad["details"]
    error(api.post("/logs/search", json={"query": ""}), 422)
    error(api.post("/logs/search", json={"query": "x", "limit": -5}), 422)


def test_catastrophic_regex_is_bounded(api, api_server, scripts):
    rid = api_server.client.get("/logs_case/slow").headers["x-request-id"]
    by_rid(api, rid)
    started = time.monotonic()
    body = {"query": "(a|aa)+$", "regex": True, "request_id": rid}
    result = ok(api.post("/logs/search", json=body), SearchResult)
    assert time.monotonic() - started < 5
    assert result.gave_up >= 1 and result.count == 0


def test_secrets_never_stored(api, api_server, scripts):
    response = api_server.client.get(
        f"/logs_case/leak?token={LEAK_TOKEN}&page=2",
        headers={
            "authorization": f"Bearer {LEAK_TOKEN}",
            "cookie": f"session={COOKIE_SECRET}",
            "x-admin": ADMIN_TOKEN,
        },
    )
    assert response.status_code == 200
    rid = response.headers["x-request-id"]
    page = wait_for(
        lambda: read(api, request_id=rid, order="oldest"),
        lambda p: len(p.entries) >= 5,
    )
    assert len(page.entries) >= 5, page
    request = next(e for e in page.entries if e.source == "request")
    assert request.fields["request_headers"]["authorization"] == "[redacted]"
    assert request.fields["query"] == "token=[redacted]&page=2"
    stored = "".join(p.read_text() for p in (api_server.root / ".hoody" / "logs").glob("*.jsonl"))
    assert rid in stored
    for secret in (LEAK_TOKEN, COOKIE_SECRET, ADMIN_TOKEN):
        assert secret not in stored
        assert secret not in api_server.log_text()  # stderr too
        found = ok(api.post("/logs/search", json={"query": secret}), SearchResult)
        assert found.count == 0


def test_list(api, api_server):
    rid = api_server.client.get("/request/log").headers["x-request-id"]
    by_rid(api, rid)
    listing = ok(api.get("/logs/list"), LogList)
    assert listing.folder == ".hoody/logs" and listing.files and listing.files[-1].active
    assert listing.total_lines == sum(f.lines for f in listing.files) > 0
    assert listing.total_bytes == sum(f.size for f in listing.files)
    assert listing.max_files == 10 and listing.max_bytes == 100 * 1024 * 1024
    assert listing.levels.get("info", 0) > 0
    scripts = {s.script: s for s in listing.scripts}
    assert scripts["request/log.ts"].entries >= 3
    assert listing.first is not None and listing.last is not None and listing.first <= listing.last
    for name in [f.name for f in listing.files]:
        assert (api_server.root / ".hoody" / "logs" / name).is_file()


def _events(response: httpx.Response) -> Iterator[tuple[str, str, str]]:
    """(kind, id, data) per SSE block; comments come as ("comment", "", text)."""
    block: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            yield "comment", "", line[1:].strip()
        elif not line:
            if "data" in block:
                yield block.get("event", "message"), block.get("id", ""), block["data"]
            block = {}
        else:
            key, _, value = line.partition(": ")
            block[key] = value


def test_stream_live_tail_and_resume(api, api_server, scripts):
    params = {"script": "logs_case/page.ts", "source": "request"}
    timeout = httpx.Timeout(30, read=8)
    with api.stream("GET", "/logs/stream", params=params, timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response)
        assert next(events)[0] == "comment"  # the stream is open
        rid = api_server.client.get("/logs_case/page").headers["x-request-id"]
        kind, event_id, data = next(e for e in events if e[0] != "comment")
        entry = json.loads(data)
        assert kind == "log" and entry["request_id"] == rid and entry["id"] == event_id
        assert entry["script"] == "logs_case/page.ts" and entry["fields"]["status"] == 200
    # Resume after that event: exactly the lines written since.
    later = api_server.client.get("/logs_case/page").headers["x-request-id"]
    resume = {**params, "last_event_id": event_id}
    with api.stream("GET", "/logs/stream", params=resume, timeout=timeout) as response:
        got = next(e for e in _events(response) if e[0] == "log")
        assert json.loads(got[2])["request_id"] == later
    # An EventSource reconnecting sends the same position as a header.
    headers = {"last-event-id": event_id}
    with api.stream(
        "GET", "/logs/stream", params=params, headers=headers, timeout=timeout
    ) as response:
        got = next(e for e in _events(response) if e[0] == "log")
        assert json.loads(got[2])["request_id"] == later


def test_stream_heartbeat_and_errors(api, anon):
    timeout = httpx.Timeout(30, read=8)
    params = {"request_id": "no-such-request", "heartbeat_s": 1}
    with api.stream("GET", "/logs/stream", params=params, timeout=timeout) as response:
        comments = (e[2] for e in _events(response) if e[0] == "comment")
        next(comments)
        assert next(comments).startswith("heartbeat")
    error(api.get("/logs/stream", params={"heartbeat_s": 0}), 422)
    error(api.get("/logs/stream", params={"last_event_id": "x"}), 422)
    error(anon.get("/logs/stream"), 401)
    error(anon.get("/logs/read"), 401)


def test_clear_one_script_while_writing(api, api_server, scripts):
    before = [api_server.client.get("/logs_case/page").headers["x-request-id"] for _ in range(3)]
    by_rid(api, before[-1])
    keep = api_server.client.get("/request/log").headers["x-request-id"]
    by_rid(api, keep)
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(base_url=api_server.url, timeout=30) as client:
            while not stop.is_set():
                client.get("/request/log")

    writer = threading.Thread(target=traffic)
    writer.start()
    try:
        result = ok(api.delete("/logs/clear", params={"script": "logs_case/page.ts"}), ClearResult)
    finally:
        stop.set()
        writer.join()
    assert result.removed_lines >= 3 and result.script == "logs_case/page.ts"
    assert not read(api, script="logs_case/page.ts").entries
    assert read(api, request_id=keep).entries  # other scripts' lines stay
    rid = api_server.client.get("/logs_case/page").headers["x-request-id"]
    assert by_rid(api, rid).entries  # new lines are stored after the clear
    error(api.delete("/logs/clear", params={"before": "not-a-time"}), 422)
    error(api.post("/logs/clear", json={}), 405)


def test_clear_before_and_everything(api, api_server):
    old = api_server.client.get("/request/log").headers["x-request-id"]
    by_rid(api, old)
    time.sleep(0.05)
    cut = time.time()
    time.sleep(0.05)
    new = api_server.client.get("/request/log").headers["x-request-id"]
    by_rid(api, new)
    result = ok(api.request("DELETE", "/logs/clear", json={"before": cut}), ClearResult)
    assert result.removed_lines > 0 and result.before is not None
    assert not read(api, request_id=old).entries
    assert read(api, request_id=new).entries
    everything = ok(api.delete("/logs/clear"), ClearResult)
    assert everything.removed_lines > 0
    assert not read(api, request_id=new).entries
    listing = ok(api.get("/logs/list"), LogList)
    assert len(listing.files) == 1  # the file being written
    assert all(s.script != "request/log.ts" for s in listing.scripts)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("logs-two-workers")
    shutil.copytree(FIXTURES / "request", root / "request")
    log_path = tmp_path_factory.mktemp("logs-two-workers-log") / "server.log"
    server = start_server(
        root, log_path, "--admin-token", ADMIN_TOKEN, "--workers", "2", "--pool-size", "0"
    )
    yield server
    server.stop()


def _pids_of(page: LogPage) -> set[int]:
    return {e.pid for e in page.entries if e.pid is not None}


def test_every_worker_process_writes_and_streams(two_workers):
    """Lines of both workers land in one store, and a stream served by one worker
    sees the other's lines too."""
    filters = {"script": "request/log.ts", "source": "request"}
    timeout = httpx.Timeout(30, read=8)

    def get(_: int) -> None:
        # NOTE: right after start one worker may still be starting up and drop a
        # connection; that is Granian's business, not what this test is about.
        with contextlib.suppress(httpx.TransportError):
            httpx.get(two_workers.url + "/request/log")

    def burst() -> None:
        # New connections, several at once: both workers take some.
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(get, range(16)))

    headers = {"x-token": ADMIN_TOKEN}
    with httpx.Client(base_url=two_workers.url + PREFIX, headers=headers) as api:
        stream = {**filters, "heartbeat_s": 1}
        streamed: set[int] = set()
        with api.stream("GET", "/logs/stream", params=stream, timeout=timeout) as response:
            events = _events(response)
            next(events)
            deadline = time.monotonic() + 30
            while len(streamed) < 2 and time.monotonic() < deadline:
                burst()
                for kind, _, data in events:
                    if kind == "comment":
                        break  # idle for a second: this burst has been seen
                    streamed.add(json.loads(data)["pid"])
        stored = read(api, **filters, limit=1000)
        assert len(_pids_of(stored)) == 2, "the kernel gave every connection to one worker"
        assert streamed == _pids_of(stored)
        assert len({e.request_id for e in stored.entries}) == stored.count
