"""The host side of `@ai`: which URLs get the gateway's key, and usage read from answers."""

from __future__ import annotations

import json
import re

import pytest

from hoody_exec.webapi import gateway, gateway_usage
from hoody_exec.webapi.gateway import Gateway, parse_base_url

KEY = "sk-unit-test-0123456789"


@pytest.fixture
def configured() -> object:
    found = Gateway("https://gw.example/api/v1", KEY, "HOODY_EXEC_AI_API_KEY", "a/b")
    gateway.configure(found)
    yield found
    gateway.configure(None)


def test_base_url_forms() -> None:
    assert parse_base_url(" https://openrouter.ai/api/v1/ ") == "https://openrouter.ai/api/v1"
    assert parse_base_url("http://127.0.0.1:11434/v1") == "http://127.0.0.1:11434/v1"
    for bad, why in [
        ("openrouter.ai/api/v1", "not an http(s) URL"),
        ("https://u:p@gw/v1", "credentials"),
        ("https://gw/v1#x", "query or fragment"),
        ("https://gw:99999/v1", "expected an http"),
    ]:
        with pytest.raises(ValueError, match=re.escape(why)):
            parse_base_url(bad)


def test_allowance_names_host_and_port() -> None:
    assert Gateway("https://gw.example/v1", None, "K", "m").allowance == "gw.example:443"
    assert Gateway("http://[::1]:8000/v1", None, "K", "m").allowance == "[::1]:8000"


@pytest.mark.usefixtures("configured")
def test_the_key_goes_to_the_gateway_urls_only() -> None:
    script_headers = [("authorization", "Bearer mine"), ("content-type", "application/json")]
    sent = gateway.authorize("https://gw.example/api/v1/chat/completions", script_headers)
    assert ("authorization", f"Bearer {KEY}") in sent
    assert ("authorization", "Bearer mine") not in sent
    for elsewhere in [
        "https://gw.example/api/v2/chat/completions",  # outside the base path
        "https://gw.example/api/v1x",  # a prefix of the path is not under it
        "http://gw.example/api/v1/chat/completions",  # another scheme
        "https://gw.example:8443/api/v1/chat/completions",  # another port
        "https://evil.example/api/v1/chat/completions",
        "not a url",
    ]:
        assert gateway.authorize(elsewhere, script_headers) == script_headers, elsewhere


def test_without_a_key_nothing_is_added() -> None:
    gateway.configure(Gateway("http://127.0.0.1:11434/v1", None, "K", "m"))
    try:
        assert gateway.authorize("http://127.0.0.1:11434/v1/chat/completions", []) == []
    finally:
        gateway.configure(None)


def test_from_settings_reads_the_key_from_its_variable() -> None:
    found = gateway.from_settings(
        None, "MY_KEY", "a/b", {"HOODY_EXEC_AI_BASE_URL": "https://g/v1", "MY_KEY": KEY}
    )
    assert found is not None and found.api_key == KEY and found.base_url == "https://g/v1"
    assert gateway.from_settings(None, "MY_KEY", "a/b", {}) is None


def _usage(chunks: list[bytes], content_type: str) -> list[gateway_usage.Usage]:
    seen: list[gateway_usage.Usage] = []
    gateway_usage.set_sink(seen.append)
    try:
        reader = gateway_usage.UsageReader("s.ts", "rid1", content_type, "asked/model")
        for chunk in chunks:
            reader.feed(chunk)
        reader.finish()
    finally:
        gateway_usage.set_sink(None)
    return seen


def test_usage_of_a_json_answer_split_anywhere() -> None:
    body = json.dumps(
        {"model": "real/model", "usage": {"prompt_tokens": 5, "completion_tokens": 2}}
    )
    raw = body.encode()
    found = _usage([raw[:7], raw[7:]], "application/json")
    assert found == [gateway_usage.Usage("s.ts", "rid1", "real/model", 5, 2)]


def test_usage_of_an_event_stream() -> None:
    events = (
        b'data: {"model":"m1","choices":[{"delta":{"content":"hi"}}]}\n\n'
        b'data: {"model":"m1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3}}\n\n'
        b"data: [DONE]\n\n"
    )
    found = _usage([events[i : i + 10] for i in range(0, len(events), 10)], "text/event-stream")
    assert found == [gateway_usage.Usage("s.ts", "rid1", "m1", 9, 3)]


def test_no_usage_no_record() -> None:
    assert _usage([b"data: {}\n\n"], "text/event-stream") == []
    assert _usage([b"not json"], "application/json") == []
