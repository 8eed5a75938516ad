"""An OpenAPI 3.0/3.1 document, read and checked before an SDK is generated from it.

Every problem is a `DocumentError` naming the JSON path of the bad value
(`$.paths["/pets"].get.parameters[0].in`) and what is allowed there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from hoody_exec.jsonpointer import resolve_pointer

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PARAMETER_PLACES = ("path", "query", "header", "cookie")
SCHEMA_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_TEMPLATE = re.compile(r"\{([^{}]+)\}")


class DocumentError(ValueError):
    """What is wrong with the document, and where."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}")
        self.message = message
        self.path = path


def json_path(*keys: str | int) -> str:
    """`("paths", "/pets", "get")` → `$.paths["/pets"].get`."""
    out = "$"
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        elif _IDENT.match(key):
            out += f".{key}"
        else:
            out += f"[{json.dumps(key)}]"
    return out


def parse_text(text: str) -> Any:
    """JSON, else YAML (a superset) with only plain data types."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise DocumentError(f"neither JSON nor YAML{where}: {error}") from None


@dataclass(frozen=True)
class Document:
    data: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.data["openapi"])

    @property
    def title(self) -> str:
        return str(self._info.get("title", ""))

    @property
    def info_version(self) -> str:
        return str(self._info.get("version", ""))

    @property
    def _info(self) -> dict[str, Any]:
        info = self.data.get("info")
        return info if isinstance(info, dict) else {}

    @property
    def schemas(self) -> dict[str, Any]:
        return self.data.get("components", {}).get("schemas", {})  # type: ignore[no-any-return]

    def resolve(self, ref: str, where: str) -> Any:
        """The value a local `$ref` points to; DocumentError if it points nowhere."""
        if not ref.startswith("#/"):
            raise DocumentError(
                f"$ref {ref!r} is not supported: only references inside the document "
                "(#/components/...) are",
                where,
            )
        found, node = resolve_pointer(self.data, ref)
        if not found:
            raise DocumentError(f"$ref {ref!r} points to nothing in the document", where)
        return node

    def deref(self, node: Any, where: str) -> Any:
        """Follow `$ref`s (parameters, bodies, responses) to the object they name."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise DocumentError(f"$ref {ref!r} refers to itself in a loop", where)
            seen.add(ref)
            node = self.resolve(ref, where)
        return node

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any], list[Any]]]:
        """(path, method, operation, the path item's shared parameters)."""
        for path, item in self.data.get("paths", {}).items():
            item = self.deref(item, json_path("paths", path))
            shared = item.get("parameters", [])
            for method in METHODS:
                if method in item:
                    yield path, method, item[method], shared


def load(data: Any) -> Document:
    """Check `data` is an OpenAPI 3.0/3.1 document an SDK can be made of."""
    # As JSON sees it: YAML's integer keys (`200:`) and dates become strings.
    data = json.loads(json.dumps(data, default=str))
    if not isinstance(data, dict):
        raise DocumentError("an OpenAPI document is a JSON object")
    if "swagger" in data:
        raise DocumentError(
            f"Swagger {data['swagger']} is not supported: convert the document to OpenAPI "
            "3.0 or 3.1 first (the openapi field replaces swagger)",
            json_path("swagger"),
        )
    version = data.get("openapi")
    if not isinstance(version, str) or not re.match(r"^3\.[01]\.\d+", version):
        raise DocumentError(
            f"openapi must be a version 3.0.x or 3.1.x, found {version!r}", json_path("openapi")
        )
    paths = data.get("paths")
    if not isinstance(paths, dict):
        raise DocumentError("paths must be an object of path items", json_path("paths"))
    document = Document(data)
    count = 0
    for path, item in paths.items():
        where = ("paths", path)
        if not isinstance(path, str) or not path.startswith("/"):
            raise DocumentError("a path must start with /", json_path(*where))
        item = document.deref(item, json_path(*where))
        if not isinstance(item, dict):
            raise DocumentError("a path item must be an object", json_path(*where))
        _check_parameters(document, item.get("parameters", []), (*where, "parameters"))
        for method in METHODS:
            if method not in item:
                continue
            count += 1
            _check_operation(document, path, item, method, (*where, method))
    if count == 0:
        raise DocumentError("the document has no operations to call", json_path("paths"))
    components = data.get("components", {})
    if not isinstance(components, dict):
        raise DocumentError("components must be an object", json_path("components"))
    schemas = components.get("schemas", {})
    if not isinstance(schemas, dict):
        raise DocumentError("schemas must be an object", json_path("components", "schemas"))
    for name, schema in schemas.items():
        check_schema(document, schema, ("components", "schemas", name))
    return document


