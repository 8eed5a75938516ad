"""OpenAPI document → one self-contained TypeScript module (the SDK's `index.ts`).

The module exports a type per component schema, an async function per operation
(taking one object of its path, query and header parameters and its `body`),
`ApiError` for non-2xx answers, `createClient(options)` for another base URL or
extra headers, and a default client. It imports nothing, so the bundler and the
type checker read it as they read any script file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from hoody_exec.sdk.document import Document, json_path

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
# Names a generated export may not take (reserved words and what the module defines).
_RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
        "arguments",
        "eval",
        "ApiError",
        "createClient",
        "baseUrl",
        "ClientOptions",
        "client",
        "send",
        "Place",
        # Global types the module itself uses.
        "Array",
        "ArrayBuffer",
        "Blob",
        "BodyInit",
        "Error",
        "FormData",
        "Headers",
        "JSON",
        "Object",
        "Promise",
        "Record",
        "Response",
        "String",
        "URLSearchParams",
        "Uint8Array",
    ]
)
_SCHEMA_REF = "#/components/schemas/"


def unique(name: str, taken: set[str]) -> str:
    """`name`, or with `_` and a number, so it is no reserved word and not in `taken`."""
    base = f"{name}_" if name in _RESERVED else name
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    taken.add(candidate)
    return candidate


def words(text: str) -> list[str]:
    return _WORDS.findall(text)


def camel(text: str) -> str:
    parts = [w.lower() for w in words(text)]
    if not parts:
        return "operation"
    name = parts[0] + "".join(w.capitalize() for w in parts[1:])
    return f"_{name}" if name[0].isdigit() else name


def pascal(text: str) -> str:
    name = "".join(w[:1].upper() + w[1:] for w in words(text)) or "Schema"
    return f"_{name}" if name[0].isdigit() else name


def _prop(name: str) -> str:
    return name if _IDENT.match(name) else json.dumps(name)


def _doc(text: Any, indent: str) -> str:
    if not isinstance(text, str) or not text.strip():
        return ""
    body = text.strip().replace("*/", "*\\/")
    lines = body.splitlines()
    if len(lines) == 1:
        return f"{indent}/** {lines[0]} */\n"
    return f"{indent}/**\n" + "".join(f"{indent} * {line}\n" for line in lines) + f"{indent} */\n"


@dataclass
class Parameter:
    name: str  # as the API names it
    prop: str  # the argument's property
    place: str  # path, query, header
    required: bool
    type: str
    description: str | None


@dataclass
class OperationInfo:
    name: str
    method: str
    path: str
    operation_id: str | None
    summary: str | None
    parameters: list[Parameter] = field(default_factory=list)
    body: str | None = None  # the body's TypeScript type
    body_media: str | None = None
    body_required: bool = False
    result: str = "unknown"
    result_kind: str = "json"  # json, text, none (204), auto (by content-type)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "method": self.method.upper(),
            "path": self.path,
            "operation_id": self.operation_id,
            "summary": self.summary,
            "parameters": [
                {"name": p.name, "in": p.place, "required": p.required, "type": p.type}
                for p in self.parameters
            ],
            "body": self.body,
            "returns": self.result if self.result_kind != "none" else "void",
        }


class Generator:
    def __init__(self, document: Document) -> None:
        self.doc = document
        taken: set[str] = set()
        self.schema_names: dict[str, str] = {}
        for name in document.data.get("components", {}).get("schemas", {}):
            self.schema_names[name] = unique(pascal(name), taken)

    # ------------------------------------------------------------ schemas
    def type_of(self, schema: Any, indent: str = "") -> str:
        if schema is False:
            return "never"
        if not isinstance(schema, dict) or not schema:
            return "unknown"
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref.startswith(_SCHEMA_REF) and ref[len(_SCHEMA_REF) :] in self.schema_names:
                return self.schema_names[ref[len(_SCHEMA_REF) :]]
            return self.type_of(self.doc.resolve(ref, "$ref"), indent)
        out = self._base_type(schema, indent)
        if schema.get("nullable") is True and out != "unknown":
            out = f"{_group(out)} | null"
        return out

    def _base_type(self, schema: dict[str, Any], indent: str) -> str:
        if "const" in schema:
            return json.dumps(schema["const"])
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return " | ".join(json.dumps(v) for v in schema["enum"])
        for key, glue in (("allOf", " & "), ("oneOf", " | "), ("anyOf", " | ")):
            if isinstance(schema.get(key), list) and schema[key]:
                parts = [_group(self.type_of(part, indent)) for part in schema[key]]
                joined = glue.join(dict.fromkeys(parts))
                # Properties beside the list apply to every alternative.
                rest = {k: v for k, v in schema.items() if k not in (key, "description")}
                if rest.get("properties"):
                    return f"{_group(joined)} & {self._object(rest, indent)}"
                return joined
        kinds = schema.get("type")
        if isinstance(kinds, list):
            parts = [self._base_type({**schema, "type": kind}, indent) for kind in kinds]
            return " | ".join(dict.fromkeys(_group(p) for p in parts)) or "unknown"
        if kinds is None and ("properties" in schema or "additionalProperties" in schema):
            kinds = "object"
        if kinds == "string":
            return "string"
        if kinds in ("number", "integer"):
            return "number"
        if kinds == "boolean":
            return "boolean"
        if kinds == "null":
            return "null"
        if kinds == "array":
            return f"Array<{self.type_of(schema.get('items'), indent)}>"
        if kinds == "object":
            return self._object(schema, indent)
        return "unknown"

    def _object(self, schema: dict[str, Any], indent: str) -> str:
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        if not properties:
            if extra is False:
                return "{}"
            value = "unknown" if extra in (None, True) else self.type_of(extra, indent)
            return f"Record<string, {value}>"
        required = set(schema.get("required") or [])
        inner = indent + "  "
        lines = []
        for name, part in properties.items():
            doc = _doc(part.get("description") if isinstance(part, dict) else None, inner)
            mark = "" if name in required else "?"
            lines.append(f"{doc}{inner}{_prop(name)}{mark}: {self.type_of(part, inner)};\n")
        if extra not in (None, False):
            # NOTE: TypeScript wants every property to fit the index signature, so
            # it takes their types too.
            value = "unknown" if extra is True else self.type_of(extra, inner)
            if value != "unknown":
                types = [value, *(self.type_of(p, inner) for p in properties.values())]
                value = " | ".join(dict.fromkeys(_group(t) for t in types))
            lines.append(f"{inner}[key: string]: {value} | undefined;\n")
        return "{\n" + "".join(lines) + indent + "}"

    # ------------------------------------------------------------ operations
    def operations(self) -> list[OperationInfo]:
        found: list[OperationInfo] = []
        taken: set[str] = set()
        for path, method, operation, shared in self.doc.operations():
            where = json_path("paths", path, method)
            op_id = operation.get("operationId")
            base = camel(op_id) if isinstance(op_id, str) and op_id else _fallback(method, path)
            name = unique(base, taken)
            info = OperationInfo(
                name=name,
                method=method,
                path=path,
                operation_id=op_id if isinstance(op_id, str) else None,
                summary=_text(operation.get("summary")) or _text(operation.get("description")),
            )
            self._parameters(info, [*shared, *operation.get("parameters", [])], where)
            self._body(info, operation.get("requestBody"), where)
            self._result(info, operation.get("responses", {}), where)
            found.append(info)
        return found

    def _parameters(self, info: OperationInfo, raw: list[Any], where: str) -> None:
        by_key: dict[tuple[str, str], dict[str, Any]] = {}
        for item in raw:  # an operation's parameter overrides the path item's
            param = self.doc.deref(item, where)
            if param["in"] != "cookie":  # NOTE: cookies are the fetch's business
                by_key[(param["in"], param["name"])] = param
        props: set[str] = set()
        for (place, name), param in by_key.items():
            prop = name if name not in props else f"{place}{pascal(name)}"
            props.add(prop)
            info.parameters.append(
                Parameter(
                    name=name,
                    prop=prop,
                    place=place,
                    required=place == "path" or bool(param.get("required")),
                    type=self.type_of(param.get("schema")),
                    description=_text(param.get("description")),
                )
            )

    def _body(self, info: OperationInfo, raw: Any, where: str) -> None:
        if raw is None:
            return
        body = self.doc.deref(raw, where)
        content = body.get("content") or {}
        media = _pick_media(content)
        if media is None:
            return
        info.body_media = media
        info.body_required = bool(body.get("required"))
        schema = _schema_of(content, media)
        if "json" in media:
            info.body = self.type_of(schema)
        elif media == "application/x-www-form-urlencoded":
            info.body = "Record<string, string | number | boolean>"
        elif media == "multipart/form-data":
            info.body = "FormData"
        else:
            info.body = "string | Blob | ArrayBuffer | Uint8Array"

    def _result(self, info: OperationInfo, responses: dict[str, Any], where: str) -> None:
        codes = sorted(str(c) for c in responses if str(c).startswith("2"))
        if not codes and "default" in responses:
            codes = ["default"]
        if not codes:
            return
        response = self.doc.deref(responses[codes[0]], where)
        content = response.get("content") or {}
        media = _pick_media(content)
        if media is None and codes[0] == "204":
            info.result_kind, info.result = "none", "void"
        elif media is None:
            # Undeclared content: whatever the answer's content-type says.
            info.result_kind, info.result = "auto", "unknown"
        elif "json" in media:
            info.result = self.type_of(_schema_of(content, media))
        else:
            info.result_kind, info.result = "text", "string"

    # ------------------------------------------------------------ the module
    def module(self, *, base_url: str, header: str, operations: list[OperationInfo]) -> str:
        parts = [header, _RUNTIME.replace("__BASE_URL__", json.dumps(base_url))]
        for name, schema in self.doc.schemas.items():
            description = schema.get("description") if isinstance(schema, dict) else None
            parts.append(
                f"{_doc(description, '')}export type {self.schema_names[name]} = "
                f"{self.type_of(schema)};\n"
            )
        for op in operations:
            parts.append(_args_type(op))
        parts.append("export function createClient(options: ClientOptions = {}) {\n")
        parts.append("  return {\n")
        for op in operations:
            parts.append(_method(op))
        parts.append("  };\n}\n\n")
        parts.append("const client = createClient();\nexport default client;\n")
        for op in operations:
            parts.append(f"export const {op.name} = client.{op.name};\n")
        return "".join(parts)


def _group(text: str) -> str:
    return f"({text})" if (" | " in text or " & " in text) and not text.startswith("{") else text


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _schema_of(content: dict[str, Any], media: str) -> Any:
    entry = content.get(media)
    return entry.get("schema") if isinstance(entry, dict) else None


def _pick_media(content: dict[str, Any]) -> str | None:
    if not content:
        return None
    for media in content:
        if media == "application/json" or media.endswith("+json"):
            return media
    return next(iter(content))


def _fallback(method: str, path: str) -> str:
    """`GET /pets/{petId}/toys` → `getPetsByPetIdToys`: stable, from method and path."""
    parts = [method]
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            parts.append(f"by {segment[1:-1]}")
        elif segment:
            parts.append(segment)
    return camel(" ".join(parts))


def _args_name(op: OperationInfo) -> str:
    return pascal(op.name) + "Args"


def _args_type(op: OperationInfo) -> str:
    lines = []
    for p in op.parameters:
        doc = _doc(p.description, "  ")
        lines.append(f"{doc}  {_prop(p.prop)}{'' if p.required else '?'}: {p.type};\n")
    if op.body is not None:
        key = "body" if all(p.prop != "body" for p in op.parameters) else "requestBody"
        lines.append(f"  {key}{'' if op.body_required else '?'}: {op.body};\n")
    summary = _doc(f"Arguments of {op.method.upper()} {op.path}.", "")
    return f"{summary}export interface {_args_name(op)} {{\n" + "".join(lines) + "}\n\n"


def _method(op: OperationInfo) -> str:
    needs = any(p.required for p in op.parameters) or (op.body is not None and op.body_required)
    arg = f"args: {_args_name(op)}" if needs else f"args: {_args_name(op)} = {{}}"
    params = ", ".join(
        f"[{json.dumps(p.place)}, {json.dumps(p.name)}, {json.dumps(p.prop)}]"
        for p in op.parameters
    )
    body_key = "body" if all(p.prop != "body" for p in op.parameters) else "requestBody"
    body = "undefined" if op.body is None else f"(args as any)[{json.dumps(body_key)}]"
    summary = _doc(op.summary, "    ")
    return (
        f"{summary}    async {op.name}({arg}): Promise<{op.result}> {{\n"
        f"      return (await send(options, {json.dumps(op.name)}, "
        f"{json.dumps(op.method.upper())}, {json.dumps(op.path)}, [{params}], args, {body}, "
        f"{json.dumps(op.body_media)}, "
        f"{json.dumps(op.result_kind)})) as {op.result};\n"
        "    },\n"
    )


# The part of every SDK that does not depend on the document.
_RUNTIME = """export const baseUrl: string = __BASE_URL__;

