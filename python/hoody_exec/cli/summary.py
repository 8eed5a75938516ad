"""What `hoody-exec bench` reports, whichever load generator measured it."""

from __future__ import annotations

from dataclasses import dataclass

from hoody_exec.cli.loadgen import Result


@dataclass(frozen=True)
class Summary:
    tool: str
    requests: int  # answered in full
    seconds: float
    p50: float  # seconds
    p90: float
    p99: float
    max: float
    statuses: dict[str, int]  # "200": n (python), or "2xx/3xx"/"other" (wrk)
    errors: dict[str, int]  # connect, read, write, timeout: no answer at all

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def failed(self) -> int:
        """Answers that were not 2xx or 3xx, plus requests that got no answer."""
        bad = sum(n for status, n in self.statuses.items() if not _ok(status))
        return bad + sum(self.errors.values())

    @classmethod
    def of(cls, result: Result) -> Summary:
        return cls(
            tool="python",
            requests=result.requests,
            seconds=result.seconds,
            p50=result.percentile(50),
            p90=result.percentile(90),
            p99=result.percentile(99),
            max=max(result.latencies, default=0.0),
            statuses={str(k): v for k, v in sorted(result.statuses.items())},
            errors=dict(sorted(result.errors.items())),
        )

    def table(self, target: str, connections: int) -> list[str]:
        statuses = ", ".join(f"{k}: {v}" for k, v in self.statuses.items()) or "none"
        errors = ", ".join(f"{k}: {v}" for k, v in self.errors.items()) or "0"
        rows = [
            ("target", target),
            ("load", f"{connections} connections, {self.seconds:.1f} s, {self.tool}"),
            ("requests", f"{self.requests}"),
            ("req/s", f"{self.rate:,.1f}"),
            ("p50", _ms(self.p50)),
            ("p90", _ms(self.p90)),
            ("p99", _ms(self.p99)),
            ("max", _ms(self.max)),
            ("statuses", statuses),
            ("errors", errors),
        ]
        width = max(len(name) for name, _ in rows)
        return [f"{name.ljust(width)}  {value}" for name, value in rows]


def _ok(status: str) -> bool:
    return status == "2xx/3xx" or status[:1] in ("2", "3")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
