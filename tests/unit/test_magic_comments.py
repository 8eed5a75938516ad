import hashlib

import pytest

from hoody_exec.scripts import (
    MAGIC_COMMENTS,
    MagicCommentError,
    MagicComments,
    magic_comment_schema,
    parse_magic_comments,
    scan_leading_comments,
)
from hoody_exec.scripts.env import load_allowed_env, parse_dotenv


def problems_of(source: str, **kwargs) -> list[str]:
    with pytest.raises(MagicCommentError) as info:
        parse_magic_comments(source, **kwargs)
    return [str(problem) for problem in info.value.problems]


def test_defaults_without_comments():
    assert parse_magic_comments("return 1;\n") == MagicComments()
    magic = MagicComments()
    assert (magic.mode, magic.cors, magic.timeout_ms, magic.concurrent) == (
        "serverless",
        "none",
        3_600_000,
        None,
    )
    assert (magic.log_level, magic.websocket, magic.ai, magic.schedule) == (
        "standard",
        False,
        False,
        None,
    )


def test_scan_stops_at_first_code_and_reads_block_comments():
    source = (
        "#!/usr/bin/env hoody-exec\n"
        "\n"
        "// @mode worker\n"
        "// a free-text comment mentioning @nothing in the middle\n"
        "/**\n"
        " * Users API\n"
        " * @cors *\n"
        " */\n"
        "/* @timeout 10 */\n"
        "const a = 1;\n"
        "// @mode serverless\n"
    )
    found = [(c.name, c.value, c.line) for c in scan_leading_comments(source)]
    assert found == [("mode", "worker", 3), ("cors", "*", 7), ("timeout", "10", 9)]


def test_foreign_pragmas_are_skipped():
    magic = parse_magic_comments("// @ts-nocheck\n/** @jsx h */\n// @mode worker\n")
    assert magic.mode == "worker"


@pytest.mark.parametrize("value", ["worker", "serverless", "Worker"])
def test_mode_values(value):
    assert parse_magic_comments(f"// @mode {value}").mode == value.lower()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("none", "none"),
        ("*", "*"),
        ("reflective", "reflective"),
        ("https://app.example.com", "https://app.example.com"),
        ("https://App.Example.com:8443/", "https://app.example.com:8443"),
        ("http://localhost:3000", "http://localhost:3000"),
    ],
)
def test_cors_values(value, expected):
    assert parse_magic_comments(f"// @cors {value}").cors == expected


@pytest.mark.parametrize("value", ["", "ftp://x.com", "https://x.com/path", "yes", "https://"])
def test_cors_bad_values(value):
    (problem,) = problems_of(f"// @cors {value}")
    assert "@cors" in problem and "allowed: none, *, reflective" in problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5000", 5000), ("0", None), ("unlimited", None), ("1_000", 1000), ("3600000", 3_600_000)],
)
def test_timeout_values(value, expected):
    assert parse_magic_comments(f"// @timeout {value}").timeout_ms == expected


@pytest.mark.parametrize("value", ["", "-1", "5s", "1.5", "forever"])
def test_timeout_bad_values(value):
    (problem,) = problems_of(f"// @timeout {value}")
    assert problem.startswith("line 1: @timeout") and "milliseconds" in problem


@pytest.mark.parametrize(
    ("value", "expected"), [("true", None), ("false", 1), ("1", 1), ("8", 8), ("TRUE", None)]
)
def test_concurrent_values(value, expected):
    assert parse_magic_comments(f"// @concurrent {value}").concurrent == expected


@pytest.mark.parametrize("value", ["", "0", "-2", "maybe", "1.5"])
def test_concurrent_bad_values(value):
    (problem,) = problems_of(f"// @concurrent {value}")
    assert "@concurrent" in problem and "positive integer" in problem


def test_token_literal_is_kept_only_as_digest():
    magic = parse_magic_comments("// @token s3cret")
    assert magic.token_digest == hashlib.sha256(b"s3cret").digest()
    assert "s3cret" not in repr(magic)


def test_token_from_env():
    magic = parse_magic_comments("// @token env:HOOK", env={"HOOK": "abc"})
    assert magic.token_digest == hashlib.sha256(b"abc").digest()
    assert magic.token_env == "HOOK"


def test_token_env_missing_names_the_variable_and_the_fix():
    (problem,) = problems_of("// @token env:HOOK", env={})
    assert "HOOK" in problem and "--env HOOK" in problem


@pytest.mark.parametrize("source", ["// @token", "// @token env:9bad", "// @token a b"])
def test_token_bad_values(source):
    assert len(problems_of(source)) == 1


def test_token_secret_never_in_errors():
    problems = problems_of("// @token hunter2\n// @token hunter3")
    assert all("hunter" not in problem for problem in problems)
    assert "duplicate" in problems[0]


