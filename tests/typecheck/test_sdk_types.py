"""validate/typescript sees the types of an imported SDK (`sdk:<id>`)."""

from __future__ import annotations

import httpx
import pytest

from api.conftest import ok
from hoody_exec.api.typescript import TypeScriptValidation

network = pytest.mark.network

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Typed", "version": "1"},
    "paths": {
        "/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            }
        }
    },
}


def _check(ts_api: httpx.Client, content: str) -> TypeScriptValidation:
    response = ts_api.post("/validate/typescript", json={"content": content})
    return ok(response, TypeScriptValidation)


@network
def test_calls_are_checked_against_the_generated_types(ts_api: httpx.Client):
    imported = ts_api.post(
        "/sdk/import", json={"id": "typed", "document": DOCUMENT, "base_url": "http://127.0.0.1:9"}
    )
    assert imported.status_code == 200, imported.text
    good = _check(
        ts_api,
        "import api, { getPet, ApiError } from 'sdk:typed';\n"
        "const pet = await getPet({ petId: 1 });\n"
        "const name: string = pet.name;\n"
        "const e: ApiError | null = null;\n"
        "return { name, age: (await api.getPet({ petId: 2 })).age };\n",
    )
    assert good.ok, good.diagnostics
    wrong_name = _check(
        ts_api, "import { getPet } from 'sdk:typed';\nreturn getPet({ petID: 1 });\n"
    )
    assert not wrong_name.ok
    assert any("petID" in d.message for d in wrong_name.diagnostics), wrong_name.diagnostics
    wrong_use = _check(
        ts_api,
        "import { getPet } from 'sdk:typed';\n"
        "const n: number = (await getPet({ petId: 1 })).name;\n"
        "return n;\n",
    )
    assert [d.code for d in wrong_use.diagnostics] == [2322]
    missing = _check(ts_api, "import x from 'sdk:none';\nreturn x;\n")
    assert not missing.ok and missing.diagnostics[0].code == 2307
