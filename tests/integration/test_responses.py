"""Every row of SPEC §2.3: what a script returns → the HTTP response."""

import pytest


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/responses/object", 200, "application/json", b'{"message":"hi","n":1}'),
        ("/responses/array", 200, "application/json", b'[1,"two",null]'),
        ("/responses/number", 200, "application/json", b"42"),
        ("/responses/boolean", 200, "application/json", b"true"),
        ("/responses/null", 200, "application/json", b"null"),
        ("/responses/string", 200, "text/plain; charset=utf-8", b"plain text"),
        ("/responses/html", 200, "text/html; charset=utf-8", b"<!doctype html><h1>hi</h1>"),
        ("/responses/bytes", 200, "application/octet-stream", b"\x00\x01\x02\xff"),
        ("/responses/arraybuffer", 200, "application/octet-stream", b"\x09\x08\x07"),
        ("/responses/stream", 200, "application/octet-stream", b"chunk1,chunk2"),
    ],
)
def test_return_value_mapping(client, path, status, content_type, body):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == content_type
    assert response.content == body


def test_undefined_is_204(client):
    response = client.get("/responses/undefined")
    assert response.status_code == 204
    assert response.content == b""


def test_response_passes_through(client):
    response = client.get("/responses/response")
    assert response.status_code == 418
    assert response.headers["x-teapot"] == "yes"
    assert response.text == "short and stout"
    created = client.get("/responses/json_response")
    assert created.status_code == 201
    assert created.json() == {"ok": True}


def test_async_generator_is_server_sent_events(client):
    response = client.get("/responses/sse")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text == 'data: hello\n\ndata: {"n":2}\n\n'


def test_thrown_error_is_500_json_with_original_position(client):
    response = client.get("/errors/throw")
    assert response.status_code == 500
    assert response.json() == {
        "error": "TypeError",
        "message": "boom at line 7",
        "script": "errors/throw.ts",
        "line": 7,
        "column": 9,
    }


def test_error_in_a_helper_names_the_helper(client):
    body = client.get("/errors/helper").json()
    assert (body["error"], body["script"], body["line"]) == ("RangeError", "errors/_lib/boom.ts", 4)


def test_every_response_has_a_request_id(client):
    assert len(client.get("/responses/object").headers["x-request-id"]) == 16


def test_head_has_no_body(client):
    response = client.head("/responses/string")
    assert response.status_code == 200
    assert response.content == b""
