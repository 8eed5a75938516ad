"""sdk:<id> over real servers: import (inline JSON, YAML from a URL), calls from a
script to a local API the test starts, auth attached by the host, typed errors,
bad documents, delete and re-import, and a round trip through the server's own
user-openapi/spec.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from api.conftest import ADMIN_TOKEN, PREFIX
from hoody_exec.api.sdk import SdkGet, SdkImported, SdkList
from integration.conftest import Server, free_port, start_server

SECRET = "pets-secret-value-42"

SMALL: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Small", "version": "1"},
    "paths": {
        "/ping": {
            "get": {
                "operationId": "ping_server",
                "parameters": [{"name": "who", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["pong"],
                                    "properties": {"pong": {"type": "string"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def pets_document(base: str) -> str:
    """References, polymorphism, nullable, enums, additional properties, auth."""
    return f"""
openapi: 3.0.3
info: {{title: Pets, version: "2.0"}}
servers: [{{url: "{base}/v1"}}]
paths:
  /pets:
    get:
      operationId: list-pets
      parameters:
        - {{name: limit, in: query, schema: {{type: integer}}}}
        - {{name: X-Trace, in: header, schema: {{type: string}}}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{type: array, items: {{$ref: "#/components/schemas/Pet"}}}}
    post:
      operationId: CreatePet
      requestBody:
        required: true
        content: {{application/json: {{schema: {{$ref: "#/components/schemas/NewPet"}}}}}}
      responses:
        "201":
          description: created
          content: {{application/json: {{schema: {{$ref: "#/components/schemas/Pet"}}}}}}
  /pets/{{petId}}:
    parameters: [{{$ref: "#/components/parameters/PetId"}}]
    get:
      operationId: get_pet
      responses:
        "200":
          description: ok
          content: {{application/json: {{schema: {{$ref: "#/components/schemas/Animal"}}}}}}
        "404":
          description: missing
          content: {{application/json: {{schema: {{$ref: "#/components/schemas/Problem"}}}}}}
components:
  parameters:
    PetId: {{name: petId, in: path, required: true, schema: {{type: integer}}}}
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: {{type: string}}
        tag: {{type: string, nullable: true}}
        kind: {{type: string, enum: [dog, cat]}}
    Pet:
      allOf:
        - $ref: "#/components/schemas/NewPet"
        - {{type: object, required: [id], properties: {{id: {{type: integer}}}}}}
    Cat:
      type: object
      properties: {{meows: {{type: boolean}}}}
      additionalProperties: {{type: string}}
    Animal:
      oneOf: [{{$ref: "#/components/schemas/Pet"}}, {{$ref: "#/components/schemas/Cat"}}]
    Problem: {{type: object, properties: {{message: {{type: string}}}}}}
