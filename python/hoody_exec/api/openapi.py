"""The OpenAPI 3.1 document of the management API, built from the route table.

Built from the same `Operation` tuple the router dispatches on, and its schemas
from the same pydantic models that validate requests and shape answers, so the
document cannot drift from what the server does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from hoody_exec.api.models import ErrorBody
from hoody_exec.api.operation import Operation
from hoody_exec.routing import RESERVED_PREFIX

REF = "#/components/schemas/{model}"

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted: the work goes on in the background",
    400: "Bad request: invalid JSON, an invalid path or value",
    401: "Missing or wrong admin token",
    403: "The path leads outside the scripts folder or into its state folder",
    404: "No such file, folder or operation",
    409: "Conflict: the target exists or the folder is not empty",
    413: "The body or the file is too large",
    422: "The request does not match the schema, or the result would be invalid",
    424: "A package could not be installed: not found, no matching version, unsafe",
    500: "The operation failed on the server; the message says why",
    502: "The npm registry could not be reached or answered wrongly",
    503: "Not available now: the engine is not ready, or a needed tool or lock is not",
}


def _version() -> str:
    import hoody_exec

    return str(hoody_exec.__version__)


@cache
def _cached(operations: tuple[Operation, ...]) -> dict[str, Any]:
    return _build(operations)


def build_document(operations: tuple[Operation, ...]) -> dict[str, Any]:
    return _cached(operations)


def _build(operations: tuple[Operation, ...]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for op in operations:
        wanted.append((op.request, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(unique, ref_template=REF)
    schemas: dict[str, Any] = top.get("$defs", {})

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return dict(refs[(model, mode)])

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(RESERVED_PREFIX + op.path, {})[op.method.lower()] = _operation(
            op, ref, schemas
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hoody-exec management API",
            "version": _version(),
            "description": "Manage the scripts, routes and magic comments of a hoody-exec "
            "server. Every operation except health needs the admin token (Bearer or X-Token). "
            'Errors are {"error": {"code", "message", "details"}}.',
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "xToken": {"type": "apiKey", "in": "header", "name": "X-Token"},
            },
        },
        "security": [{"bearer": []}, {"xToken": []}],
    }


def _operation(op: Operation, ref: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    request_ref = ref(op.request, "validation")
    document: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        document["description"] = op.description
    if op.open:
        document["security"] = []
    parameters = _path_parameters(op, request_ref, schemas)
    if op.method in ("GET", "DELETE"):
        parameters += _query_parameters(
            request_ref, schemas, all_optional=op.method == "DELETE", skip=op.path_parameters
        )
    if parameters:
        document["parameters"] = parameters
    if op.method != "GET":
        document["requestBody"] = {
            "required": op.method != "DELETE" and _has_required(request_ref, schemas),
            "content": {"application/json": {"schema": request_ref}},
        }
    ok_schema = (
        ref(op.response, "serialization")
        if op.response is not None
        else {"type": "object", "additionalProperties": True}
    )
    if op.media_type != "application/json":
        ok_schema = {"type": "string"}
    responses: dict[str, Any] = {
        str(op.success): {
            "description": _STATUS_TEXT.get(op.success, "OK"),
            "content": {op.media_type: {"schema": ok_schema}},
        }
    }
    error_ref = ref(ErrorBody, "serialization")
    for status in sorted(set(op.errors)):
        # NOTE: health's 503 carries its usual body (status: unavailable); every
        # other operation's 503 is an error like the rest.
        content_schema = ok_schema if status == 503 and op.path == "/health" else error_ref
        responses[str(status)] = {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": content_schema}},
        }
    document["responses"] = responses
    return document


def _component(request_ref: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    name = request_ref["$ref"].rsplit("/", 1)[-1]
    return dict(schemas[name])


def _has_required(request_ref: dict[str, Any], schemas: dict[str, Any]) -> bool:
    return bool(_component(request_ref, schemas).get("required"))


def _path_parameters(
    op: Operation, request_ref: dict[str, Any], schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    properties = _component(request_ref, schemas).get("properties", {})
    return [
        {"name": name, "in": "path", "required": True, "schema": properties.get(name, {})}
        for name in op.path_parameters
    ]


def _query_parameters(
    request_ref: dict[str, Any],
    schemas: dict[str, Any],
    *,
    all_optional: bool,
    skip: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    component = _component(request_ref, schemas)
    required = set(component.get("required", []))
    parameters = []
    for name, schema in component.get("properties", {}).items():
        if name in skip:
            continue
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required and not all_optional,
            "schema": schema,
        }
        if "description" in schema:
            parameter["description"] = schema["description"]
        parameters.append(parameter)
    return parameters
