"""Gateway errors: the SDK's errors inside the script, a JSON answer naming the
gateway's status when the script leaves them unhandled."""

from __future__ import annotations

import pytest

from integration.conftest import Server


@pytest.mark.parametrize("status", [401, 429, 500])
def test_caught_as_the_sdk_error(ai_server: Server, status: int) -> None:
    response = ai_server.client.post("/failing", params={"model": f"error/{status}", "catch": "1"})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["name"] == "AI_APICallError"
    assert data["isAPICallError"] is True
    assert data["status"] == status
    assert data["retryAfter"] == ("7" if status == 429 else None)


def test_unhandled_names_the_gateway_status(ai_server: Server) -> None:
    response = ai_server.client.post("/failing", params={"model": "error/401"})
    assert response.status_code == 502
    data = response.json()
    assert data["error"] == "ai_gateway_error"
    assert data["gateway_status"] == 401
    assert "401" in data["message"] and "fake gateway error 401" in data["message"]
    assert data["script"] == "failing.ts"


def test_unhandled_rate_limit_keeps_retry_after(ai_server: Server) -> None:
    response = ai_server.client.post("/failing", params={"model": "error/429"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    data = response.json()
    assert data["gateway_status"] == 429
    assert data["retry_after"] == "7"
    assert data["retryable"] is True


def test_unhandled_server_error(ai_server: Server) -> None:
    response = ai_server.client.post("/failing", params={"model": "error/500"})
    assert response.status_code == 502
    assert response.json()["gateway_status"] == 500


def test_timeouts(ai_server: Server) -> None:
    caught = ai_server.client.post("/hang", params={"catch": "1"})
    assert caught.status_code == 200, caught.text
    assert caught.json()["name"] in ("TimeoutError", "AbortError")
    unhandled = ai_server.client.post("/hang")
    assert unhandled.status_code == 504, unhandled.text
    assert unhandled.json()["error"] == "ai_gateway_timeout"
