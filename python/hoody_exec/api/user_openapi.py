"""user-openapi: an OpenAPI 3.1 document of the user's own script endpoints.

generate (and store in `.hoody/openapi.json`), list, validate, schema, spec, merge.
The document is built from the live route table and each script's leading
comment block: prose lines describe the operation, `@token` adds the security
requirement. Validation is structural and written here (no dependency): the
shapes of the 3.1 objects the document uses, `$ref`s that resolve and path
templates whose parameters are declared.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from hoody_exec.api.auth import STATE_DIR
from hoody_exec.api.errors import conflict, not_found, unprocessable
from hoody_exec.api.files import MAX_SCRIPT_BYTES, atomic_write
from hoody_exec.api.models import Model, NoInput, Out
from hoody_exec.api.operation import Context, Operation, RawReply
from hoody_exec.jsonpointer import resolve_pointer as _resolve_pointer
from hoody_exec.routing.table import Route
from hoody_exec.scripts import MagicCommentError, parse_magic_comments

SPEC_FILE = "openapi.json"  # in the state folder
# NOTE: real documents nest a few dozen levels; the checks and merging walk the
# tree recursively, so deeper input is refused up front instead of exhausting
# the stack.
MAX_DEPTH = 128
OPENAPI_VERSION = "3.1.0"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_METHOD_LITERAL = re.compile(r"""["'`](GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)["'`]""")
_METHOD_GUARD = re.compile(r"""method\s*!==?\s*["'`](GET|POST|PUT|PATCH|DELETE)["'`]""")
_QUERY_NAME = re.compile(r"""\bquery(?:\.([A-Za-z_$][\w$]*)|\[\s*["']([^"'\]]{1,64})["']\s*\])""")
_TOKEN_SCHEMES = ("bearerAuth", "basicAuth", "tokenHeader", "tokenQuery")
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "The script's @token."},
    "basicAuth": {"type": "http", "scheme": "basic", "description": "@token as the password."},
    "tokenHeader": {"type": "apiKey", "in": "header", "name": "X-Token"},
    "tokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
}
SCRIPT_ERROR = {
    "type": "object",
    "description": "A thrown error or a script that does not load.",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "script": {"type": "string"},
        "line": {"type": "integer"},
        "column": {"type": "integer"},
    },
}


# ---------------------------------------------------------------- models
class SpecOptions(Model):
    title: str = Field(default="hoody-exec scripts", min_length=1, max_length=200)
    version: str = Field(default="1.0.0", min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=4000)
    server_url: str | None = Field(
        default=None, max_length=2000, description="Added as the document's only server."
    )


class SpecStored(Out):
    path: str = Field(description="Where the document is stored, relative to the scripts folder.")
    paths: int
    operations: int
    document: dict[str, Any]


class ScriptEntry(Out):
    file: str
    route: str = Field(description="The route pattern, e.g. /users/[id].")
    openapi_path: str = Field(description="The same path in OpenAPI form, e.g. /users/{id}.")
    methods: list[str]
    summary: str | None
    description: str | None
    secured: bool = Field(description="The script has @token.")
    path_parameters: list[str]
    query_parameters: list[str]
    mode: str | None = Field(description="null when the magic comments do not parse.")
    problems: list[str] = Field(description="Magic-comment problems (the route answers 500).")


class ScriptEntries(Out):
    scripts: list[ScriptEntry]
    count: int


class ValidateSpec(Model):
    document: dict[str, Any] = Field(description="The OpenAPI 3.1 document, as a JSON object.")


class SpecProblem(Out):
    pointer: str = Field(description="JSON pointer to the offending place, e.g. /paths/~1a/get.")
    message: str


class SpecValidation(Out):
    valid: bool
    openapi: str | None
    paths: int
    operations: int
    problems: list[SpecProblem]
    warnings: list[SpecProblem] = Field(description="Not errors: e.g. external $refs not checked.")


