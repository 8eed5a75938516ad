"""The OpenAPI 3.1 document: served, structurally valid, and in step with the router."""

from __future__ import annotations

import re
from typing import Any

from api.conftest import ok
from hoody_exec.api.app import OPERATIONS
from hoody_exec.routing import RESERVED_PREFIX

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        for value in node.values():
            found.extend(_refs(value))
        return found
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def test_document_is_structurally_openapi_3_1(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"] and doc["info"]["version"]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["xToken"]["in"] == "header"
    operation_ids = set()
    for path, item in doc["paths"].items():
        assert path.startswith(RESERVED_PREFIX + "/")
        for method, operation in item.items():
            assert method in METHODS
            assert operation["operationId"] not in operation_ids
            operation_ids.add(operation["operationId"])
            success = [status for status in operation["responses"] if status.startswith("2")]
            assert len(success) == 1, success
            (content,) = operation["responses"][success[0]]["content"].values()
            assert content["schema"]
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5]\d\d", status)
            for parameter in operation.get("parameters", []):
                assert "schema" in parameter
                if parameter["in"] == "path":
                    # `{name}` segments (templates/update-custom/{name}) are required.
                    assert "{" + parameter["name"] + "}" in path and parameter["required"]
                else:
                    assert parameter["in"] == "query"
            if method == "get":
                assert "requestBody" not in operation
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_every_routed_operation_is_documented_with_its_models(api):
    doc = api.get("/openapi.json").json()
    documented = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    routed = {(op.method, RESERVED_PREFIX + op.path) for op in OPERATIONS}
    assert documented == routed
    schemas = doc["components"]["schemas"]
    for op in OPERATIONS:
        operation = doc["paths"][RESERVED_PREFIX + op.path][op.method.lower()]
        if op.response is not None:
            answer = operation["responses"][str(op.success)]
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/" + op.response.__name__)
            assert schemas[op.response.__name__]["type"] == "object"
        if op.method in ("POST", "PUT", "DELETE"):
            body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert body.endswith("/" + op.request.__name__)
        if op.method == "GET":
            names = {p["name"] for p in operation.get("parameters", [])}
            assert names == set(op.request.model_fields)
        assert ("security" in operation and operation["security"] == []) == op.open
        for status in op.errors:
            assert str(status) in operation["responses"]


def test_every_documented_operation_answers(api, anon):
    """Nothing documented is missing from the router: each path answers something
    other than 404/405 (a 422 for an empty request is fine)."""
    doc = api.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        for method in item:
            url = path.removeprefix(RESERVED_PREFIX)
            if "text/event-stream" in item[method]["responses"].get("200", {}).get("content", {}):
                # An endless event stream (logs/stream): the status line is the answer.
                with api.stream(method.upper(), url) as response:
                    assert response.status_code not in (404, 405), (method, path)
                continue
            body = {} if method != "get" else None
            if url == "/system/restart":
                # An unknown field proves the route (422) without restarting the
                # server every other test here uses.
                body = {"probe": True}
            # A `{name}` segment gets a value; the operation may answer its own 404
            # (no such template), but not the router's (no such operation).
            url = re.sub(r"\{[^}]+\}", "probe", url)
            response = api.request(method.upper(), url, json=body)
            assert response.status_code != 405, (method, path, response.text)
            if response.status_code == 404:
                message = response.json()["error"]["message"]
                assert "no management operation" not in message, (method, path)


def test_health_response_matches_its_schema(anon):
    from hoody_exec.api.models import HealthResult

    ok(anon.get("/health"), HealthResult)


def test_a_503_is_an_error_body_except_for_health(api):
    paths = api.get("/openapi.json").json()["paths"]
    schema_of = {
        (path, method): operation["responses"]["503"]["content"]["application/json"]["schema"]
        for path, item in paths.items()
        for method, operation in item.items()
        if "503" in operation["responses"]
    }
    assert schema_of.pop((f"{RESERVED_PREFIX}/health", "get"))["$ref"].endswith("/HealthResult")
    for schema in schema_of.values():
        assert schema["$ref"].endswith("/ErrorBody")
