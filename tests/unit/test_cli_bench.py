"""The figures `hoody-exec bench` prints: nearest-rank percentiles, the summary of
either load generator, and wrk's report as wrk 4.1 writes it."""

from pathlib import Path

import pytest

from hoody_exec.cli.loadgen import Result, Target
from hoody_exec.cli.summary import Summary
from hoody_exec.cli.wrk import parse_report

WRK_REPORT = Path(__file__).parents[1] / "fixtures" / "wrk" / "not-found.txt"


def test_percentiles_are_nearest_rank():
    result = Result(latencies=[i / 1000 for i in range(1, 101)])  # 1..100 ms
    assert result.percentile(50) == 0.050
    assert result.percentile(90) == 0.090
    assert result.percentile(99) == 0.099
    assert result.percentile(100) == 0.100
    assert Result().percentile(50) == 0.0


def test_summary_counts_non_2xx_and_socket_errors_as_failed():
    result = Result(seconds=2.0, latencies=[0.001] * 10, statuses={200: 8, 503: 2})
    result.error("connect")
    summary = Summary.of(result)
    assert summary.rate == 5.0
    assert summary.failed == 3
    rows = dict(line.split(None, 1) for line in summary.table("GET http://h/x", 4))
    assert rows["statuses"] == "200: 8, 503: 2"
    assert rows["errors"] == "connect: 1"
    assert rows["p50"] == "1.00 ms"


def test_wrk_report_is_read():
    summary = parse_report(WRK_REPORT.read_text())
    assert summary.tool == "wrk"
    assert summary.requests == 438 and summary.seconds == pytest.approx(1.03)
    assert summary.p50 == pytest.approx(0.00211)
    assert summary.p90 == pytest.approx(0.09328)
    assert summary.p99 == pytest.approx(0.16735)
    assert summary.max == pytest.approx(0.18614)
    assert summary.statuses == {"2xx/3xx": 0, "other": 438}
    assert summary.failed == 438


def test_a_target_is_an_http_url():
    target = Target.from_url("http://127.0.0.1:8080/a/b?x=1", method="post", body=b"{}")
    assert (target.host, target.port, target.path, target.method) == (
        "127.0.0.1",
        8080,
        "/a/b?x=1",
        "POST",
    )
    assert target.request_bytes().startswith(b"POST /a/b?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n")
    assert b"content-length: 2\r\n\r\n{}" in target.request_bytes()
    with pytest.raises(ValueError, match="not an http:// URL"):
        Target.from_url("https://example.test/")