@pytest.mark.parametrize(
    ("source", "expected"),
    [("// @mode worker\n// @websocket", True), ("// @mode worker\n// @websocket true", True)],
)
def test_websocket_flag(source, expected):
    assert parse_magic_comments(source).websocket is expected


def test_websocket_false_needs_no_worker():
    assert parse_magic_comments("// @websocket false").websocket is False


@pytest.mark.parametrize(("value", "expected"), [("", True), ("true", True), ("false", False)])
def test_ai_values(value, expected):
    assert parse_magic_comments(f"// @ai {value}").ai is expected


def test_ai_model():
    magic = parse_magic_comments("// @ai true\n// @ai-model openai/gpt-4o-mini")
    assert magic.ai_model == "openai/gpt-4o-mini"
    assert MagicComments().ai_model == "google/gemini-2.5-flash-lite"
    assert len(problems_of("// @ai\n// @ai-model gpt4")) == 1


@pytest.mark.parametrize("level", ["none", "minimal", "standard", "full", "debug"])
def test_log_levels(level):
    assert parse_magic_comments(f"// @log-level {level}").log_level == level


def test_log_level_bad_value_lists_the_five_levels():
    (problem,) = problems_of("// @log-level verbose")
    assert "none, minimal, standard, full, debug" in problem


@pytest.mark.parametrize(
    ("value", "expression", "zone", "seconds"),
    [
        ("*/5 * * * *", "*/5 * * * *", None, False),
        ("0 9 * * MON-FRI Europe/Berlin", "0 9 * * MON-FRI", "Europe/Berlin", False),
        ("*/10 * * * * *", "*/10 * * * * *", None, True),
        ("@daily UTC", "@daily", "UTC", False),
    ],
)
def test_schedule_values(value, expression, zone, seconds):
    schedule = parse_magic_comments(f"// @schedule {value}").schedule
    assert schedule is not None
    assert (schedule.expression, schedule.timezone, schedule.seconds) == (
        expression,
        zone,
        seconds,
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "missing value"),
        ("* * *", "5 or 6 fields"),
        ("61 * * * *", "not a valid cron"),
        ("0 0 * * * Mars/Olympus", "unknown time zone"),
    ],
)
def test_schedule_bad_values(value, reason):
    (problem,) = problems_of(f"// @schedule {value}")
    assert reason in problem


def test_unknown_comment_suggests_the_closest_name():
    (problem,) = problems_of("// @timout 5")
    assert "did you mean @timeout" in problem and "line 1" in problem


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("// @websocket", "needs @mode worker"),
        ("// @mode serverless\n// @websocket", "needs @mode worker"),
        ("// @mode worker\n// @concurrent 2", "only applies to @mode serverless"),
        ("// @concurrent false\n// @mode worker", "only applies to @mode serverless"),
        ("// @ai-model openai/gpt-4o", "without @ai true"),
        ("// @mode worker\n// @mode worker", "duplicate: already set on line 1"),
    ],
)
def test_conflicts(source, needle):
    problems = problems_of(source)
    assert any(needle in problem for problem in problems), problems


def test_every_problem_is_reported_with_its_line():
    source = "// @mode nope\n// @timeout soon\n// @bogus\n// @cors\n"
    problems = problems_of(source, filename="a.ts")
    assert [problem.split(":")[0] for problem in problems] == [
        "line 1",
        "line 2",
        "line 3",
        "line 4",
    ]
    with pytest.raises(MagicCommentError, match=r"a\.ts: invalid magic comments"):
        parse_magic_comments(source, filename="a.ts")


def test_schema_covers_every_comment():
    schema = magic_comment_schema()
    names = [entry["name"] for entry in schema]
    assert names == [
        "mode",
        "cors",
        "timeout",
        "concurrent",
        "token",
        "websocket",
        "ai",
        "ai-model",
        "log-level",
        "schedule",
    ]
    assert len(MAGIC_COMMENTS) == len(schema)
    for entry in schema:
        assert {"values", "default", "meaning", "conflicts", "example"} <= entry.keys()
        # every example parses (with what it needs)
        example = entry["example"]
        prefix = {"websocket": "// @mode worker\n", "ai-model": "// @ai\n"}.get(entry["name"], "")
        parse_magic_comments(prefix + example, env={"WEBHOOK_TOKEN": "t"})


def test_dotenv_parsing(tmp_path):
    text = "A=1\n# comment\nexport B=\"two words\"\nC='x#y'\nD=val # trailing\n\nnoequals\n"
    assert parse_dotenv(text) == {"A": "1", "B": "two words", "C": "x#y", "D": "val"}
    (tmp_path / ".env").write_text("A=file\nB=file\n")
    env = load_allowed_env(tmp_path, ["B", "MISSING"], environ={"B": "proc", "OTHER": "no"})
    assert env == {"A": "file", "B": "proc"}
