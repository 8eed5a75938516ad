"""File routes over HTTP (SPEC §2.1)."""

import pytest


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/routing", {"route": "index"}),
        ("/routing/users", {"route": "users"}),
        ("/routing/users/42", {"route": "user", "id": "42"}),
        ("/routing/users/me", {"route": "me"}),
        ("/routing/files/a/b/c.txt", {"route": "files", "rest": "a/b/c.txt"}),
    ],
)
def test_routes(client, path, expected):
    assert client.get(path).json() == expected


def test_ts_wins_over_js(client):
    assert client.get("/routing/twin").text == "ts"
    assert client.get("/routing/plain").text == "javascript"


@pytest.mark.parametrize("path", ["/routing/_private", "/nope", "/routing/users/1/2"])
def test_unknown_routes_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_every_method_runs_the_script(client):
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        response = client.request(method, "/cors/none")
        assert response.json() == {"method": method}


def test_health_is_open_and_reserved(client):
    response = client.get("/api/v1/exec/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert client.get("/api/v1/exec/nothing").status_code == 404