class MergeSpecs(Model):
    documents: list[dict[str, Any]] = Field(min_length=1, max_length=50)
    include_generated: bool = Field(
        default=True, description="Start from the generated document of the scripts."
    )
    prefer: Literal["error", "first", "last"] = Field(
        default="error",
        description="On the same path+method (or component) defined differently: 409 "
        "(error), keep the earlier source (first) or the later one (last). Sources are "
        "ordered: the generated document, then documents in order.",
    )
    title: str | None = Field(default=None, max_length=200)
    version: str | None = Field(default=None, max_length=64)


# ---------------------------------------------------------------- reading scripts
def leading_prose(source: str) -> list[str]:
    """The free-text lines of the leading comment block (magic comments left out)."""
    lines: list[str] = []
    in_block = False
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if number == 1 and line.startswith("#!"):
            continue
        if in_block:
            end = line.find("*/")
            text = line if end < 0 else line[:end]
            in_block = end < 0
            text = text.strip().lstrip("*").strip()
        elif not line:
            continue
        elif line.startswith("//"):
            text = line[2:].lstrip("/").strip()
        elif line.startswith("/*"):
            body = line[2:].lstrip("*")
            end = body.find("*/")
            in_block = end < 0
            text = (body if end < 0 else body[:end]).strip().lstrip("*").strip()
        else:
            break
        if text and not text.startswith("@"):
            lines.append(text)
    return lines


def openapi_path(route: Route) -> str:
    parts = [s.value if s.kind == "static" else "{" + s.value + "}" for s in route.segments]
    return "/" + "/".join(parts)


def _methods(source: str) -> list[str]:
    """The methods a script is described with (it answers every method)."""
    only = {m.lower() for m in _METHOD_GUARD.findall(source)}
    if len(only) == 1:
        # `if (request.method !== "POST") return …405`: that method alone.
        return list(only)
    named = {m.lower() for m in _METHOD_LITERAL.findall(source)} | {"get"}
    return [m for m in HTTP_METHODS if m in named]


def _query_names(source: str, skip: set[str]) -> list[str]:
    names: dict[str, None] = {}
    for match in _QUERY_NAME.finditer(source):
        name = match.group(1) or match.group(2)
        if name not in skip:
            names.setdefault(name, None)
    return list(names)


def _entries(ctx: Context) -> Iterator[tuple[Route, ScriptEntry]]:
    # NOTE: another worker process may have written a script a moment ago; its
    # file event may not have reached this process yet (rate-limited rescan).
    ctx.app.routes.rescan_if_stale()
    return script_entries(ctx.root, ctx.app.routes.table.routes, ctx.app.runtime.loader.env)


def script_entries(
    root: Path, routes: Iterable[Route], env: Mapping[str, str]
) -> Iterator[tuple[Route, ScriptEntry]]:
    """What the document says of each route's script (also `hoody-exec openapi`)."""
    for route in routes:
        try:
            source = (
                (root / route.file)
                .read_bytes()[:MAX_SCRIPT_BYTES]
                .decode("utf-8", errors="replace")
            )
        except OSError:
            continue
        prose = leading_prose(source)
        mode: str | None
        problems: list[str] = []
        secured = False
        try:
            magic = parse_magic_comments(source, env=env)
            mode = magic.mode
            secured = magic.token_digest is not None or magic.token_env is not None
        except MagicCommentError as error:
            mode = None
            problems = [str(p) for p in error.problems]
            secured = any(p.comment == "@token" for p in error.problems) or "@token" in source
        path_params = [s.value for s in route.segments if s.kind != "static"]
        yield (
            route,
            ScriptEntry(
                file=route.file,
                route=route.pattern,
                openapi_path=openapi_path(route),
                methods=_methods(source),
                summary=prose[0] if prose else None,
                description="\n".join(prose) if prose else None,
                secured=secured,
                path_parameters=path_params,
                query_parameters=_query_names(source, set(path_params)),
                mode=mode,
                problems=problems,
            ),
        )


