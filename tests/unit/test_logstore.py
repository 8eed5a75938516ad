"""The log store: positions, rotation and the size cap, several writer processes,
paging while writers append, clearing, the live tail, redaction and time parsing."""

from __future__ import annotations

import io
import json
import multiprocessing
import time
from pathlib import Path

import pytest

from hoody_exec.observability import configure_logging, get_logger
from hoody_exec.observability.logging import flush_logs
from hoody_exec.observability.logquery import Filters, Tail, iso, read_page, to_epoch
from hoody_exec.observability.logstore import MAX_LINE_BYTES, LogStore, Position
from hoody_exec.observability.redact import REDACTED, Redactor, scrub_text


def line(i: int, **extra: object) -> bytes:
    entry = {"timestamp": iso(1_700_000_000 + i), "level": "info", "event": "x", "i": i, **extra}
    return json.dumps(entry).encode() + b"\n"


def numbers(store: LogStore, **kwargs: object) -> list[int]:
    return [json.loads(found.raw)["i"] for found in store.forward(**kwargs)]  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> LogStore:
    # ~10 KiB segments, never pruned by these tests unless they say so.
    return LogStore(tmp_path / ".hoody" / "logs", max_bytes=1 << 20, files=100)


def test_positions_name_lines_in_both_directions(store):
    for i in range(2000):
        store.append(line(i, pad="y" * (i % 50)))
    assert len(store.segments()) > 5
    forward = list(store.forward())
    assert [json.loads(f.raw)["i"] for f in forward] == list(range(2000))
    backward = list(store.backward())
    assert backward == forward[::-1]
    for found in forward[::97]:
        data = store.path(found.start.seq).read_bytes()
        assert data[found.start.offset : found.end.offset] == found.raw + b"\n"
    middle = forward[1000]
    assert numbers(store, start=middle.start)[0] == 1000
    assert [json.loads(f.raw)["i"] for f in store.backward(middle.start)][:2] == [999, 998]
    assert Position.parse(str(middle.end)) == middle.end
    with pytest.raises(ValueError):
        Position.parse("1-2")
    assert store.end() == forward[-1].end
    assert (store.folder.stat().st_mode & 0o777, store.folder.parent.stat().st_mode & 0o777) == (
        0o700,
        0o700,
    )


def test_rotation_keeps_the_caps(tmp_path):
    store = LogStore(tmp_path / "logs", max_bytes=8192, files=4)
    for i in range(600):
        store.append(line(i))
    sizes = [store.path(seq).stat().st_size for seq in store.segments()]
    assert len(sizes) <= 4
    # Each segment may pass its share by at most one line before it is rotated.
    assert sum(sizes) <= 8192 + 4 * len(line(600))
    kept = numbers(store)
    assert kept[-1] == 599 and kept == list(range(kept[0], 600)), "the newest lines, no holes"
    assert store.segments()[0] > 1, "the oldest files were deleted"


def _writer(folder: str, worker: int, count: int) -> None:
    store = LogStore(Path(folder), max_bytes=8 << 20, files=200)  # ~40 KiB segments
    for i in range(count):
        store.append(line(i, worker=worker, pad="z" * (i % 80)))


def test_several_processes_write_whole_lines(tmp_path):
    folder = tmp_path / "logs"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(folder), w, 400)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(30)
        assert process.exitcode == 0
    store = LogStore(folder, max_bytes=8 << 20, files=200)
    assert len(store.segments()) > 3, "rotated while four processes wrote"
    seen = [json.loads(found.raw) for found in store.forward()]  # every line is whole JSON
    assert len(seen) == 1600
    for worker in range(4):
        assert [e["i"] for e in seen if e["worker"] == worker] == list(range(400))


def test_pages_while_writers_append(store):
    for i in range(300):
        store.append(line(i))
    got: list[int] = []
    cursor = None
    while True:
        page = read_page(store, Filters(), order="newest", limit=40, cursor=cursor)
        got += [e["fields"]["i"] for e in page.entries]
        for j in range(7):  # new lines and rotations between pages
            store.append(line(1000 + len(got) * 10 + j))
        if page.next_cursor is None:
            break
        cursor = Position.parse(page.next_cursor)
    assert got == list(range(299, -1, -1))

    forward: list[int] = []
    cursor = None
    for _ in range(200):
        page = read_page(store, Filters(), order="oldest", limit=33, cursor=cursor)
        forward += [e["fields"]["i"] for e in page.entries]
        cursor = Position.parse(page.next_cursor or "")
        if not page.more:
            break
    assert forward == numbers(store)
    store.append(line(5000))
    page = read_page(store, Filters(), order="oldest", limit=33, cursor=cursor)
    assert [e["fields"]["i"] for e in page.entries] == [5000]


