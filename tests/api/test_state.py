"""shared-state get/set/clear over real HTTP: a worker script's `shared` object."""

from __future__ import annotations

import threading
import time

import pytest

from api.conftest import error, ok
from hoody_exec.api.state import SharedStateCleared, SharedStateValue, SharedStateWritten
from integration.conftest import Server

COUNTER = """// @mode worker
shared.count = (shared.count ?? 0) + 1;
return { count: shared.count, note: shared.note ?? null, keys: Object.keys(shared).sort() };
"""

PROTO = """// @mode worker
return {
  plain: Object.getPrototypeOf(shared) === Object.prototype,
  own: Object.prototype.hasOwnProperty.call(shared, "__proto__"),
  value: shared["__proto__"],
};
"""

BIGINT = """// @mode worker
shared.big = 10n;
shared.fine = "yes";
return "stored";
"""

THROWS = """// @mode worker
throw new Error("top level boom");
export default () => "never";
"""


@pytest.fixture(scope="module")
def scripts(api_server: Server) -> Server:
    api_server.write("state/counter.ts", COUNTER)
    api_server.write("state/whole.ts", COUNTER)
    api_server.write("state/cleared.ts", COUNTER)
    api_server.write("state/proto.ts", PROTO)
    api_server.write("state/bigint.ts", BIGINT)
    api_server.write("state/throws.ts", THROWS)
    api_server.write("state/broken.ts", "// @mode worker\nreturn {{{;\n")
    api_server.write("state/lone.ts", "// @mode serverless\nreturn shared;\n")
    api_server.write("state/_private.ts", "// @mode worker\nreturn 1;\n")
    api_server.write("state/data.json", "{}\n")
    return api_server


def test_get_before_any_request_is_empty_and_starts_nothing(api, scripts):
    got = ok(api.post("/shared-state/get", json={"path": "state/counter.ts"}), SharedStateValue)
    assert got.running is False and got.found is True and got.value == {}
    one = ok(
        api.post("/shared-state/get", json={"path": "state/counter.ts", "key": "count"}),
        SharedStateValue,
    )
    assert one.running is False and one.found is False and one.value is None
    # Still not started: reading never creates the isolate.
    again = ok(api.post("/shared-state/get", json={"path": "state/counter.ts"}), SharedStateValue)
    assert again.running is False


def test_set_starts_the_isolate_and_the_script_sees_the_value(api, scripts):
    written = ok(
        api.post(
            "/shared-state/set", json={"path": "state/counter.ts", "key": "count", "value": 41}
        ),
        SharedStateWritten,
    )
    assert written.started is True and written.value == 41 and written.key == "count"
    assert scripts.client.get("/state/counter").json()["count"] == 42
    got = ok(
        api.post("/shared-state/get", json={"path": "state/counter.ts", "key": "count"}),
        SharedStateValue,
    )
    assert (got.running, got.found, got.value) == (True, True, 42)
    # A running isolate is reused, not restarted.
    nested = {"list": [1, "two", None, {"deep": True}], "n": 1.5}
    second = ok(
        api.post(
            "/shared-state/set", json={"path": "state/counter.ts", "key": "note", "value": nested}
        ),
        SharedStateWritten,
    )
    assert second.started is False and second.value == nested
    answer = scripts.client.get("/state/counter").json()
    assert answer["count"] == 43 and answer["note"] == nested
    whole = ok(api.post("/shared-state/get", json={"path": "state/counter.ts"}), SharedStateValue)
    assert whole.value == {"count": 43, "note": nested}
    assert whole.pid > 0


def test_set_without_key_replaces_the_whole_object(api, scripts):
    assert scripts.get_when_routable("/state/whole").json()["count"] == 1
    written = ok(
        api.post("/shared-state/set", json={"path": "state/whole.ts", "value": {"note": "fresh"}}),
        SharedStateWritten,
    )
    assert written.started is False and written.value == {"note": "fresh"}
    answer = scripts.client.get("/state/whole").json()
    assert answer == {"count": 1, "note": "fresh", "keys": ["count", "note"]}
    for value in ([1, 2], "text", 3, None):
        error(
            api.post("/shared-state/set", json={"path": "state/whole.ts", "value": value}),
            422,
            "validation_error",
        )
    error(api.post("/shared-state/set", json={"path": "state/whole.ts"}), 422, "validation_error")


def test_clear_one_key_then_everything(api, scripts):
    not_running = ok(
        api.post("/shared-state/clear", json={"path": "state/cleared.ts"}), SharedStateCleared
    )
    assert (not_running.running, not_running.cleared) == (False, False)
    ok(
        api.post("/shared-state/set", json={"path": "state/cleared.ts", "value": {"a": 1, "b": 2}}),
        SharedStateWritten,
    )
    one = ok(
        api.post("/shared-state/clear", json={"path": "state/cleared.ts", "key": "a"}),
        SharedStateCleared,
    )
    assert (one.running, one.cleared) == (True, True)
    gone = ok(
        api.post("/shared-state/clear", json={"path": "state/cleared.ts", "key": "a"}),
        SharedStateCleared,
    )
    assert gone.cleared is False
    got = ok(api.post("/shared-state/get", json={"path": "state/cleared.ts"}), SharedStateValue)
    assert got.value == {"b": 2}
    everything = ok(
        api.post("/shared-state/clear", json={"path": "state/cleared.ts"}), SharedStateCleared
    )
    assert everything.cleared is True
    answer = scripts.client.get("/state/cleared").json()
    assert answer["count"] == 1 and answer["keys"] == ["count"]