# ---------------------------------------------------------------- building
def build_spec(ctx: Context, options: SpecOptions) -> dict[str, Any]:
    return spec_document(_entries(ctx), options)


def spec_document(
    entries: Iterable[tuple[Route, ScriptEntry]], options: SpecOptions
) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    used_ids: set[str] = set()
    any_secured = False
    for route, entry in entries:
        item: dict[str, Any] = {}
        rest = {s.value for s in route.segments if s.kind == "rest"}
        params: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                **(
                    {"description": "The rest of the path; may contain '/'."}
                    if name in rest
                    else {}
                ),
            }
            for name in entry.path_parameters
        ]
        params += [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in entry.query_parameters
        ]
        if params:
            item["parameters"] = params
        for method in entry.methods:
            operation: dict[str, Any] = {
                "operationId": _operation_id(method, entry.openapi_path, used_ids),
                "tags": [_tag(route)],
                "responses": _responses(entry.secured),
                "x-hoody-exec": {"file": entry.file, "mode": entry.mode},
            }
            if entry.summary:
                operation["summary"] = entry.summary
            if entry.description and entry.description != entry.summary:
                operation["description"] = entry.description
            if entry.secured:
                any_secured = True
                operation["security"] = [{name: []} for name in _TOKEN_SCHEMES]
            if entry.problems:
                operation["x-hoody-exec"]["problems"] = entry.problems
            item[method] = operation
        paths[entry.openapi_path] = item
    info: dict[str, Any] = {"title": options.title, "version": options.version}
    if options.description:
        info["description"] = options.description
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info}
    if options.server_url:
        document["servers"] = [{"url": options.server_url}]
    document["paths"] = paths
    components: dict[str, Any] = {"schemas": {"ScriptError": SCRIPT_ERROR}}
    if any_secured:
        components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    document["components"] = components
    return document


def _responses(secured: bool) -> dict[str, Any]:
    error = {
        "application/json": {"schema": {"$ref": "#/components/schemas/ScriptError"}},
    }
    responses: dict[str, Any] = {
        "200": {"description": "The script's answer (JSON unless it returns another type)."},
        "500": {"description": "The script threw or does not load.", "content": error},
    }
    if secured:
        responses["401"] = {"description": "Missing or wrong token (@token)."}
    return dict(sorted(responses.items()))


def _tag(route: Route) -> str:
    first = route.segments[0] if route.segments else None
    return first.value if first is not None and first.kind == "static" else "scripts"


def _operation_id(method: str, path: str, used: set[str]) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"
    base = f"{method}_{words}"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate)
    return candidate


def _count(document: dict[str, Any]) -> tuple[int, int]:
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return 0, 0
    ops = sum(
        1 for item in paths.values() if isinstance(item, dict) for m in item if m in HTTP_METHODS
    )
    return len(paths), ops


