"""templates: list, preview, generate, create-custom, update-custom, delete-custom."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api.conftest import error, ok
from hoody_exec.api.templates import (
    Generated,
    Rendered,
    TemplateDeleted,
    TemplateList,
    TemplateSaved,
)
from integration.conftest import Server

BUILTINS = {
    "ai-chat",
    "ai-proxy",
    "crud",
    "hello",
    "rate-limiter",
    "scheduled-job",
    "sse",
    "webhook",
    "websocket-chat",
}


def custom(name: str = "greeter", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "title": "Greeter",
        "description": "Greets someone.",
        "default_path": "tpl/{{route}}.ts",
        "variables": [
            {"name": "route", "default": "greet", "pattern": "[a-z]+"},
            {"name": "who", "description": "Who is greeted.", "pattern": "[A-Za-z ]{1,20}"},
        ],
        "content": 'return { hi: "{{who}}" };\n',
    }
    body.update(overrides)
    return body


def test_list_has_the_builtins(api: httpx.Client) -> None:
    listed = ok(api.get("/templates/list"), TemplateList)
    names = {t.name for t in listed.templates if t.source == "builtin"}
    assert names == BUILTINS
    assert listed.count == len(listed.templates)
    assert all(t.content is None for t in listed.templates)
    hello = next(t for t in listed.templates if t.name == "hello")
    assert hello.default_path == "{{route}}.ts"
    assert {v.name for v in hello.variables} == {"route", "greeting", "default_name"}
    by_name = {t.name: t for t in listed.templates}
    assert by_name["websocket-chat"].requires == ["websocket"]
    assert by_name["ai-chat"].requires == ["ai"]
    assert by_name["scheduled-job"].requires == ["schedule"]
    with_content = ok(
        api.get("/templates/list", params={"source": "builtin", "include_content": "true"}),
        TemplateList,
    )
    assert all(t.content for t in with_content.templates)
    assert "{{greeting}}" in next(
        t.content or "" for t in with_content.templates if t.name == "hello"
    )
    error(api.get("/templates/list", params={"source": "mine"}), 422, "validation_error")


def test_preview_renders_defaults_and_values(api: httpx.Client) -> None:
    plain = ok(api.get("/templates/preview", params={"name": "hello"}), Rendered)
    assert plain.path == "hello.ts"
    assert plain.valid and plain.problems == []
    assert "`Hello, ${name}!`" in plain.content and "{{" not in plain.content
    assert plain.variables == {"route": "hello", "greeting": "Hello", "default_name": "world"}
    given = json.dumps({"greeting": "Hi there", "route": "api/hi"})
    custom_values = ok(
        api.get("/templates/preview", params={"name": "hello", "variables": given}), Rendered
    )
    assert custom_values.path == "api/hi.ts"
    assert "`Hi there, ${name}!`" in custom_values.content
    elsewhere = ok(
        api.get("/templates/preview", params={"name": "hello", "path": "x/y.ts"}), Rendered
    )
    assert elsewhere.path == "x/y.ts"


def test_preview_errors(api: httpx.Client) -> None:
    error(api.get("/templates/preview", params={"name": "nope"}), 404, "not_found")
    error(api.get("/templates/preview", params={"name": "../x"}), 404, "not_found")
    error(api.get("/templates/preview"), 422, "validation_error")
    bad = {"name": "hello", "variables": "{not json"}
    assert error(api.get("/templates/preview", params=bad), 400, "invalid_json")["details"] == {
        "field": "variables"
    }
    error(
        api.get("/templates/preview", params={"name": "hello", "variables": '["a"]'}),
        400,
        "invalid_json",
    )
    unknown = error(
        api.get("/templates/preview", params={"name": "hello", "variables": '{"colour":"red"}'}),
        422,
        "unknown_variable",
    )
    assert unknown["details"][0]["variable"] == "colour"
    # A value that could break out of the string literal is refused by the pattern.
    breakout = json.dumps({"greeting": "`; process.exit(); `"})
    invalid = error(
        api.get("/templates/preview", params={"name": "hello", "variables": breakout}),
        422,
        "invalid_variable",
    )
    assert invalid["details"][0]["variable"] == "greeting"
    newline = json.dumps({"route": "a\nb"})
    error(
        api.get("/templates/preview", params={"name": "hello", "variables": newline}),
        422,
        "invalid_variable",
    )
    escape = json.dumps({"route": "../../etc/x"})
    error(
        api.get("/templates/preview", params={"name": "hello", "variables": escape}),
        422,
        "invalid_variable",
    )
    error(
        api.get("/templates/preview", params={"name": "hello", "path": "../x.ts"}),
        400,
        "invalid_path",
    )


def test_generate_writes_like_scripts_write(api: httpx.Client, api_server: Server) -> None:
    body = {"name": "hello", "variables": {"route": "gen/hello", "greeting": "Hey"}}
    made = ok(api.post("/templates/generate", json=body), Generated)
    assert made.path == "gen/hello.ts" and made.route == "/gen/hello" and made.created
    assert made.valid and made.problems == []
    preview = ok(
        api.get(
            "/templates/preview",
            params={"name": "hello", "variables": json.dumps(body["variables"])},
        ),
        Rendered,
    )
    assert (api_server.root / "gen/hello.ts").read_text() == preview.content
    answer = api_server.get_when_routable("/gen/hello")
    assert answer.json()["message"] == "Hey, world!"
    # Onto an existing file: refused unless overwrite.
    again = error(api.post("/templates/generate", json=body), 409, "conflict")
    assert again["details"] == {"path": "gen/hello.ts"}
    replaced = ok(
        api.post(
            "/templates/generate",
            json={**body, "variables": {"route": "gen/hello", "greeting": "Yo"}, "overwrite": True},
        ),
        Generated,
    )
    assert not replaced.created
    assert "`Yo, ${name}!`" in (api_server.root / "gen/hello.ts").read_text()
    explicit = ok(
        api.post("/templates/generate", json={"name": "sse", "path": "gen/streams/e.ts"}),
        Generated,
    )
    assert explicit.route == "/gen/streams/e"
    leftovers = [p.name for p in (api_server.root / "gen").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_generate_errors(api: httpx.Client) -> None:
    error(api.post("/templates/generate", json={"name": "missing"}), 404, "not_found")
    error(
        api.post("/templates/generate", json={"name": "hello", "path": "../out.ts"}),
        400,
        "invalid_path",
    )
    error(
        api.post("/templates/generate", json={"name": "hello", "path": ".hoody/x.ts"}),
        403,
        "forbidden_path",
    )
    error(
        api.post("/templates/generate", json={"name": "crud", "variables": {"max_items": "lots"}}),
        422,
        "invalid_variable",
    )
    error(
        api.post("/templates/generate", json={"name": "hello", "colour": "red"}),
        422,
        "validation_error",
    )
    response = api.post(
        "/templates/generate", content=b"{oops", headers={"content-type": "application/json"}
    )
    error(response, 400, "invalid_json")


def test_custom_template_lifecycle(api: httpx.Client, api_server: Server) -> None:
    created = ok(api.post("/templates/create-custom", json=custom()), TemplateSaved)
    assert created.created and created.template.source == "custom"
    assert created.template.created is not None
    # `who` has no default, so nothing could be rendered to check.
    assert created.problems == []
    stored = api_server.root / ".hoody/templates/greeter.json"
    saved = json.loads(stored.read_text())
    assert saved["name"] == "greeter" and saved["content"] == custom()["content"]
    listed = ok(api.get("/templates/list", params={"source": "custom"}), TemplateList)
    assert [t.name for t in listed.templates] == ["greeter"]

    missing = error(
        api.post("/templates/generate", json={"name": "greeter"}), 422, "missing_variable"
    )
    assert missing["details"][0]["variable"] == "who"
    made = ok(
        api.post("/templates/generate", json={"name": "greeter", "variables": {"who": "Bo"}}),
        Generated,
    )
    assert made.path == "tpl/greet.ts"
    assert api_server.get_when_routable("/tpl/greet").json() == {"hi": "Bo"}

    error(api.post("/templates/create-custom", json=custom()), 409, "conflict")

    updated_body = custom(
        title="Greeter 2",
        variables=[{"name": "who", "default": "Cy", "pattern": "[A-Za-z]+"}],
        default_path="tpl/second.ts",
        content='// @mode worker\nreturn { hello: "{{who}}" };\n',
    )
    del updated_body["name"]
    updated = ok(api.put("/templates/update-custom/greeter", json=updated_body), TemplateSaved)
    assert not updated.created and updated.template.title == "Greeter 2"
    assert updated.template.created == created.template.created
    assert updated.problems == []
    preview = ok(api.get("/templates/preview", params={"name": "greeter"}), Rendered)
    assert preview.path == "tpl/second.ts" and 'hello: "Cy"' in preview.content

    deleted = ok(api.delete("/templates/delete-custom/greeter"), TemplateDeleted)
    assert deleted.deleted and not stored.exists()
    error(api.delete("/templates/delete-custom/greeter"), 404, "not_found")
    error(api.get("/templates/preview", params={"name": "greeter"}), 404, "not_found")
    error(api.put("/templates/update-custom/greeter", json=updated_body), 404, "not_found")


def test_custom_template_reports_problems_of_its_default_rendering(api: httpx.Client) -> None:
    body = custom(
        "broken-default",
        variables=[{"name": "route", "default": "b"}],
        default_path="{{route}}.ts",
        content="// @mode sometimes\nreturn {;\n",
    )
    saved = ok(api.post("/templates/create-custom", json=body), TemplateSaved)
    kinds = {p.kind for p in saved.problems}
    assert kinds == {"magic-comment", "syntax"}
    ok(api.delete("/templates/delete-custom/broken-default"), TemplateDeleted)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"content": "return '{{nobody}}';"}, "invalid_template"),
        ({"default_path": "{{elsewhere}}.ts"}, "invalid_template"),
        (
            {"variables": [{"name": "route", "default": "UPPER", "pattern": "[a-z]+"}]},
            "invalid_template",
        ),
        (
            {
                "variables": [
                    {"name": "route", "default": "a"},
                    {"name": "route", "default": "b"},
                ],
                "content": "return 1;",
            },
            "invalid_template",
        ),
        ({"variables": [{"name": "who", "pattern": "(unclosed"}]}, "validation_error"),
        ({"variables": [{"name": "Bad-Name"}]}, "validation_error"),
        ({"name": "Bad Name"}, "validation_error"),
        ({"name": "../escape"}, "validation_error"),
        ({"surprise": True}, "validation_error"),
    ],
)
def test_create_custom_refuses_bad_templates(
    api: httpx.Client, overrides: dict[str, Any], code: str
) -> None:
    body = {**custom("bad-one"), **overrides}
    error(api.post("/templates/create-custom", json=body), 422, code)
    error(api.get("/templates/preview", params={"name": "bad-one"}), 404, "not_found")


def test_create_custom_refuses_a_default_path_outside_the_folder(api: httpx.Client) -> None:
    error(
        api.post(
            "/templates/create-custom", json=custom("outside", default_path="../{{route}}.ts")
        ),
        400,
        "invalid_path",
    )
    error(
        api.post("/templates/create-custom", json=custom("inside", default_path=".hoody/x.ts")),
        403,
        "forbidden_path",
    )


def test_builtins_cannot_be_changed(api: httpx.Client) -> None:
    taken = error(api.post("/templates/create-custom", json=custom("hello")), 409, "conflict")
    assert taken["details"] == {"name": "hello", "source": "builtin"}
    body = custom()
    del body["name"]
    error(api.put("/templates/update-custom/hello", json=body), 409, "conflict")
    error(api.delete("/templates/delete-custom/hello"), 409, "conflict")
    error(api.delete("/templates/delete-custom/not-there"), 404, "not_found")


def test_templates_need_the_admin_token(anon: httpx.Client) -> None:
    error(anon.get("/templates/list"), 401, "unauthorized")
    error(anon.post("/templates/generate", json={"name": "hello"}), 401, "unauthorized")
    error(anon.delete("/templates/delete-custom/x"), 401, "unauthorized")


def test_templates_are_in_the_openapi_document(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/exec/templates/update-custom/{name}"]) == {"put"}
    assert set(paths["/api/v1/exec/templates/delete-custom/{name}"]) == {"delete"}
    for path in ("list", "preview"):
        assert set(paths[f"/api/v1/exec/templates/{path}"]) == {"get"}
    for path in ("generate", "create-custom"):
        assert set(paths[f"/api/v1/exec/templates/{path}"]) == {"post"}