def test_a_key_named_proto_is_data_not_the_prototype(api, scripts):
    ok(
        api.post(
            "/shared-state/set",
            json={"path": "state/proto.ts", "key": "__proto__", "value": {"evil": True}},
        ),
        SharedStateWritten,
    )
    answer = scripts.client.get("/state/proto").json()
    assert answer == {"plain": True, "own": True, "value": {"evil": True}}
    ok(
        api.post(
            "/shared-state/set",
            json={"path": "state/proto.ts", "value": {"__proto__": {"x": 1}, "y": 2}},
        ),
        SharedStateWritten,
    )
    answer = scripts.client.get("/state/proto").json()
    assert answer == {"plain": True, "own": True, "value": {"x": 1}}


def test_state_json_cannot_hold_is_422_and_other_keys_still_read(api, scripts):
    assert scripts.get_when_routable("/state/bigint").text == "stored"
    failure = error(
        api.post("/shared-state/get", json={"path": "state/bigint.ts"}), 422, "not_serializable"
    )
    assert "BigInt" in failure["message"] and failure["details"]["path"] == "state/bigint.ts"
    error(
        api.post("/shared-state/get", json={"path": "state/bigint.ts", "key": "big"}),
        422,
        "not_serializable",
    )
    fine = ok(
        api.post("/shared-state/get", json={"path": "state/bigint.ts", "key": "fine"}),
        SharedStateValue,
    )
    assert fine.value == "yes"


def test_serverless_script_is_409_with_why(api, scripts):
    for op in ("get", "set", "clear"):
        body = {"path": "state/lone.ts", **({"value": 1, "key": "a"} if op == "set" else {})}
        failure = error(
            api.post(f"/shared-state/{op}", json=body),
            409,
            "conflict",
        )
        assert "serverless" in failure["message"] and "@mode worker" in failure["message"]
        assert failure["details"] == {"path": "state/lone.ts", "mode": "serverless"}


def test_unknown_script_is_404(api, scripts):
    failure = error(api.post("/shared-state/get", json={"path": "state/nope.ts"}), 404, "not_found")
    assert failure["details"] == {"path": "state/nope.ts"}
    error(
        api.post("/shared-state/set", json={"path": "state/nope.ts", "key": "a", "value": 1}),
        404,
        "not_found",
    )


def test_files_without_a_worker_isolate_are_422(api, scripts):
    error(api.post("/shared-state/get", json={"path": "state/data.json"}), 422, "not_a_script")
    error(api.post("/shared-state/get", json={"path": "state/_private.ts"}), 422, "not_routable")
    failure = error(
        api.post("/shared-state/set", json={"path": "state/broken.ts", "key": "a", "value": 1}),
        422,
        "load_error",
    )
    assert failure["details"]["problems"]
    threw = error(
        api.post("/shared-state/set", json={"path": "state/throws.ts", "key": "a", "value": 1}),
        422,
        "script_failed",
    )
    assert "top level boom" in threw["message"]


def test_bad_requests(api, anon, scripts):
    error(api.post("/shared-state/get", json={"path": "../etc/passwd"}), 400, "invalid_path")
    error(api.post("/shared-state/get", json={"path": ".hoody/x.ts"}), 403, "forbidden_path")
    error(api.post("/shared-state/get", json={}), 422, "validation_error")
    error(
        api.post("/shared-state/get", json={"path": "state/counter.ts", "key": ""}),
        422,
        "validation_error",
    )
    error(
        api.post("/shared-state/get", json={"path": "state/counter.ts", "extra": 1}),
        422,
        "validation_error",
    )
    error(api.get("/shared-state/get", params={"path": "state/counter.ts"}), 405)
    response = anon.post("/shared-state/get", json={"path": "state/counter.ts"})
    error(response, 401, "unauthorized")


def test_operations_are_documented(api):
    paths = api.get("/openapi.json").json()["paths"]
    for op in ("get", "set", "clear"):
        operation = paths[f"/api/v1/exec/shared-state/{op}"]["post"]
        assert {"200", "404", "409", "422"} <= set(operation["responses"])


@pytest.mark.slow
def test_an_isolate_held_by_running_javascript_is_504(api, scripts):
    scripts.write(
        "state/busy.ts",
        "// @mode worker\nconst end = Date.now() + 12_000;\nwhile (Date.now() < end) {}\n"
        'return "done";\n',
    )
    ok(
        api.post("/shared-state/set", json={"path": "state/busy.ts", "key": "a", "value": 1}),
        SharedStateWritten,
    )
    holder = threading.Thread(target=lambda: scripts.client.get("/state/busy", timeout=60))
    holder.start()
    try:
        # Wait until the request runs: its loop then holds the isolate's thread.
        deadline = time.monotonic() + 10
        while api.get("/health").json()["active_requests"] < 1:
            assert time.monotonic() < deadline, "the busy request never started"
            time.sleep(0.05)
        failure = error(
            api.post("/shared-state/get", json={"path": "state/busy.ts"}), 504, "isolate_busy"
        )
        assert failure["details"] == {"path": "state/busy.ts", "waited_s": 10.0}
    finally:
        holder.join(timeout=60)
    got = ok(api.post("/shared-state/get", json={"path": "state/busy.ts"}), SharedStateValue)
    assert got.value == {"a": 1}