def _check_operation(
    document: Document, path: str, item: dict[str, Any], method: str, where: tuple[str | int, ...]
) -> None:
    operation = item[method]
    if not isinstance(operation, dict):
        raise DocumentError("an operation must be an object", json_path(*where))
    params = _check_parameters(document, operation.get("parameters", []), (*where, "parameters"))
    shared = _check_parameters(document, item.get("parameters", []), (*where[:2], "parameters"))
    in_path = {p["name"] for p in (*shared, *params) if p["in"] == "path"}
    for name in _TEMPLATE.findall(path):
        if name not in in_path:
            raise DocumentError(
                f"the path template names {{{name}}} but no path parameter {name!r} is declared",
                json_path(*where, "parameters"),
            )
    body = operation.get("requestBody")
    if body is not None:
        resolved = document.deref(body, json_path(*where, "requestBody"))
        _check_content(document, resolved, (*where, "requestBody"))
    responses = operation.get("responses", {})
    if not isinstance(responses, dict):
        raise DocumentError("responses must be an object", json_path(*where, "responses"))
    for code, response in responses.items():
        place = (*where, "responses", str(code))
        _check_content(document, document.deref(response, json_path(*place)), place)


def _check_parameters(
    document: Document, raw: Any, where: tuple[str | int, ...]
) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise DocumentError("parameters must be an array", json_path(*where))
    found = []
    for index, item in enumerate(raw):
        place = (*where, index)
        param = document.deref(item, json_path(*place))
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            raise DocumentError("a parameter needs a name", json_path(*place, "name"))
        if param.get("in") not in PARAMETER_PLACES:
            raise DocumentError(
                f"in must be one of {', '.join(PARAMETER_PLACES)}, found {param.get('in')!r}",
                json_path(*place, "in"),
            )
        if "schema" in param:
            check_schema(document, param["schema"], (*place, "schema"))
        found.append(param)
    return found


def _check_content(document: Document, node: Any, where: tuple[str | int, ...]) -> None:
    if not isinstance(node, dict):
        raise DocumentError("must be an object", json_path(*where))
    content = node.get("content", {})
    if not isinstance(content, dict):
        raise DocumentError("content must be an object of media types", json_path(*where))
    for media, entry in content.items():
        if isinstance(entry, dict) and "schema" in entry:
            check_schema(document, entry["schema"], (*where, "content", media, "schema"))


def check_schema(document: Document, schema: Any, where: tuple[str | int, ...]) -> None:
    """References resolve and types are JSON Schema's, all the way down."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise DocumentError("a schema must be an object", json_path(*where))
    if isinstance(schema.get("$ref"), str):
        document.resolve(schema["$ref"], json_path(*where, "$ref"))
        return
    kinds = schema.get("type")
    for kind in kinds if isinstance(kinds, list) else [kinds] if kinds is not None else []:
        if kind not in SCHEMA_TYPES:
            raise DocumentError(
                f"type must be one of {', '.join(SCHEMA_TYPES)}, found {kind!r}",
                json_path(*where, "type"),
            )
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            if not isinstance(schema[key], list) or not schema[key]:
                raise DocumentError(f"{key} must be a non-empty array", json_path(*where, key))
            for index, part in enumerate(schema[key]):
                check_schema(document, part, (*where, key, index))
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            check_schema(document, schema[key], (*where, key))
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise DocumentError("properties must be an object", json_path(*where, "properties"))
    for name, part in properties.items():
        check_schema(document, part, (*where, "properties", name))
    if "enum" in schema and not isinstance(schema["enum"], list):
        raise DocumentError("enum must be an array", json_path(*where, "enum"))