def test_filters_and_time_bounds(store):
    for i in range(100):
        level = "error" if i % 10 == 0 else "info"
        store.append(line(i, level=level, script=f"s{i % 3}.ts", request_id=f"r{i}"))
    page = read_page(store, Filters(level="error"), limit=1000)
    assert [e["fields"]["i"] for e in page.entries] == list(range(90, -1, -10))
    page = read_page(store, Filters(script="s1.ts", request_id="r4"), limit=1000)
    assert [e["script"] for e in page.entries] == ["s1.ts"]
    since, until = 1_700_000_000 + 20, 1_700_000_000 + 29
    for order in ("newest", "oldest"):
        page = read_page(store, Filters(since=since, until=until), order=order, limit=1000)
        assert sorted(e["fields"]["i"] for e in page.entries) == list(range(20, 30))
    # A newest-first scan stops once lines are older than `since` (with slack).
    page = read_page(store, Filters(since=1_700_000_000 + 90), limit=1000)
    assert page.scanned < 20 and page.next_cursor is None


def test_scan_budget_leaves_a_cursor(store):
    for i in range(3000):
        store.append(line(i))
    page = read_page(store, Filters(request_id="none"), limit=10, budget_s=0)
    assert page.more and page.next_cursor is not None and page.scanned < 3000
    rest = read_page(store, Filters(), limit=1, cursor=Position.parse(page.next_cursor))
    # Nothing skipped: the next page starts with the first line not yet looked at.
    assert rest.entries[0]["fields"]["i"] == 3000 - page.scanned - 1


def test_clear_everything_and_filtered(store):
    for i in range(200):
        store.append(line(i, script="a.ts" if i % 2 else "b.ts"))
    before = list(store.forward())
    removed_files, removed_lines, freed = store.clear(lambda raw: b'"a.ts"' not in raw)
    assert removed_lines == 100 and freed > 0 and removed_files == 0
    assert numbers(store) == list(range(0, 200, 2))
    # A cursor from before the rewrite lands on a line start, never inside a line.
    resumed = [json.loads(f.raw)["i"] for f in store.forward(before[101].start)]
    assert resumed and all(i % 2 == 0 for i in resumed)
    store.append(line(999))
    files, lines, _ = store.clear()
    assert lines == 101 and files >= 1
    assert numbers(store) == []
    store.append(line(1000))  # the writer carries on in the new file
    assert numbers(store) == [1000]


def test_writer_in_another_object_follows_a_clear(tmp_path):
    folder = tmp_path / "logs"
    writer = LogStore(folder, max_bytes=1 << 20, files=10)
    admin = LogStore(folder, max_bytes=1 << 20, files=10)  # like another process
    writer.append(line(1))
    admin.clear()
    writer.append(line(2))
    assert numbers(admin) == [2]


def test_tail_follows_rotation(tmp_path):
    store = LogStore(tmp_path / "logs", max_bytes=1 << 20, files=200)  # ~5 KiB segments
    store.append(line(0))
    tail = Tail(store, store.end())
    assert tail.poll() == []
    for i in range(1, 400):
        store.append(line(i))
    got: list[int] = []
    for _ in range(10):
        got += [json.loads(found.raw)["i"] for found in tail.poll()]
    assert got == list(range(1, 400)) and len(store.segments()) > 3
    assert tail.position.seq == store.segments()[-1]


def test_scrub_text_shapes():
    assert scrub_text("Authorization: Bearer abc.def-123") == f"Authorization: Bearer {REDACTED}"
    assert scrub_text("GET /x?token=s3cr3t&page=2") == f"GET /x?token={REDACTED}&page=2"
    assert scrub_text('{"password": "hunter22", "user": "bob"}') == (
        f'{{"password": "{REDACTED}", "user": "bob"}}'
    )
    assert scrub_text("postgres://app:pw123@db/x") == f"postgres://app:{REDACTED}@db/x"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x"
    assert scrub_text(f"jwt {jwt}") == f"jwt {REDACTED}"
    assert scrub_text("key AKIAABCDEFGHIJKLMNOP here") == f"key {REDACTED} here"
    assert scrub_text("nothing to see here") == "nothing to see here"