"""


class PetsApi:
    """A small HTTP API on a loopback port (what the SDKs call)."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, data: object, kind: str = "application/json") -> None:
                body = data.encode() if isinstance(data, str) else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _record(self) -> bytes:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                api.seen.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers)}
                )
                return raw

            def do_GET(self) -> None:
                self._record()
                if self.path == "/openapi.yaml":
                    self._reply(200, pets_document(api.url), "application/yaml")
                elif self.path.startswith("/v1/pets?") or self.path == "/v1/pets":
                    limit = int(self.path.partition("limit=")[2] or 2)
                    pets = [{"id": i, "name": f"pet{i}", "tag": None} for i in range(limit)]
                    self._reply(200, pets)
                elif self.path == "/v1/pets/1":
                    self._reply(200, {"id": 1, "name": "rex", "kind": "dog"})
                elif self.path.startswith("/v1/pets/"):
                    self._reply(404, {"message": "no such pet"})
                elif self.path.startswith("/ping"):
                    self._reply(200, {"pong": self.path.partition("who=")[2] or "nobody"})
                else:
                    self._reply(404, {"message": "not here"})

            def do_POST(self) -> None:
                raw = self._record()
                if self.path == "/v1/pets":
                    self._reply(201, {"id": 7, **json.loads(raw)})
                else:
                    self._reply(404, {"message": "not here"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PetsApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def pets_api() -> Iterator[PetsApi]:
    with PetsApi() as api:
        yield api


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("sdk-scripts")
    logs = tmp_path_factory.mktemp("sdk-logs") / "server.log"
    srv = start_server(
        root, logs, "--admin-token", ADMIN_TOKEN, "--env", "PETS_KEY", env={"PETS_KEY": SECRET}
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=60
    ) as client:
        yield client


def _import(api: httpx.Client, **body: object) -> SdkImported:
    response = api.post("/sdk/import", json=body)
    assert response.status_code == 200, response.text
    return SdkImported.model_validate(response.json())


def _run(server: Server, name: str, source: str) -> httpx.Response:
    server.write(f"{name}.ts", source)
    return server.get_when_routable(f"/{name}")


def test_a_small_inline_document_becomes_a_client(server, api, pets_api):
    done = _import(api, id="small", document=SMALL, base_url=pets_api.url)
    assert done.sdk.base_url == pets_api.url and done.sdk.operations == 1
    assert done.sdk.import_as == "import api from 'sdk:small'"
    (op,) = done.operations
    assert (op.name, op.method, op.path) == ("pingServer", "GET", "/ping")
    assert op.operation_id == "ping_server"
    assert op.returns == "{\n  pong: string;\n}"
    response = _run(
        server,
        "call_small",
        "import api, { pingServer } from 'sdk:small';\n"
        "const a = await api.pingServer({ who: 'script' });\n"
        "const b = await pingServer();\n"
        "return { a: a.pong, b: b.pong };\n",
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"a": "script", "b": "nobody"}


def test_a_loopback_destination_is_allowed_only_as_an_sdk_base_url(server, api, pets_api):
    _import(api, id="small", document=SMALL, base_url=pets_api.url)
    response = _run(
        server,
        "direct",
        f"const ok = await fetch('{pets_api.url}/ping');\n"
        f"try {{ await fetch('http://127.0.0.1:{free_port()}/'); }}\n"
        "catch (e) { return { ok: ok.status, other: String(e) }; }\n",
    )
    assert response.status_code == 200, response.text
    assert response.json()["ok"] == 200 and "refused" in response.json()["other"]


def test_yaml_from_a_url_with_references_polymorphism_and_auth(server, api, pets_api):
    done = _import(
        api,
        id="pets",
        url=f"{pets_api.url}/openapi.yaml",
        auth={"header": "X-Api-Key", "env": "PETS_KEY"},
    )
    assert done.sdk.source == f"{pets_api.url}/openapi.yaml"
    assert done.sdk.base_url == f"{pets_api.url}/v1" and len(done.sdk.hash) == 64
    names = [op.name for op in done.operations]
    assert names == ["listPets", "createPet", "getPet"]
    folder = server.root / ".hoody" / "sdk" / "pets"
    module = (folder / "index.ts").read_text()
    assert "export type Animal = Pet | Cat;" in module
    assert "export type Pet = NewPet & {" in module and "tag?: string | null;" in module
    assert 'kind?: "dog" | "cat";' in module
    for stored in folder.iterdir():
        assert SECRET not in stored.read_text(), stored  # only the variable's name
    pets_api.seen.clear()
    response = _run(
        server,
        "call_pets",
        "import api, { ApiError, createPet } from 'sdk:pets';\n"
        "const list = await api.listPets({ limit: 3, 'X-Trace': 'abc' });\n"
        "const made = await createPet({ body: { name: 'tom', kind: 'cat' } });\n"
        "const one = await api.getPet({ petId: 1 });\n"
        "let missing = null;\n"
        "try { await api.getPet({ petId: 99 }); } catch (e) {\n"
        "  if (e instanceof ApiError) missing = { status: e.status, body: e.body };\n"
        "}\n"
        "return { n: list.length, made, one, missing, sees: typeof env.PETS_KEY };\n",
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "n": 3,
        "made": {"id": 7, "name": "tom", "kind": "cat"},
        "one": {"id": 1, "name": "rex", "kind": "dog"},
        "missing": {"status": 404, "body": {"message": "no such pet"}},
        "sees": "string",
    }
    calls = [c for c in pets_api.seen if c["path"].startswith("/v1/")]
    assert len(calls) == 4
    assert all(c["headers"].get("X-Api-Key") == SECRET for c in calls)
    assert calls[0]["path"] == "/v1/pets?limit=3" and calls[0]["headers"]["X-Trace"] == "abc"
    got = SdkGet.model_validate(api.get("/sdk/pets").json())
    assert got.sdk.auth is not None and got.sdk.auth.env == "PETS_KEY"
    listed = SdkList.model_validate(api.get("/sdk/list").json())
    assert "pets" in {s.id for s in listed.sdks}


@pytest.mark.parametrize(
    ("document", "path", "says"),
    [
        ({"swagger": "2.0", "info": {}, "paths": {}}, "$.swagger", "Swagger 2.0"),
        ({"openapi": "4.0.0", "paths": {}}, "$.openapi", "3.0.x or 3.1.x"),
        ("openapi: [unclosed", "$", "neither JSON nor YAML"),
        ({"openapi": "3.1.0", "paths": {}}, "$.paths", "no operations"),
        (
            {
                "openapi": "3.0.0",
                "paths": {
                    "/a/{id}": {
                        "get": {
                            "responses": {
                                "200": {
                                    "description": "x",
                                    "content": {
                                        "application/json": {
                                            "schema": {"$ref": "#/components/schemas/Nope"}
                                        }
                                    },
                                }
                            },
                            "parameters": [{"name": "id", "in": "path", "required": True}],
                        }
                    }
                },
            },
            '$.paths["/a/{id}"].get.responses["200"].content["application/json"].schema.$ref',
            "points to nothing",
        ),
        (
            {"openapi": "3.0.0", "paths": {"/a/{id}": {"get": {"responses": {}}}}},
            '$.paths["/a/{id}"].get.parameters',
            "no path parameter 'id'",
        ),
    ],
)
def test_bad_documents_are_422_naming_the_json_path(api, pets_api, document, path, says):
    response = api.post(
        "/sdk/import", json={"id": "bad", "document": document, "base_url": pets_api.url}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_document" and error["details"]["path"] == path
    assert says in error["message"]


def test_bad_requests(api, pets_api):
    no_env = api.post(
        "/sdk/import",
        json={"id": "x", "document": SMALL, "auth": {"header": "X-Key", "env": "HOME"}},
    )
    assert no_env.status_code == 422 and no_env.json()["error"]["code"] == "env_not_allowed"
    assert "PETS_KEY" in no_env.json()["error"]["message"]
    both = api.post("/sdk/import", json={"id": "x", "document": SMALL, "url": pets_api.url})
    assert both.status_code == 422
    bad_id = api.post("/sdk/import", json={"id": "Bad Id", "document": SMALL})
    assert bad_id.status_code == 422
    no_base = api.post("/sdk/import", json={"id": "x", "document": SMALL})
    assert no_base.status_code == 422 and no_base.json()["error"]["details"]["path"] == "$.servers"
    assert api.get("/sdk/nothing-here").status_code == 404
    assert api.delete("/sdk/nothing-here").status_code == 404


def test_delete_then_reimport(server, api, pets_api):
    _import(api, id="temp", document=SMALL, base_url=pets_api.url)
    source = "import { pingServer } from 'sdk:temp';\nreturn (await pingServer()).pong;\n"
    assert _run(server, "uses_temp", source).text == "nobody"
    deleted = api.delete("/sdk/temp")
    assert deleted.status_code == 200 and "sdk:temp" in deleted.json()["note"]
    # NOTE: for half a second the last good build answers (a save in progress
    # looks the same to the loader); then the bundle error.
    deadline = time.monotonic() + 10
    while (gone := server.client.get("/uses_temp")).status_code == 200:
        assert time.monotonic() < deadline, "the deleted SDK still answers"
        time.sleep(0.1)
    assert gone.status_code == 500 and "no SDK `temp`" in gone.text
    # Re-import with another document: the script sees the new operation.
    other = json.loads(json.dumps(SMALL))
    other["paths"]["/ping"]["get"]["operationId"] = "pingAgain"
    first = _import(api, id="temp", document=SMALL, base_url=pets_api.url)
    again = _import(api, id="temp", document=yaml.safe_dump(other), base_url=pets_api.url)
    assert again.replaced and again.sdk.hash != first.sdk.hash
    source = "import { pingAgain } from 'sdk:temp';\nreturn (await pingAgain()).pong;\n"
    deadline = time.monotonic() + 10
    while (response := _run(server, "uses_temp", source)).status_code != 200:
        assert time.monotonic() < deadline, response.text
        time.sleep(0.1)
    assert response.text == "nobody"


def test_round_trip_through_the_servers_own_openapi(server, api):
    server.write("users/[id].ts", "return { id: params.id, q: query.greeting ?? null };\n")
    assert server.get_when_routable("/users/1").status_code == 200  # in the route table
    spec = api.get("/user-openapi/spec", params={"server_url": server.url})
    assert spec.status_code == 200, spec.text
    done = _import(api, id="self", document=spec.json())
    op = next(o for o in done.operations if o.path == "/users/{id}")
    response = _run(
        server,
        "caller",
        f"import api from 'sdk:self';\nreturn await api.{op.name}({{ id: '42' }});\n",
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"id": "42", "q": None}


def test_sdk_module_is_inside_the_state_folder(server):
    assert (server.root / ".hoody" / "sdk").is_dir()
    assert not any(Path(server.root).glob("sdk*"))
