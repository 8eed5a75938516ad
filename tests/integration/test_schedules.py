"""@schedule over real servers: runs on time, one run per tick across worker
processes and servers, skips on overlap, trigger, reload, history, metrics.

Expressions fire every second so the tests see several ticks in a few seconds;
nothing asserts how late a run started (the machine may be loaded).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.conftest import ADMIN_TOKEN, PREFIX
from hoody_exec.api.schedules import HistoryPage, ReloadResult, ScheduleList, TriggerResult
from integration.conftest import Server, run_cli, start_server

SCRIPTS = {
    "tick.ts": (
        "// @schedule * * * * * *\n"
        "return { method: request.method, url: request.url,\n"
        "  scheduled: headers['x-hoody-scheduled-time'],\n"
        "  expression: headers['x-hoody-schedule'] };\n"
    ),
    # Runs 2.5 s, fires every second: the ticks in between are skipped.
    "slow.ts": (
        "// @schedule * * * * * *\n"
        "await new Promise((resolve) => setTimeout(resolve, 2500));\n"
        "return 'slow done';\n"
    ),
    "boom.ts": ("// @schedule @yearly\nconst x = 1;\nthrow new Error('scheduled boom ' + x);\n"),
    "late.ts": (
        "// @schedule 0 0 1 1 * Europe/Berlin\n"
        "// @timeout 200\n"
        "await new Promise((resolve) => setTimeout(resolve, 3000));\n"
        "return 'never';\n"
    ),
    "guarded.ts": "// @schedule @yearly\n// @token s3cret-token\nreturn 'ran without the token';\n",
}


def _folder(root: Path, names: tuple[str, ...]) -> Path:
    for name in names:
        (root / name).write_text(SCRIPTS[name])
    return root


def _admin(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=30)


def _history(server: Server, **query: object) -> HistoryPage:
    with _admin(server) as api:
        response = api.get("/schedules/history", params={"limit": 500, **query})
    assert response.status_code == 200, response.text
    return HistoryPage.model_validate(response.json())


def _wait_runs(server: Server, script: str, count: int, timeout: float = 30) -> HistoryPage:
    deadline = time.monotonic() + timeout
    while True:
        page = _history(server, script=script, trigger="schedule")
        if page.total >= count or time.monotonic() > deadline:
            return page
        time.sleep(0.25)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = _folder(tmp_path_factory.mktemp("schedules"), tuple(SCRIPTS))
    logs = tmp_path_factory.mktemp("schedules-logs") / "server.log"
    server = start_server(root, logs, "--admin-token", ADMIN_TOKEN, "--workers", "2")
    yield server
    server.stop()


def test_runs_happen_once_per_tick_with_two_workers(two_workers):
    page = _wait_runs(two_workers, "tick.ts", 4)
    runs = [r for r in page.runs if r.outcome != "skipped"]
    assert len(runs) >= 4, page
    ticks = [r.scheduled_at for r in runs]
    assert len(ticks) == len(set(ticks)), f"a tick ran twice: {ticks}"
    run = runs[0]
    assert run.outcome == "ok" and run.status == 200 and run.trigger == "schedule"
    assert run.lateness_ms is not None and run.duration_ms is not None
    assert run.body is not None and '"method":"SCHEDULE"' in run.body
    assert f'"url":"http://127.0.0.1:{two_workers.port}/tick"' in run.body
    assert f'"scheduled":"{run.scheduled_at}"' in run.body
    assert '"expression":"* * * * * *"' in run.body
    # The request log carries the runs like any request.
    assert "method=SCHEDULE" in two_workers.wait_for_log("method=SCHEDULE", "tick.ts")


def test_a_tick_that_finds_a_run_in_progress_is_skipped(two_workers):
    deadline = time.monotonic() + 30
    while True:
        page = _history(two_workers, script="slow.ts")
        outcomes = [r.outcome for r in page.runs]
        if (outcomes.count("ok") >= 1 and outcomes.count("skipped") >= 2) or (
            time.monotonic() > deadline
        ):
            break
        time.sleep(0.25)
    assert outcomes.count("skipped") >= 2 and outcomes.count("ok") >= 1, outcomes
    skipped = next(r for r in page.runs if r.outcome == "skipped")
    assert skipped.started_at is None and skipped.status is None and skipped.scheduled_at
    ticks = [r.scheduled_at for r in page.runs]
    assert len(ticks) == len(set(ticks))
    only_skipped = _history(two_workers, script="slow.ts", outcome="skipped")
    assert {r.outcome for r in only_skipped.runs} == {"skipped"}


def test_a_scheduled_run_shows_in_active_requests(two_workers):
    deadline = time.monotonic() + 15
    found = None
    with _admin(two_workers) as api:
        while found is None and time.monotonic() < deadline:
            active = api.get("/monitor/active-requests").json()
            found = next((r for r in active["requests"] if r["script"] == "slow.ts"), None)
            time.sleep(0.2)
    assert found is not None and found["method"] == "SCHEDULE" and found["path"] == "/slow"


def test_trigger_answers_with_the_outcome(two_workers):
    with _admin(two_workers) as api:
        boom = TriggerResult.model_validate(
            api.post("/schedules/trigger", json={"script": "boom.ts"}).json()
        )
        assert boom.finished and boom.run is not None
        assert boom.run.outcome == "error" and boom.run.status == 500
        assert boom.run.trigger == "manual" and boom.run.scheduled_at is None
        assert boom.run.error is not None and boom.run.error["line"] == 3
        assert "scheduled boom 1" in boom.run.error["message"]
        late = api.post("/schedules/trigger", json={"script": "late.ts"}).json()
        assert late["run"]["outcome"] == "timeout" and late["run"]["status"] == 504
        assert late["run"]["error"]["limit"] == "timeout"
        guarded = api.post("/schedules/trigger", json={"script": "guarded.ts"}).json()
        assert guarded["run"]["outcome"] == "ok"
        assert guarded["run"]["body"] == "ran without the token"
        missing = api.post("/schedules/trigger", json={"script": "nope.ts"})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    # The script itself still asks anyone else for its token.
    assert two_workers.client.get("/guarded").status_code == 401


def test_trigger_without_waiting_answers_with_a_run_id(two_workers):
    with _admin(two_workers) as api:
        answer = TriggerResult.model_validate(
            api.post("/schedules/trigger", json={"script": "late.ts", "wait": False}).json()
        )
    assert not answer.finished and answer.run is None and len(answer.run_id) == 16
    deadline = time.monotonic() + 15
    while True:
        page = _history(two_workers, run_id=answer.run_id)
        if page.total or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert page.total == 1 and page.runs[0].outcome == "timeout"


def test_list_shows_next_runs_and_last_outcome(two_workers):
    with _admin(two_workers) as api:
        listed = ScheduleList.model_validate(api.get("/schedules/list").json())
    by_script = {item.script: item for item in listed.schedules}
    assert set(SCRIPTS) <= set(by_script)
    late = by_script["late.ts"]
    assert late.zone == "Europe/Berlin" and late.expression == "0 0 1 1 *"
    # Midnight of 1 January in Berlin is 23:00 UTC the day before (CET, UTC+1).
    assert len(late.next_runs) == 3 and all(
        t.endswith("12-31T23:00:00.000Z") for t in late.next_runs
    )
    tick = by_script["tick.ts"]
    assert tick.enabled and tick.seconds and tick.route == "/tick"
    assert tick.last is not None and tick.last.outcome == "ok"


def test_history_pages(two_workers):
    # NOTE: a run every second lands at the head of the (newest first) history;
    # two pages compare only when no run finished between them (same total).
    for _ in range(10):
        first = _history(two_workers, script="tick.ts", limit=2)
        second = _history(two_workers, script="tick.ts", limit=2, offset=2)
        if first.total == second.total:
            break
    assert len(first.runs) == 2 and first.total >= 4
    assert not {r.run_id for r in first.runs} & {r.run_id for r in second.runs}
    assert first.runs[0].started_at >= first.runs[1].started_at
    with _admin(two_workers) as api:
        bad = api.get("/schedules/history", params={"outcome": "fine"})
    assert bad.status_code == 422


def test_metrics_count_runs_by_outcome_and_lateness(two_workers):
    with _admin(two_workers) as api:
        text = api.get("/monitor/metrics").text
    assert 'hoody_exec_schedule_runs_total{outcome="ok",script="tick.ts"}' in text
    assert 'hoody_exec_schedule_runs_total{outcome="skipped",script="slow.ts"}' in text
    assert 'hoody_exec_schedule_lateness_seconds_count{script="tick.ts"}' in text


def test_a_file_change_reschedules_and_removing_the_comment_stops(two_workers):
    with _admin(two_workers) as api:
        two_workers.write("later.ts", "// @schedule @hourly\nreturn 1;\n")
        reloaded = ReloadResult.model_validate(api.post("/schedules/reload", json={}).json())
        item = next(i for i in reloaded.schedules if i.script == "later.ts")
        assert item.expression == "@hourly" and item.next_runs[0].endswith(":00:00.000Z")
        two_workers.write("later.ts", "// @schedule 0 61 * * *\nreturn 1;\n")
        reloaded = ReloadResult.model_validate(api.post("/schedules/reload", json={}).json())
        problem = next(p for p in reloaded.problems if p.script == "later.ts")
        assert "not a valid cron expression" in problem.message and problem.line == 1
        disabled = next(i for i in reloaded.schedules if i.script == "later.ts")
        assert not disabled.enabled and disabled.problem
        two_workers.write("later.ts", "return 1;\n")
        listed = ScheduleList.model_validate(api.get("/schedules/list").json())
        assert all(i.script != "later.ts" for i in listed.schedules)
        assert all(p.script != "later.ts" for p in listed.problems)
        # A file event alone (no reload call) reschedules too: every second now.
        two_workers.write("later.ts", "// @schedule * * * * * *\nreturn 'now often';\n")
    page = _wait_runs(two_workers, "later.ts", 2)
    assert page.total >= 2 and page.runs[0].body == "now often"


def test_the_cli_prints_the_table(two_workers):
    done = run_cli("schedules", str(two_workers.root))
    assert done.returncode in (0, 1), done.stderr
    assert "tick.ts" in done.stdout and "Europe/Berlin" in done.stdout
    assert "NEXT RUNS" in done.stdout


def test_two_servers_on_one_folder_run_each_tick_once(tmp_path: Path):
    (tmp_path / "scripts").mkdir()
    root = _folder(tmp_path / "scripts", ("tick.ts",))
    servers = [
        start_server(root, tmp_path / f"server{i}.log", "--admin-token", ADMIN_TOKEN)
        for i in range(2)
    ]
    try:
        page = _wait_runs(servers[0], "tick.ts", 5)
    finally:
        for server in servers:
            server.stop()
    ticks = [r.scheduled_at for r in page.runs]
    assert len(ticks) >= 5 and len(ticks) == len(set(ticks)), ticks