# ---------------------------------------------------------------- validation
_PATH_ITEM_KEYS = {"$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS}
_PARAM_IN = {"query", "header", "path", "cookie"}
_STATUS = re.compile(r"default|[1-5](?:[0-9]{2}|XX)")
_COMPONENT_SECTIONS = {
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
}
_COMPONENT_NAME = re.compile(r"[a-zA-Z0-9.\-_]+")
_TEMPLATE_PARAM = re.compile(r"\{([^{}/]+)\}")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _ptr(*tokens: str | int) -> str:
    return "".join("/" + _escape(str(t)) for t in tokens)


class _Validator:
    def __init__(self, document: dict[str, Any]) -> None:
        self.doc = document
        self.problems: list[SpecProblem] = []
        self.warnings: list[SpecProblem] = []
        self.operation_ids: dict[str, str] = {}

    def problem(self, pointer: str, message: str) -> None:
        self.problems.append(SpecProblem(pointer=pointer or "/", message=message))

    def run(self) -> None:
        doc = self.doc
        version = doc.get("openapi")
        if not isinstance(version, str):
            self.problem("/openapi", "openapi is required: a string such as 3.1.0")
        elif re.fullmatch(r"3\.1\.\d+(-.+)?", version) is None:
            self.problem("/openapi", f"openapi {version!r} is not a 3.1.x version")
        info = doc.get("info")
        if not isinstance(info, dict):
            self.problem("/info", "info is required: an object with title and version")
        else:
            for key in ("title", "version"):
                if not isinstance(info.get(key), str):
                    self.problem(_ptr("info", key), f"info.{key} is required: a string")
        if not any(key in doc for key in ("paths", "components", "webhooks")):
            self.problem("/", "a 3.1 document needs at least one of paths, components, webhooks")
        for key in doc:
            allowed = {"openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks"}
            allowed |= {"components", "security", "tags", "externalDocs"}
            if key not in allowed and not key.startswith("x-"):
                self.problem(_ptr(key), f"unknown top-level field {key!r}")
        self._servers(doc.get("servers"), ("servers",))
        paths = doc.get("paths")
        if paths is not None:
            if not isinstance(paths, dict):
                self.problem("/paths", "paths must be an object")
            else:
                for path, item in paths.items():
                    self._path(path, item)
        webhooks = doc.get("webhooks")
        if webhooks is not None and not isinstance(webhooks, dict):
            self.problem("/webhooks", "webhooks must be an object")
        self._components(doc.get("components"))
        self._security(doc.get("security"), ("security",))
        self._refs(doc, ())

    def _servers(self, servers: Any, at: tuple[str, ...]) -> None:
        if servers is None:
            return
        if not isinstance(servers, list):
            self.problem(_ptr(*at), "servers must be an array")
            return
        for i, server in enumerate(servers):
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                self.problem(_ptr(*at, i), "a server is an object with a url string")

    def _path(self, path: str, item: Any) -> None:
        at = ("paths", path)
        if not path.startswith("/"):
            self.problem(_ptr(*at), f"path {path!r} must start with '/'")
        if not isinstance(item, dict):
            self.problem(_ptr(*at), "a path item must be an object")
            return
        for key in item:
            if key not in _PATH_ITEM_KEYS and not key.startswith("x-"):
                self.problem(_ptr(*at, key), f"unknown path item field {key!r}")
        shared = self._parameters(item.get("parameters"), (*at, "parameters"))
        template = _TEMPLATE_PARAM.findall(path)
        for name in sorted({n for n in template if template.count(n) > 1}):
            self.problem(_ptr(*at), f"path parameter {name!r} appears more than once")
        for method in HTTP_METHODS:
            if method in item:
                self._operation(item[method], (*at, method), shared, set(template))

    def _operation(
        self,
        op: Any,
        at: tuple[str, ...],
        shared: dict[tuple[str, str], dict[str, Any]],
        template: set[str],
    ) -> None:
        if not isinstance(op, dict):
            self.problem(_ptr(*at), "an operation must be an object")
            return
        own = self._parameters(op.get("parameters"), (*at, "parameters"))
        merged = {**shared, **own}
        declared = {name for (name, where) in merged if where == "path"}
        for name in sorted(template - declared):
            self.problem(_ptr(*at), f"path parameter {name!r} is not declared (in: path)")
        for name in sorted(declared - template):
            self.problem(_ptr(*at), f"path parameter {name!r} is not in the path template")
        op_id = op.get("operationId")
        if op_id is not None:
            if not isinstance(op_id, str):
                self.problem(_ptr(*at, "operationId"), "operationId must be a string")
            elif op_id in self.operation_ids:
                self.problem(
                    _ptr(*at, "operationId"),
                    f"operationId {op_id!r} is also used at {self.operation_ids[op_id]}",
                )
            else:
                self.operation_ids[op_id] = _ptr(*at)
        responses = op.get("responses")
        if responses is not None:
            if not isinstance(responses, dict):
                self.problem(_ptr(*at, "responses"), "responses must be an object")
            else:
                for status, response in responses.items():
                    self._response(str(status), response, (*at, "responses", str(status)))
        body = op.get("requestBody")
        if body is not None and not (
            isinstance(body, dict) and ("$ref" in body or isinstance(body.get("content"), dict))
        ):
            self.problem(_ptr(*at, "requestBody"), "a requestBody needs a content object")
        for key in ("tags",):
            value = op.get(key)
            if value is not None and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                self.problem(_ptr(*at, key), f"{key} must be an array of strings")
        self._security(op.get("security"), (*at, "security"))

    def _response(self, status: str, response: Any, at: tuple[str, ...]) -> None:
        if _STATUS.fullmatch(status) is None and not status.startswith("x-"):
            self.problem(_ptr(*at), f"{status!r} is not a status code, range (2XX) or default")
        if not isinstance(response, dict):
            self.problem(_ptr(*at), "a response must be an object")
        elif "$ref" not in response and not isinstance(response.get("description"), str):
            self.problem(_ptr(*at), "a response needs a description string")

    def _parameters(
        self, params: Any, at: tuple[str, ...]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        if params is None:
            return found
        if not isinstance(params, list):
            self.problem(_ptr(*at), "parameters must be an array")
            return found
        for i, raw in enumerate(params):
            param = raw
            if isinstance(raw, dict) and isinstance(raw.get("$ref"), str):
                ok, param = _resolve_pointer(self.doc, raw["$ref"])
                if not ok:
                    continue  # reported by _refs
            if not isinstance(param, dict):
                self.problem(_ptr(*at, i), "a parameter must be an object")
                continue
            name, where = param.get("name"), param.get("in")
            if not isinstance(name, str) or where not in _PARAM_IN:
                self.problem(
                    _ptr(*at, i),
                    "a parameter needs a name and in (query, header, path or cookie)",
                )
                continue
            if where == "path" and param.get("required") is not True:
                self.problem(_ptr(*at, i), f"path parameter {name!r} must have required: true")
            if ("schema" in param) == ("content" in param):
                self.problem(_ptr(*at, i), f"parameter {name!r} needs schema or content (one)")
            if (name, where) in found:
                self.problem(_ptr(*at, i), f"parameter {name!r} (in: {where}) is listed twice")
            found[(name, where)] = param
        return found

    def _components(self, components: Any) -> None:
        if components is None:
            return
        if not isinstance(components, dict):
            self.problem("/components", "components must be an object")
            return
        for section, entries in components.items():
            at = ("components", section)
            if section not in _COMPONENT_SECTIONS and not section.startswith("x-"):
                self.problem(_ptr(*at), f"unknown components section {section!r}")
                continue
            if not isinstance(entries, dict):
                self.problem(_ptr(*at), f"components.{section} must be an object")
                continue
            for name, value in entries.items():
                if _COMPONENT_NAME.fullmatch(name) is None:
                    self.problem(_ptr(*at, name), f"component name {name!r} has invalid characters")
                if section != "schemas" and not isinstance(value, dict):
                    self.problem(_ptr(*at, name), "a component must be an object")
                if section == "securitySchemes" and isinstance(value, dict):
                    kind = value.get("type")
                    if kind not in ("apiKey", "http", "mutualTLS", "oauth2", "openIdConnect"):
                        self.problem(_ptr(*at, name, "type"), "unknown security scheme type")

    def _security(self, security: Any, at: tuple[str, ...]) -> None:
        if security is None:
            return
        if not isinstance(security, list):
            self.problem(_ptr(*at), "security must be an array of requirement objects")
            return
        components = self.doc.get("components")
        schemes = components.get("securitySchemes", {}) if isinstance(components, dict) else {}
        for i, requirement in enumerate(security):
            if not isinstance(requirement, dict):
                self.problem(_ptr(*at, i), "a security requirement must be an object")
                continue
            for name in requirement:
                if not isinstance(schemes, dict) or name not in schemes:
                    self.problem(
                        _ptr(*at, i, name), f"security scheme {name!r} is not in components"
                    )

    def _refs(self, node: Any, at: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref.startswith("#"):
                    if not _resolve_pointer(self.doc, ref)[0]:
                        self.problem(_ptr(*at, "$ref"), f"$ref {ref!r} does not resolve")
                else:
                    self.warnings.append(
                        SpecProblem(
                            pointer=_ptr(*at, "$ref"), message=f"external $ref {ref!r} not checked"
                        )
                    )
            for key, value in node.items():
                self._refs(value, (*at, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self._refs(value, (*at, i))


def nesting_depth(node: Any) -> int:
    """How deeply `node` nests objects and arrays (iterative: no recursion limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _check_depth(document: dict[str, Any], index: int | None = None) -> None:
    if nesting_depth(document) > MAX_DEPTH:
        where = "the document" if index is None else f"documents[{index}]"
        raise unprocessable(
            "document_too_deep",
            f"{where} nests deeper than {MAX_DEPTH} levels",
            {"limit": MAX_DEPTH, **({} if index is None else {"document": index})},
        )


def validate_document(document: dict[str, Any]) -> SpecValidation:
    validator = _Validator(document)
    validator.run()
    paths, operations = _count(document)
    version = document.get("openapi")
    return SpecValidation(
        valid=not validator.problems,
        openapi=version if isinstance(version, str) else None,
        paths=paths,
        operations=operations,
        problems=validator.problems,
        warnings=validator.warnings,
    )


# ---------------------------------------------------------------- merging
def merge_documents(
    sources: list[tuple[str, dict[str, Any]]], prefer: Literal["error", "first", "last"]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The merged document and the conflicts found (resolved by `prefer` unless error)."""
    merged: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": {}, "paths": {}}
    owners: dict[tuple[str, ...], str] = {}
    conflicts: list[dict[str, Any]] = []

    def place(
        table: dict[str, Any], key: str, value: Any, where: tuple[str, ...], src: str
    ) -> None:
        if key not in table:
            table[key] = copy.deepcopy(value)
            owners[where] = src
            return
        if table[key] == value:
            return
        conflicts.append({"at": list(where), "sources": [owners.get(where, "?"), src]})
        if prefer == "last":
            table[key] = copy.deepcopy(value)
            owners[where] = src

    for src, doc in sources:
        if not merged["info"] and isinstance(doc.get("info"), dict):
            merged["info"] = copy.deepcopy(doc["info"])
        for path, item in (doc.get("paths") or {}).items():
            target = merged["paths"].setdefault(path, {})
            for key, value in item.items():
                place(target, key, value, ("paths", path, key), src)
        for section, entries in (doc.get("components") or {}).items():
            if not isinstance(entries, dict):
                continue
            table = merged.setdefault("components", {}).setdefault(section, {})
            for name, value in entries.items():
                place(table, name, value, ("components", section, name), src)
        for key in ("servers", "security", "tags"):
            for value in doc.get(key) or []:
                if key == "tags" and isinstance(value, dict):
                    names = {t.get("name") for t in merged.get(key, []) if isinstance(t, dict)}
                    if value.get("name") in names:
                        continue
                if value not in merged.setdefault(key, []):
                    merged[key].append(copy.deepcopy(value))
    return merged, conflicts


# ---------------------------------------------------------------- handlers
def _spec_file(ctx: Context) -> Any:
    return ctx.root / STATE_DIR / SPEC_FILE


async def generate(ctx: Context, body: SpecOptions) -> SpecStored:
    document = build_spec(ctx, body)
    data = json.dumps(document, indent=2).encode("utf-8") + b"\n"
    atomic_write(_spec_file(ctx), data)
    paths, operations = _count(document)
    return SpecStored(
        path=f"{STATE_DIR}/{SPEC_FILE}", paths=paths, operations=operations, document=document
    )


async def list_scripts(ctx: Context, _: NoInput) -> ScriptEntries:
    entries = [entry for _, entry in _entries(ctx)]
    return ScriptEntries(scripts=entries, count=len(entries))


async def validate(ctx: Context, body: ValidateSpec) -> SpecValidation:
    _check_depth(body.document)
    return validate_document(body.document)


async def schema(ctx: Context, _: NoInput) -> RawReply:
    try:
        data = _spec_file(ctx).read_bytes()
    except FileNotFoundError:
        raise not_found(
            "no stored document yet; POST user-openapi/generate first",
            {"path": f"{STATE_DIR}/{SPEC_FILE}"},
        ) from None
    return RawReply(data, "application/json")


async def spec(ctx: Context, q: SpecOptions) -> dict[str, Any]:
    return build_spec(ctx, q)


async def merge(ctx: Context, body: MergeSpecs) -> dict[str, Any]:
    for i, document in enumerate(body.documents):
        _check_depth(document, i)
    invalid = []
    for i, document in enumerate(body.documents):
        result = validate_document(document)
        if not result.valid:
            invalid.append({"document": i, "problems": [p.model_dump() for p in result.problems]})
    if invalid:
        raise unprocessable(
            "invalid_document",
            f"{len(invalid)} of the documents are not valid OpenAPI 3.1",
            invalid,
        )
    sources: list[tuple[str, dict[str, Any]]] = []
    if body.include_generated:
        sources.append(("generated", build_spec(ctx, SpecOptions())))
    sources += [(f"documents[{i}]", d) for i, d in enumerate(body.documents)]
    merged, conflicts = merge_documents(sources, body.prefer)
    if conflicts and body.prefer == "error":
        raise conflict(
            f"{len(conflicts)} definitions conflict; send prefer: first or last to choose",
            {"conflicts": conflicts},
        )
    if body.title is not None:
        merged["info"]["title"] = body.title
    if body.version is not None:
        merged["info"]["version"] = body.version
    merged["info"].setdefault("title", "merged")
    merged["info"].setdefault("version", "1.0.0")
    return merged


OPERATIONS = (
    Operation(
        "POST",
        "/user-openapi/generate",
        "user-openapi",
        "Generate an OpenAPI spec",
        SpecOptions,
        SpecStored,
        generate,
        errors=(400, 401, 422),
        description="Describes every routable script and stores the document in "
        "`.hoody/openapi.json` (atomic), served by user-openapi/schema.",
    ),
    Operation(
        "GET",
        "/user-openapi/list",
        "user-openapi",
        "List user scripts",
        NoInput,
        ScriptEntries,
        list_scripts,
        errors=(401, 422),
        description="The scripts the document includes: route, methods, parameters, "
        "summary, whether @token protects it.",
    ),
    Operation(
        "POST",
        "/user-openapi/validate",
        "user-openapi",
        "Validate a user schema",
        ValidateSpec,
        SpecValidation,
        validate,
        errors=(400, 401, 422),
        description="Structural OpenAPI 3.1 checks; an invalid document is a 200 with "
        "valid: false and the problems as JSON pointers.",
    ),
    Operation(
        "GET",
        "/user-openapi/schema",
        "user-openapi",
        "Serve the schema file",
        NoInput,
        None,
        schema,
        errors=(401, 404, 422),
        description="The stored `.hoody/openapi.json` as written by generate (404 before).",
    ),
    Operation(
        "GET",
        "/user-openapi/spec",
        "user-openapi",
        "Serve the generated spec",
        SpecOptions,
        None,
        spec,
        errors=(401, 422),
        description="A document generated now from the scripts; nothing is stored.",
    ),
    Operation(
        "POST",
        "/user-openapi/merge",
        "user-openapi",
        "Merge OpenAPI specs",
        MergeSpecs,
        None,
        merge,
        errors=(400, 401, 409, 422),
        description="Combines the generated document with the given ones; the same "
        "path+method or component defined differently is a 409 unless prefer says which wins.",
    ),
)
