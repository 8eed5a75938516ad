"""What a script sees: request, req, body, query, params, headers, env, cookies."""

import base64


def test_get_with_query_headers_and_cookies(client):
    response = client.get(
        "/request/echo?a=1&b=2&b=3",
        headers={"x-demo": "yes", "cookie": "session=abc; theme=dark"},
    )
    data = response.json()
    assert data["method"] == "GET" and data["reqMethod"] == "GET"
    assert data["url"].endswith("/request/echo?a=1&b=2&b=3")
    assert data["path"] == "/request/echo"
    assert data["query"] == {"a": "1", "b": ["2", "3"]}
    assert data["params"] == {}
    assert data["header"] == "yes"
    assert data["cookies"] == {"session": "abc", "theme": "dark"}
    assert data["ip"] == "127.0.0.1"
    assert data["bodyType"] == "undefined"


def test_json_body_is_parsed(client):
    data = client.post("/request/echo", json={"x": [1, 2]}).json()
    assert (data["bodyType"], data["body"]) == ("object", {"x": [1, 2]})


def test_form_body_is_an_object(client):
    data = client.post("/request/echo", data={"a": "1", "b": ["x", "y"]}).json()
    assert data["body"] == {"a": "1", "b": ["x", "y"]}


def test_multipart_body_is_an_object_with_files(client):
    data = client.post(
        "/request/echo", data={"field": "v"}, files={"upload": ("a.txt", b"hello", "text/plain")}
    ).json()
    assert data["body"]["field"] == "v"
    upload = data["body"]["upload"]
    assert (upload["filename"], upload["type"], upload["size"]) == ("a.txt", "text/plain", 5)
    assert base64.b64decode(upload["base64"]) == b"hello"


def test_text_body_is_a_string(client):
    data = client.post(
        "/request/echo", content="héllo", headers={"content-type": "text/plain"}
    ).json()
    assert (data["bodyType"], data["body"]) == ("string", "héllo")


def test_other_bodies_are_bytes(client):
    data = client.post(
        "/request/echo",
        content=b"\x00\x01\xff",
        headers={"content-type": "application/octet-stream"},
    ).json()
    assert (data["bodyType"], data["body"]) == ("bytes", [0, 1, 255])


def test_request_text_reads_the_raw_body(client):
    assert client.post("/request/text", content="raw body").text == "raw body"


def test_env_has_only_allowed_variables(client):
    env = client.get("/request/env").json()
    # --env HOOK_TOKEN and the folder's .env; nothing else of the host.
    assert env["HOOK_TOKEN"] == "env-secret-token"
    assert env["PUBLIC_NAME"] == "fixtures"
    assert "PATH" not in env and "HOME" not in env


def test_module_style_function_and_fetch_object(client):
    assert client.post("/styles/module_fn").text == "fn POST"
    assert client.get("/styles/module_fetch").json() == {
        "style": "fetch",
        "url": "/styles/module_fetch",
    }


def test_helper_import_from_private_folder(client):
    assert client.get("/styles/helper?name=ada").json() == {"greeting": "hello ada"}
    # TypeScript 5: standard decorators (metadata too) and merged namespaces run
    assert client.get("/styles/decorated?name=ada").json() == {
        "text": "hello ada",
        "calls": ["greet"],
        "path": "/greet",
    }
    assert client.get("/styles/_lib/greet").status_code == 404
