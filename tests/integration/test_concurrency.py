"""@concurrent: FIFO order, caps, the queue limit (SPEC §3, §4)."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx


def overlapping(bodies):
    """The largest number of executions that ran at the same time."""
    events = sorted(
        [(b["started"], 1) for b in bodies] + [(b["ended"], -1) for b in bodies],
        key=lambda e: (e[0], e[1]),
    )
    current = peak = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


def fire(server, paths, stagger=0.03):
    """Start requests in this order (staggered so arrival order is known)."""

    def one(item):
        index, path = item
        time.sleep(index * stagger)
        with httpx.Client(base_url=server.url, timeout=30) as c:
            return c.get(path)

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(one, enumerate(paths)))


def test_concurrent_false_runs_one_at_a_time_in_arrival_order(server):
    responses = fire(server, [f"/concurrency/fifo?id={i}&ms=120" for i in range(4)])
    bodies = [r.json() for r in responses]
    assert overlapping(bodies) == 1
    order = [b["id"] for b in sorted(bodies, key=lambda b: b["started"])]
    assert order == ["0", "1", "2", "3"]


def test_concurrent_cap_is_respected(server):
    bodies = [r.json() for r in fire(server, [f"/concurrency/cap2?id={i}" for i in range(5)], 0)]
    assert overlapping(bodies) == 2


def test_concurrent_true_has_no_cap(server):
    bodies = [r.json() for r in fire(server, ["/concurrency/unbounded"] * 4, 0)]
    assert overlapping(bodies) == 4


def test_queue_full_is_503_with_retry_after(server):
    # The session server runs with --max-queue 3: one running + 3 waiting fit.
    responses = fire(server, ["/concurrency/fifo?ms=400"] * 7, 0.01)
    full = [r for r in responses if r.status_code == 503]
    assert full, [r.status_code for r in responses]
    body = full[0].json()
    assert full[0].headers["retry-after"] == "1"
    assert body["limit"] == "concurrency_queue"
    assert body["configured"] == 3 and body["measured"] == 3
    assert "@concurrent" in body["setting"]
