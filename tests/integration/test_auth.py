"""@token: every way of passing it, env: forms, 401, never logged (SPEC §3)."""

import base64

import pytest

LITERAL = "s3cret-literal"


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"anyone:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"authorization": f"Bearer {LITERAL}"}, ""),
        ({"authorization": basic(LITERAL)}, ""),
        ({"x-token": LITERAL}, ""),
        ({}, f"?token={LITERAL}"),
    ],
)
def test_each_way_of_passing_the_token(client, headers, query):
    assert client.get(f"/auth/literal{query}", headers=headers).json() == {"ok": True}


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, ""),
        ({"authorization": "Bearer wrong"}, ""),
        ({"authorization": basic("wrong")}, ""),
        ({"x-token": "wrong"}, ""),
        ({}, "?token=wrong"),
        ({"authorization": "Basic !!notbase64"}, ""),
    ],
)
def test_missing_or_wrong_token_is_401(client, headers, query):
    response = client.get(f"/auth/literal{query}", headers=headers)
    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]
    assert response.json()["error"] == "unauthorized"


def test_token_from_allowed_env(client):
    assert client.get("/auth/env", headers={"x-token": "env-secret-token"}).status_code == 200
    assert client.get("/auth/env", headers={"x-token": "nope"}).status_code == 401


def test_token_from_dotenv(client):
    assert client.get("/auth/dotenv?token=dotenv-secret").status_code == 200


def test_token_env_not_allowed_is_a_load_error(client):
    response = client.get("/auth/missing_env")
    assert response.status_code == 500
    assert "NOT_ALLOWED_TOKEN" in response.json()["message"]


def test_secrets_never_logged(server, client):
    client.get("/auth/literal", headers={"authorization": f"Bearer {LITERAL}"})
    client.get(f"/auth/literal?token={LITERAL}")
    last = client.get("/auth/env", headers={"x-token": "env-secret-token"})
    log = server.wait_for_log(last.headers["x-request-id"], "status")
    assert LITERAL not in log
    assert "env-secret-token" not in log