/** A non-2xx answer: its status and its body (parsed JSON, else text). */
export class ApiError<T = unknown> extends Error {
  readonly status: number;
  readonly body: T;
  readonly operation: string;
  readonly url: string;
  constructor(operation: string, url: string, status: number, body: T) {
    super(`${operation}: ${url} answered ${status}`);
    this.name = "ApiError";
    this.operation = operation;
    this.url = url;
    this.status = status;
    this.body = body;
  }
}

export interface ClientOptions {
  /** Another base URL than the imported one (the egress rules still apply). */
  baseUrl?: string;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
}

type Place = "path" | "query" | "header";

async function send(
  options: ClientOptions,
  operation: string,
  method: string,
  template: string,
  params: Array<[Place, string, string]>,
  args: object,
  body: unknown,
  media: string | null,
  kind: "json" | "text" | "none" | "auto",
): Promise<unknown> {
  const values = args as Record<string, unknown>;
  const query = new URLSearchParams();
  const headers = new Headers(options.headers ?? {});
  let path = template;
  for (const [place, name, prop] of params) {
    const value = values[prop];
    if (value === undefined || value === null) continue;
    if (place === "path") path = path.replace(`{${name}}`, encodeURIComponent(String(value)));
    else if (place === "query") {
      for (const item of Array.isArray(value) ? value : [value]) {
        query.append(name, typeof item === "object" ? JSON.stringify(item) : String(item));
      }
    } else headers.set(name, String(value));
  }
  const root = (options.baseUrl ?? baseUrl).replace(/\\/+$/, "");
  const search = query.toString();
  const url = root + path + (search ? `?${search}` : "");
  let payload: BodyInit | undefined;
  if (body !== undefined && media !== null) {
    if (media.includes("json")) {
      payload = JSON.stringify(body);
      headers.set("content-type", media);
    } else if (media === "application/x-www-form-urlencoded") {
      payload = new URLSearchParams(body as Record<string, string>);
    } else {
      payload = body as BodyInit;
      if (media !== "multipart/form-data") headers.set("content-type", media);
    }
  }
  if (!headers.has("accept")) headers.set("accept", "application/json");
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  if (!response.ok) {
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    throw new ApiError(operation, url, response.status, parsed);
  }
  if (kind === "none" || text === "") return kind === "text" ? text : undefined;
  const json = kind === "json" || /[/+]json\b/.test(response.headers.get("content-type") ?? "");
  return json && kind !== "text" ? JSON.parse(text) : text;
}

"""
