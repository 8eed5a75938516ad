"""Every magic comment value is accepted and every conflict answers 500 (SPEC §3).

Scripts are written into the served folder at test time (hot reload picks them up).
"""

import itertools

import pytest

_ids = itertools.count()

VALID = [
    "// @mode worker",
    "// @mode serverless",
    "// @cors none",
    "// @cors *",
    "// @cors reflective",
    "// @cors https://app.example.com",
    "// @timeout 5000",
    "// @timeout 0",
    "// @timeout unlimited",
    "// @concurrent true",
    "// @concurrent false",
    "// @concurrent 3",
    "// @mode worker\n// @websocket",
    "// @ai false",
    "// @log-level none",
    "// @log-level minimal",
    "// @log-level standard",
    "// @log-level full",
    "// @log-level debug",
    "// @schedule */5 * * * *",
    "// @schedule 0 0 9 * * MON-FRI Europe/Berlin",
]

INVALID = [
    ("// @mode turbo", "@mode"),
    ("// @cors sometimes", "@cors"),
    ("// @timeout soon", "@timeout"),
    ("// @concurrent 0", "@concurrent"),
    ("// @log-level loud", "@log-level"),
    ("// @schedule every day", "@schedule"),
    ("// @bogus 1", "unknown magic comment"),
    ("// @websocket", "needs @mode worker"),
    ("// @mode worker\n// @concurrent 2", "only applies to @mode serverless"),
    ("// @mode worker\n// @mode worker", "duplicate"),
    ("// @ai-model openai/gpt-4o", "without @ai true"),
]


@pytest.mark.parametrize("comments", VALID)
def test_valid_values_run(server, comments):
    name = f"magic_ok/s{next(_ids)}.ts"
    server.write(name, f"{comments}\nreturn 'ran';\n")
    response = server.get_when_routable("/" + name[:-3])
    assert (response.status_code, response.text) == (200, "ran")


@pytest.mark.parametrize(("comments", "needle"), INVALID)
def test_invalid_values_and_conflicts_are_load_errors(server, comments, needle):
    name = f"magic_bad/s{next(_ids)}.ts"
    server.write(name, f"{comments}\nreturn 'ran';\n")
    response = server.get_when_routable("/" + name[:-3])
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "load_error"
    assert needle in body["message"]
    assert body["problems"] and body["problems"][0]["line"] >= 1


def test_syntax_error_is_a_load_error_with_position(client):
    body = client.get("/errors/syntax").json()
    assert body["error"] == "load_error"
    assert body["problems"][0]["line"] == 1


def test_unresolvable_import_is_a_load_error(client):
    body = client.get("/errors/bad_import").json()
    assert body["error"] == "load_error"
    assert "missing" in body["message"]