def test_redactor_fields_literals_and_digest():
    import hashlib

    redactor = Redactor(
        admin_token="admin-tok-123456",
        env=lambda: {"API_KEY": "env-key-987654", "MODE": "production"},
        script_secrets=lambda f: (hashlib.sha256(b"lit-555-token").digest(), None),
    )
    event = {
        "event": "saw admin-tok-123456 and env-key-987654 in production",
        "script": "a.ts",
        "js_password": "x",
        "request_headers": {"cookie": "a=b", "accept": "*/*"},
        "message_list": ["lit-555-token", "fine"],
    }
    out = redactor.scrub_event(event)
    assert out["event"] == f"saw {REDACTED} and {REDACTED} in production"
    assert out["js_password"] == REDACTED
    assert out["request_headers"] == {"cookie": REDACTED, "accept": "*/*"}
    assert out["message_list"] == [REDACTED, "fine"]


def test_logging_stores_redacted_lines(tmp_path):
    from hoody_exec.observability import redact

    store = LogStore(tmp_path / "logs", max_bytes=1 << 20, files=10)
    stream = io.StringIO()
    saved = redact.REDACTOR.admin_token
    redact.REDACTOR.admin_token = "the-admin-token-xyz"
    try:
        configure_logging("console", stream=stream, store=store)
        log = get_logger("test")
        log.info("request", request_id="r1", script="a.ts", status=200, url="/a?token=t0ps3cret")
        log.warning("leaked the-admin-token-xyz", authorization="Bearer zzz")
        log.info("big", blob="b" * (2 * MAX_LINE_BYTES))
        flush_logs()  # lines are redacted when written, with the secrets known then
    finally:
        redact.REDACTOR.admin_token = saved
        configure_logging("console")
    stored = [json.loads(f.raw) for f in store.forward()]
    assert [e["source"] for e in stored] == ["request", "server", "server"]
    assert [e["level"] for e in stored] == ["info", "warning", "info"]
    text = store.path(store.segments()[-1]).read_text() + stream.getvalue()
    for secret in ("t0ps3cret", "the-admin-token-xyz", "zzz"):
        assert secret not in text
    assert stored[2]["truncated"] is True and len(stored[2]["blob"]) < MAX_LINE_BYTES
    assert stored[0]["request_id"] == "r1" and stored[0]["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-29T08:00:00Z", 1795939200.0),
        ("2026-11-29T08:00:00", 1795939200.0),
        ("2026-11-29T10:00:00+02:00", 1795939200.0),
        ("1795939200", 1795939200.0),
        (1795939200.5, 1795939200.5),
    ],
)
def test_times(text, expected):
    assert to_epoch(text) == expected


def test_relative_and_bad_times():
    assert abs(to_epoch("15m") - (time.time() - 900)) < 5  # type: ignore[operator]
    assert to_epoch(None) is None
    for bad in ("soon", "nan", "-5", "inf", True, "99999999999999"):
        with pytest.raises(ValueError):
            to_epoch(bad)


def test_made_up_positions_are_clamped(store):
    for i in range(3):
        store.append(line(i))
    end = store.end()
    assert store.clamp(Position(end.seq + 5, 0)) == end
    assert store.clamp(Position(end.seq, end.offset + 999)) == end
    page = read_page(store, Filters(), order="oldest", cursor=Position(end.seq, 10**9))
    assert page.entries == [] and page.next_cursor == str(end)
    store.append(line(3))
    page = read_page(store, Filters(), order="oldest", cursor=Position.parse(page.next_cursor))
    assert [e["fields"]["i"] for e in page.entries] == [3]


def test_a_new_segment_never_reuses_a_number(store):
    store.append(line(0))  # a writer of an empty store creates segment 1 unlocked
    store._new_segment(1)  # a clear that listed the folder just before
    assert store.segments() == [1, 2]
    store.append(line(1))
    assert numbers(store) == [0, 1] and store.path(2).stat().st_size > 0
