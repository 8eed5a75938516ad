"""The OpenAPI checks and the TypeScript generator, without a server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoody_exec.sdk.document import DocumentError, json_path, load
from hoody_exec.sdk.generate import Generator, camel
from hoody_exec.sdk.store import allowance_for, under_base


def _doc(schemas: dict[str, Any], paths: dict[str, Any] | None = None) -> Generator:
    return Generator(
        load(
            {
                "openapi": "3.1.0",
                "paths": paths or {"/x": {"get": {"responses": {"204": {"description": "-"}}}}},
                "components": {"schemas": schemas},
            }
        )
    )


@pytest.mark.parametrize(
    ("operation_id", "name"),
    [
        ("list-pets", "listPets"),
        ("ListPets", "listPets"),
        ("get_user_by_id", "getUserById"),
        ("pets.list", "petsList"),
        ("getHTTPStatus", "getHttpStatus"),
        ("2fa_check", "_2FaCheck"),
    ],
)
def test_operation_ids_in_camel_case(operation_id: str, name: str) -> None:
    assert camel(operation_id) == name


def test_fallback_names_are_stable_and_unique() -> None:
    gen = _doc(
        {},
        {
            "/pets/{petId}/toys": {
                "parameters": [{"name": "petId", "in": "path", "required": True}],
                "get": {"responses": {}},
                "delete": {"operationId": "delete", "responses": {}},
            },
            "/a": {"get": {"operationId": "getA", "responses": {}}},
            "/b": {"get": {"operationId": "get-a", "responses": {}}},
        },
    )
    names = [op.name for op in gen.operations()]
    assert names == ["getPetsByPetIdToys", "delete_", "getA", "getA2"]


def test_schema_types() -> None:
    gen = _doc(
        {
            "Base": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}},
            },
            "Named": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"n": {}}}]},
            "Either": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "number"}}]
            },
            "Maybe": {"type": ["string", "null"]},
            "Old": {"type": "string", "nullable": True},
            "Kind": {"enum": ["a", "b", 3]},
            "Map": {"type": "object", "additionalProperties": {"type": "integer"}},
            "Error": {"type": "object"},
        }
    )
    t = gen.type_of
    ref = {"$ref": "#/components/schemas/"}
    assert t({**ref, "$ref": "#/components/schemas/Named"}) == "Named"
    assert gen.schema_names["Error"] == "Error_"  # not the global Error
    assert t(gen.doc.data["components"]["schemas"]["Named"]) == "Base & {\n  n?: unknown;\n}"
    assert t(gen.doc.data["components"]["schemas"]["Either"]) == "string | Array<number>"
    assert t(gen.doc.data["components"]["schemas"]["Maybe"]) == "string | null"
    assert t(gen.doc.data["components"]["schemas"]["Old"]) == "string | null"
    assert t(gen.doc.data["components"]["schemas"]["Kind"]) == '"a" | "b" | 3'
    assert t(gen.doc.data["components"]["schemas"]["Map"]) == "Record<string, number>"


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ([], "$"),
        ({"swagger": "2.0"}, "$.swagger"),
        ({"openapi": "3.1.0", "paths": {"x": {}}}, '$.paths.x'),
        (
            {"openapi": "3.1.0",
             "paths": {"/a": {"get": {"parameters": [{"name": "q", "in": "body"}]}}}},
            '$.paths["/a"].get.parameters[0].in',
        ),
        (
            {"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {}}}},
             "components": {"schemas": {"S": {"type": "float"}}}},
            "$.components.schemas.S.type",
        ),
        (
            {"openapi": "3.1.0", "paths": {"/a": {"$ref": "#/components/pathItems/A"}},
             "components": {"pathItems": {"A": {"$ref": "#/components/pathItems/A"}}}},
            '$.paths["/a"]',
        ),
    ],
)  # fmt: skip
def test_problems_name_their_json_path(document: Any, path: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load(document)
    assert caught.value.path == path


def test_json_paths_and_base_urls() -> None:
    assert json_path("paths", "/a", "get", "parameters", 0) == '$.paths["/a"].get.parameters[0]'
    assert under_base("http://h:8/v1/pets?x=1", "http://h:8/v1")
    assert not under_base("http://h:8/v10", "http://h:8/v1")
    assert not under_base("https://h:8/v1", "http://h:8/v1")
    assert under_base("http://H/x", "http://h:80")
    allowance = allowance_for("http://127.0.0.1:9000/v1")
    assert allowance is not None and allowance.port == 9000


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
_KEYS = "type items properties allOf oneOf $ref enum nullable required additionalProperties"
_keys = st.sampled_from([*_KEYS.split(), "content", "schema"])
_schemaish = st.recursive(
    _json, lambda inner: st.dictionaries(_keys, inner, max_size=4), max_leaves=15
)


@given(
    paths=st.dictionaries(
        st.sampled_from(["/a", "/b/{id}", "x"]),
        st.dictionaries(st.sampled_from(["get", "post", "parameters"]), _schemaish, max_size=2),
        max_size=2,
    ),
    schemas=st.dictionaries(st.sampled_from(["A", "Error", "delete"]), _schemaish, max_size=3),
)
@settings(max_examples=300, deadline=None)
def test_any_document_is_generated_or_refused_with_a_path(paths: Any, schemas: Any) -> None:
    document = {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}
    try:
        checked = load(document)
    except DocumentError as error:
        assert error.path.startswith("$")
        return
    gen = Generator(checked)
    source = gen.module(base_url="http://x", header="", operations=gen.operations())
    assert "export default client;" in source
