"""@cors: headers on responses and preflight without the script or token (SPEC §3)."""

PREFLIGHT = {
    "origin": "https://site.example",
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type, x-token",
}


def test_none_adds_nothing(client):
    response = client.get("/cors/none", headers={"origin": "https://site.example"})
    assert "access-control-allow-origin" not in response.headers
    # Without CORS, OPTIONS runs the script like any method.
    assert client.options("/cors/none", headers=PREFLIGHT).json() == {"method": "OPTIONS"}


def test_star(client):
    response = client.get("/cors/star", headers={"origin": "https://site.example"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_reflective_echoes_origin_with_credentials(client):
    response = client.get("/cors/reflective", headers={"origin": "https://site.example"})
    assert response.headers["access-control-allow-origin"] == "https://site.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in response.headers["vary"]


def test_single_origin(client):
    response = client.get("/cors/origin", headers={"origin": "https://app.example.com"})
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"


def test_preflight_is_answered_without_running_the_script(client):
    for path in ("/cors/star", "/cors/reflective", "/cors/origin"):
        response = client.options(path, headers=PREFLIGHT)
        assert response.status_code == 204, path
        assert response.content == b""
        assert "POST" in response.headers["access-control-allow-methods"]
        assert response.headers["access-control-allow-headers"] == "content-type, x-token"


def test_preflight_needs_no_token_but_requests_do(client):
    assert client.options("/auth/cors", headers=PREFLIGHT).status_code == 204
    denied = client.get("/auth/cors", headers={"origin": "https://site.example"})
    assert denied.status_code == 401
    # The 401 still carries CORS headers so the browser can read it.
    assert denied.headers["access-control-allow-origin"] == "*"
