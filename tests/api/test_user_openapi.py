"""user-openapi: generate, list, validate, schema, spec, merge over real HTTP."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from api.conftest import error, ok
from hoody_exec.api.user_openapi import ScriptEntries, SpecStored, SpecValidation
from integration.conftest import Server

USER_SCRIPT = """\
// @token env:HOOK_TOKEN
// Read or delete one user.
// Answers the user as JSON.
if (request.method === "DELETE") return new Response(null, { status: 204 });
return { id: params.id, verbose: query.verbose === "1", fields: query["fields"] };
"""
HOOK_SCRIPT = """\
if (request.method !== "POST") return new Response(null, { status: 405 });
return { ok: true };
"""
FILES_SCRIPT = """\
/* Serves a file below /uo/files/. */
return params.rest;
"""


@pytest.fixture(scope="module")
def scripts(api: httpx.Client, api_server: Server) -> None:
    for path, content in (
        ("uo/users/[id].ts", USER_SCRIPT),
        ("uo/hook.ts", HOOK_SCRIPT),
        ("uo/files/[...rest].ts", FILES_SCRIPT),
    ):
        response = api.post("/scripts/write", json={"path": path, "content": content})
        assert response.status_code == 200, response.text
    api_server.get_when_routable("/uo/files/a")


def minimal(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "extra", "version": "2.0.0"},
        "paths": {
            "/extra/{id}": {
                "get": {
                    "operationId": "getExtra",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Extra"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"Extra": {"type": "object"}}},
    }
    doc.update(extra)
    return doc


def test_spec_describes_the_scripts(api: httpx.Client, scripts: None) -> None:
    response = api.get("/user-openapi/spec", params={"title": "Mine", "version": "9"})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": "Mine", "version": "9"}
    user = doc["paths"]["/uo/users/{id}"]
    assert set(user) == {"parameters", "get", "delete"}
    params = {(p["name"], p["in"]): p for p in user["parameters"]}
    assert params[("id", "path")]["required"] is True
    assert set(params) == {("id", "path"), ("verbose", "query"), ("fields", "query")}
    get = user["get"]
    assert get["summary"] == "Read or delete one user."
    assert get["description"] == "Read or delete one user.\nAnswers the user as JSON."
    assert {"bearerAuth": []} in get["security"] and {"tokenHeader": []} in get["security"]
    assert "401" in get["responses"] and "200" in get["responses"]
    assert get["x-hoody-exec"] == {"file": "uo/users/[id].ts", "mode": "serverless"}
    assert set(doc["components"]["securitySchemes"]) == {
        "bearerAuth",
        "basicAuth",
        "tokenHeader",
        "tokenQuery",
    }
    files = doc["paths"]["/uo/files/{rest}"]
    assert set(files) == {"parameters", "get"}
    assert files["get"]["summary"] == "Serves a file below /uo/files/."
    assert "security" not in files["get"] and "401" not in files["get"]["responses"]
    ids = [
        op["operationId"]
        for item in doc["paths"].values()
        for k, op in item.items()
        if k != "parameters"
    ]
    assert len(ids) == len(set(ids))
    # What we generate is valid by our own validator.
    checked = ok(api.post("/user-openapi/validate", json={"document": doc}), SpecValidation)
    assert checked.valid, checked.problems
    assert checked.paths == len(doc["paths"]) and checked.operations == len(ids)


def test_list_names_the_scripts(api: httpx.Client, scripts: None) -> None:
    listed = ok(api.get("/user-openapi/list"), ScriptEntries)
    assert listed.count == len(listed.scripts)
    by_file = {entry.file: entry for entry in listed.scripts}
    user = by_file["uo/users/[id].ts"]
    assert user.route == "/uo/users/[id]" and user.openapi_path == "/uo/users/{id}"
    assert user.methods == ["delete", "get"] or user.methods == ["get", "delete"]
    assert user.secured and user.path_parameters == ["id"]
    assert user.query_parameters == ["verbose", "fields"]
    assert user.mode == "serverless" and user.problems == []
    assert by_file["uo/files/[...rest].ts"].path_parameters == ["rest"]
    assert by_file["uo/files/[...rest].ts"].methods == ["get"]
    # A guard that refuses every other method leaves that one.
    assert by_file["uo/hook.ts"].methods == ["post"]
    assert by_file["uo/hook.ts"].summary is None
    assert not by_file["uo/files/[...rest].ts"].secured
    # Private files are not endpoints.
    assert not any(entry.file.startswith("_") or "/_" in entry.file for entry in listed.scripts)
    broken = [entry for entry in listed.scripts if entry.problems]
    assert broken and all(entry.mode is None for entry in broken)


def test_generate_stores_what_schema_serves(
    api: httpx.Client, api_server: Server, scripts: None
) -> None:
    stored = api_server.root / ".hoody" / "openapi.json"
    stored.unlink(missing_ok=True)
    missing = error(api.get("/user-openapi/schema"), 404, "not_found")
    assert missing["details"] == {"path": ".hoody/openapi.json"}
    made = ok(
        api.post(
            "/user-openapi/generate",
            json={"title": "Stored", "server_url": "http://127.0.0.1:1", "description": "d"},
        ),
        SpecStored,
    )
    assert made.path == ".hoody/openapi.json"
    assert made.document["servers"] == [{"url": "http://127.0.0.1:1"}]
    assert made.document["info"] == {"title": "Stored", "version": "1.0.0", "description": "d"}
    assert made.paths == len(made.document["paths"]) and made.operations >= made.paths
    assert json.loads(stored.read_text()) == made.document
    served = api.get("/user-openapi/schema")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/json")
    assert served.json() == made.document
    assert not [p for p in stored.parent.iterdir() if p.name.endswith(".tmp")]
    error(api.post("/user-openapi/generate", json={"title": ""}), 422, "validation_error")


def test_validate_accepts_a_good_document(api: httpx.Client) -> None:
    result = ok(api.post("/user-openapi/validate", json={"document": minimal()}), SpecValidation)
    assert result.valid and result.problems == [] and result.warnings == []
    assert (result.openapi, result.paths, result.operations) == ("3.1.0", 1, 1)
    external = minimal()
    external["paths"]["/extra/{id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] = {"$ref": "other.yaml#/Thing"}
    warned = ok(api.post("/user-openapi/validate", json={"document": external}), SpecValidation)
    assert warned.valid and "other.yaml" in warned.warnings[0].message


def _broken(change: str) -> dict[str, Any]:
    doc = minimal()
    op = doc["paths"]["/extra/{id}"]["get"]
    if change == "version":
        doc["openapi"] = "3.0.3"
    elif change == "info":
        del doc["info"]["title"]
    elif change == "undeclared":
        op["parameters"] = []
    elif change == "extra-param":
        op["parameters"].append(
            {"name": "other", "in": "path", "required": True, "schema": {"type": "string"}}
        )
    elif change == "optional-path":
        op["parameters"][0]["required"] = False
    elif change == "ref":
        op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] = (
            "#/components/schemas/Nope"
        )
    elif change == "slash":
        doc["paths"] = {"extra": {}}
    elif change == "description":
        del op["responses"]["200"]["description"]
    elif change == "status":
        op["responses"]["two hundred"] = {"description": "x"}
    elif change == "security":
        op["security"] = [{"missingScheme": []}]
    elif change == "operation-id":
        doc["paths"]["/other"] = {"post": {"operationId": "getExtra"}}
    elif change == "method-shape":
        doc["paths"]["/other"] = {"get": "nope", "fetch": {}}
    elif change == "parameter":
        op["parameters"].append({"name": "q", "in": "body", "schema": {}})
    return doc


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        ("version", "/openapi", "not a 3.1"),
        ("info", "/info/title", "required"),
        ("undeclared", "/paths/~1extra~1{id}/get", "not declared"),
        ("extra-param", "/paths/~1extra~1{id}/get", "not in the path template"),
        ("optional-path", "/paths/~1extra~1{id}/get/parameters/0", "required: true"),
        (
            "ref",
            "/paths/~1extra~1{id}/get/responses/200/content/application~1json/schema/$ref",
            "does not resolve",
        ),
        ("slash", "/paths/extra", "start with '/'"),
        ("description", "/paths/~1extra~1{id}/get/responses/200", "description"),
        ("status", "/paths/~1extra~1{id}/get/responses/two hundred", "status code"),
        ("security", "/paths/~1extra~1{id}/get/security/0/missingScheme", "not in components"),
        ("operation-id", "/paths/~1other/post/operationId", "also used"),
        ("method-shape", "/paths/~1other/get", "must be an object"),
        ("parameter", "/paths/~1extra~1{id}/get/parameters/1", "name and in"),
    ],
)
def test_validate_finds_problems(api: httpx.Client, change: str, pointer: str, words: str) -> None:
    result = ok(
        api.post("/user-openapi/validate", json={"document": _broken(change)}), SpecValidation
    )
    assert not result.valid
    assert any(p.pointer == pointer and words in p.message for p in result.problems), (
        result.problems
    )


def test_validate_request_errors(api: httpx.Client) -> None:
    error(api.post("/user-openapi/validate", json={"document": [1]}), 422, "validation_error")
    error(api.post("/user-openapi/validate", json={}), 422, "validation_error")
    bad = api.post(
        "/user-openapi/validate",
        content=b'{"document": ',
        headers={"content-type": "application/json"},
    )
    error(bad, 400, "invalid_json")
    empty = ok(api.post("/user-openapi/validate", json={"document": {}}), SpecValidation)
    assert not empty.valid and {p.pointer for p in empty.problems} >= {"/openapi", "/info"}


def test_merge_combines_documents(api: httpx.Client, scripts: None) -> None:
    merged = api.post("/user-openapi/merge", json={"documents": [minimal()], "title": "All"})
    assert merged.status_code == 200, merged.text
    doc = merged.json()
    assert "/extra/{id}" in doc["paths"] and "/uo/users/{id}" in doc["paths"]
    assert doc["components"]["schemas"]["Extra"] == {"type": "object"}
    assert "ScriptError" in doc["components"]["schemas"]
    assert doc["info"]["title"] == "All"
    checked = ok(api.post("/user-openapi/validate", json={"document": doc}), SpecValidation)
    assert checked.valid, checked.problems
    # Identical definitions are no conflict.
    same = api.post("/user-openapi/merge", json={"documents": [minimal(), minimal()]})
    assert same.status_code == 200, same.text
    only = api.post(
        "/user-openapi/merge", json={"documents": [minimal()], "include_generated": False}
    ).json()
    assert list(only["paths"]) == ["/extra/{id}"] and only["info"]["title"] == "extra"


def test_merge_conflicts(api: httpx.Client, scripts: None) -> None:
    clash = copy.deepcopy(minimal())
    clash["paths"]["/uo/users/{id}"] = {
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "get": {"summary": "theirs", "responses": {"200": {"description": "theirs"}}},
    }
    refused = error(api.post("/user-openapi/merge", json={"documents": [clash]}), 409, "conflict")
    at = [c["at"] for c in refused["details"]["conflicts"]]
    assert ["paths", "/uo/users/{id}", "get"] in at
    first = next(c for c in refused["details"]["conflicts"] if c["at"][-1] == "get")
    assert first["sources"] == ["generated", "documents[0]"]
    last = api.post("/user-openapi/merge", json={"documents": [clash], "prefer": "last"}).json()
    assert last["paths"]["/uo/users/{id}"]["get"]["summary"] == "theirs"
    assert "delete" in last["paths"]["/uo/users/{id}"]  # other methods kept
    kept = api.post("/user-openapi/merge", json={"documents": [clash], "prefer": "first"}).json()
    assert kept["paths"]["/uo/users/{id}"]["get"]["summary"] == "Read or delete one user."


def test_merge_refuses_invalid_documents(api: httpx.Client) -> None:
    invalid = error(
        api.post("/user-openapi/merge", json={"documents": [minimal(), {"openapi": "3.1.0"}]}),
        422,
        "invalid_document",
    )
    assert invalid["details"][0]["document"] == 1
    error(api.post("/user-openapi/merge", json={"documents": []}), 422, "validation_error")
    error(
        api.post("/user-openapi/merge", json={"documents": [minimal()], "prefer": "mine"}),
        422,
        "validation_error",
    )


def test_user_openapi_needs_the_admin_token(anon: httpx.Client) -> None:
    error(anon.get("/user-openapi/spec"), 401, "unauthorized")
    error(anon.get("/user-openapi/schema"), 401, "unauthorized")
    error(anon.post("/user-openapi/validate", json={"document": {}}), 401, "unauthorized")


def _nested(depth: int) -> Any:
    node: Any = {"type": "string"}
    for _ in range(depth):
        node = {"allOf": [node]}
    return node


def test_deep_documents_are_refused_not_crashed_on(api: httpx.Client) -> None:
    fine = minimal(components={"schemas": {"Extra": {"type": "object"}, "Deep": _nested(50)}})
    assert ok(api.post("/user-openapi/validate", json={"document": fine}), SpecValidation).valid
    merged = api.post("/user-openapi/merge", json={"documents": [fine], "include_generated": False})
    assert merged.status_code == 200, merged.text
    deep = minimal(components={"schemas": {"Extra": {"type": "object"}, "Deep": _nested(200)}})
    too_deep = error(
        api.post("/user-openapi/validate", json={"document": deep}), 422, "document_too_deep"
    )
    assert too_deep["details"] == {"limit": 128}
    refused = error(
        api.post("/user-openapi/merge", json={"documents": [fine, deep]}),
        422,
        "document_too_deep",
    )
    assert refused["details"]["document"] == 1
