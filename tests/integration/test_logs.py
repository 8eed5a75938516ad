"""@log-level: one structured line per request at standard; none is silent."""

import re


def test_standard_logs_one_line_per_request_and_console_output(server, client):
    response = client.get("/request/log")
    rid = response.headers["x-request-id"]
    log = server.wait_for_log(rid, "status", "duration_ms")
    lines = [line for line in log.splitlines() if rid in line]
    request_lines = [line for line in lines if re.search(r"\brequest\b", line) and "status" in line]
    assert len(request_lines) == 1, lines
    line = request_lines[0]
    for field in ("route", "mode", "status", "duration_ms", "isolate"):
        assert field in line, line
    assert "console line from script" in log
    assert "structured line" in log


def test_none_logs_nothing(server, client):
    rid = client.get("/request/quiet").headers["x-request-id"]
    log = server.log_text()
    assert rid not in log
    assert "should not appear" not in log
