"""templates: list, preview, generate, create-custom, update-custom, delete-custom."""

from __future__ import annotations

import json
import time
from typing import Any, Literal

from pydantic import Field, field_validator

from hoody_exec.api import scripts
from hoody_exec.api.analysis import quick_problems
from hoody_exec.api.errors import ApiError, bad_request, conflict, not_found, unprocessable
from hoody_exec.api.files import MAX_SCRIPT_BYTES, atomic_write, create_exclusive
from hoody_exec.api.models import Model, Out, Problem, WriteScript
from hoody_exec.api.operation import Context, Operation
from hoody_exec.templates import (
    Template,
    TemplateMeta,
    Variable,
    builtins,
    customs,
    declaration_problems,
    find,
    render,
    resolve_values,
)
from hoody_exec.templates.catalog import (
    custom_file,
    load_custom,
    stored_json,
    valid_name,
)
from hoody_exec.templates.render import PLACEHOLDER

NameField = Field(
    min_length=1, max_length=64, description="Template name: [a-z0-9][a-z0-9-]*, e.g. hello."
)
VariablesField = Field(
    default_factory=dict, description="Values by variable name; missing ones take their default."
)


# ---------------------------------------------------------------- models
class ListTemplates(Model):
    source: Literal["all", "builtin", "custom"] = "all"
    include_content: bool = Field(default=False, description="Add each template's text.")


class TemplateInfo(Out):
    name: str
    source: Literal["builtin", "custom"]
    title: str
    description: str
    default_path: str
    variables: list[Variable]
    tags: list[str]
    requires: list[str] = Field(
        description="Server features the script needs to do its job (websocket, ai, schedule)."
    )
    content: str | None = Field(default=None, description="Only with include_content=true.")
    created: float | None = None
    modified: float | None = None


class TemplateList(Out):
    templates: list[TemplateInfo]
    count: int


class PreviewTemplate(Model):
    name: str = NameField
    variables: str | None = Field(
        default=None,
        description='The values as a JSON object in one query parameter: {"greeting":"Hi"}.',
    )
    path: str | None = Field(default=None, description="Preview for this path instead.")


class Rendered(Out):
    name: str
    path: str = Field(description="Where generate would write (the rendered default_path).")
    variables: dict[str, str] = Field(description="The values used, defaults included.")
    content: str
    valid: bool = Field(description="No syntax or magic-comment problems.")
    problems: list[Problem]


class GenerateScript(Model):
    name: str = NameField
    variables: dict[str, str] = VariablesField
    path: str | None = Field(default=None, description="Default: the template's default_path.")
    overwrite: bool = Field(default=False, description="Replace an existing file (else 409).")


class Generated(Out):
    name: str
    path: str
    route: str | None = Field(description="The URL pattern the new script serves.")
    created: bool
    variables: dict[str, str]
    valid: bool
    problems: list[Problem]


class TemplateBody(Model):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    default_path: str = Field(min_length=1, max_length=512)
    variables: list[Variable] = Field(default_factory=list, max_length=32)
    tags: list[str] = Field(default_factory=list, max_length=16)
    requires: list[str] = Field(default_factory=list, max_length=8)
    content: str = Field(min_length=1, description="The script text with {{variable}} slots.")


class CreateTemplate(TemplateBody):
    name: str = NameField

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not valid_name(value):
            raise ValueError("a template name is [a-z0-9][a-z0-9-]*, at most 64 characters")
        return value


class UpdateTemplate(TemplateBody):
    name: str = NameField


class DeleteTemplate(Model):
    name: str = NameField


class TemplateSaved(Out):
    template: TemplateInfo
    created: bool
    problems: list[Problem] = Field(
        description="Syntax and magic-comment problems of the text rendered with the "
        "defaults (empty when a variable has no default)."
    )


class TemplateDeleted(Out):
    name: str
    deleted: bool


# ---------------------------------------------------------------- helpers
def _info(template: Template, *, content: bool = False) -> TemplateInfo:
    meta = template.meta
    return TemplateInfo(
        name=template.name,
        source=template.source,
        title=meta.title,
        description=meta.description,
        default_path=meta.default_path,
        variables=meta.variables,
        tags=meta.tags,
        requires=meta.requires,
        content=template.content if content else None,
        created=template.created,
        modified=template.modified,
    )


def _template(ctx: Context, name: str) -> Template:
    template = find(ctx.root, name)
    if template is None:
        raise not_found(f"no template {name}", {"name": name})
    return template


def _values(template: Template, given: dict[str, str]) -> dict[str, str]:
    values, problems = resolve_values(template.specs(), given)
    if problems:
        first = problems[0]
        raise unprocessable(
            first.code,
            first.message if len(problems) == 1 else f"{first.message} (and more)",
            [{"code": p.code, "variable": p.variable, "message": p.message} for p in problems],
        )
    return values


def _rendered(
    ctx: Context, template: Template, given: dict[str, str], path: str | None
) -> Rendered:
    values = _values(template, given)
    content = render(template.content, values)
    target = ctx.paths.resolve(
        path if path is not None else render(template.meta.default_path, values)
    )
    problems = quick_problems(content, target.name, ctx.app.runtime.loader.env)
    return Rendered(
        name=template.name,
        path=target.relative,
        variables=values,
        content=content,
        valid=not problems,
        problems=problems,
    )


# ---------------------------------------------------------------- handlers
async def list_templates(ctx: Context, q: ListTemplates) -> TemplateList:
    found: list[Template] = []
    if q.source in ("all", "builtin"):
        found.extend(builtins().values())
    if q.source in ("all", "custom"):
        found.extend(customs(ctx.root).values())
    infos = [_info(t, content=q.include_content) for t in found]
    return TemplateList(templates=infos, count=len(infos))


async def preview(ctx: Context, q: PreviewTemplate) -> Rendered:
    template = _template(ctx, q.name)
    given: Any = {}
    if q.variables is not None and q.variables.strip():
        try:
            given = json.loads(q.variables)
        except json.JSONDecodeError as error:
            raise bad_request(
                "invalid_json", f"variables is not valid JSON: {error}", {"field": "variables"}
            ) from None
        if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
            raise bad_request(
                "invalid_json",
                "variables must be a JSON object of strings",
                {"field": "variables"},
            )
    return _rendered(ctx, template, given, q.path)


async def generate(ctx: Context, body: GenerateScript) -> Generated:
    template = _template(ctx, body.name)
    rendered = _rendered(ctx, template, body.variables, body.path)
    # The same write as scripts/write: size cap, 409 without overwrite, atomic,
    # folders created, routes refreshed at once.
    written = await scripts.write(
        ctx, WriteScript(path=rendered.path, content=rendered.content, overwrite=body.overwrite)
    )
    return Generated(
        name=template.name,
        path=written.path,
        route=written.route,
        created=written.created,
        variables=rendered.variables,
        valid=written.valid,
        problems=written.problems,
    )


def _checked(ctx: Context, name: str, body: TemplateBody) -> tuple[TemplateMeta, list[Problem]]:
    if len(body.content.encode("utf-8")) > MAX_SCRIPT_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            f"templates are limited to {MAX_SCRIPT_BYTES} bytes",
            {"limit_bytes": MAX_SCRIPT_BYTES},
        )
    meta = TemplateMeta.model_validate(body.model_dump(exclude={"content", "name"}))
    # The literal parts of default_path must already be a confined path (no '..',
    # not absolute, not into .hoody/); the values are checked at generate time.
    ctx.paths.resolve(PLACEHOLDER.sub("x", meta.default_path))
    declared = declaration_problems(meta, body.content)
    if declared:
        raise unprocessable("invalid_template", declared[0], {"problems": declared})
    problems: list[Problem] = []
    if all(v.default is not None for v in meta.variables):
        values = {v.name: v.default or "" for v in meta.variables}
        filename = render(meta.default_path, values).rsplit("/", 1)[-1] or f"{name}.ts"
        problems = quick_problems(
            render(body.content, values), filename, ctx.app.runtime.loader.env
        )
    return meta, problems


def _save(
    ctx: Context, name: str, meta: TemplateMeta, content: str, created: float, *, new: bool
) -> Template:
    path = custom_file(ctx.root, name)
    data = stored_json(name, meta, content, created, time.time())
    if new:
        if not create_exclusive(path, data):
            raise _taken(name)
    else:
        atomic_write(path, data)
    saved = load_custom(path)
    if saved is None:  # pragma: no cover - we just wrote it
        raise RuntimeError(f"custom template {name} did not read back")
    return saved


def _taken(name: str) -> ApiError:
    return conflict(
        f"a custom template {name} exists; use update-custom/{name}",
        {"name": name, "source": "custom"},
    )


def _refuse_builtin(name: str) -> None:
    if name in builtins():
        raise conflict(
            f"{name} is a built-in template; built-ins cannot be replaced, changed or deleted",
            {"name": name, "source": "builtin"},
        )


async def create_custom(ctx: Context, body: CreateTemplate) -> TemplateSaved:
    _refuse_builtin(body.name)
    if custom_file(ctx.root, body.name).exists():
        raise _taken(body.name)
    meta, problems = _checked(ctx, body.name, body)
    saved = _save(ctx, body.name, meta, body.content, time.time(), new=True)
    return TemplateSaved(template=_info(saved, content=True), created=True, problems=problems)


async def update_custom(ctx: Context, body: UpdateTemplate) -> TemplateSaved:
    _refuse_builtin(body.name)
    current = find(ctx.root, body.name) if valid_name(body.name) else None
    if current is None:
        raise not_found(f"no custom template {body.name}", {"name": body.name})
    meta, problems = _checked(ctx, body.name, body)
    saved = _save(ctx, body.name, meta, body.content, current.created or time.time(), new=False)
    return TemplateSaved(template=_info(saved, content=True), created=False, problems=problems)


async def delete_custom(ctx: Context, body: DeleteTemplate) -> TemplateDeleted:
    _refuse_builtin(body.name)
    path = custom_file(ctx.root, body.name) if valid_name(body.name) else None
    if path is None or not path.exists():
        raise not_found(f"no custom template {body.name}", {"name": body.name})
    path.unlink()
    return TemplateDeleted(name=body.name, deleted=True)


_COMMON = (400, 401, 404, 422)

OPERATIONS = (
    Operation(
        "GET",
        "/templates/list",
        "templates",
        "List templates",
        ListTemplates,
        TemplateList,
        list_templates,
        errors=(401, 422),
        description="Built-ins first, then the custom templates of `.hoody/templates/`.",
    ),
    Operation(
        "GET",
        "/templates/preview",
        "templates",
        "Preview a template",
        PreviewTemplate,
        Rendered,
        preview,
        errors=(*_COMMON, 403),
        description="Renders the template with `variables` (a JSON object in one query "
        "parameter) and the defaults; writes nothing.",
    ),
    Operation(
        "POST",
        "/templates/generate",
        "templates",
        "Generate a script from a template",
        GenerateScript,
        Generated,
        generate,
        errors=(*_COMMON, 403, 409, 413),
        description="Writes the rendered script like scripts/write (atomic); an existing "
        "file is refused (409) unless overwrite is true.",
    ),
    Operation(
        "POST",
        "/templates/create-custom",
        "templates",
        "Create a custom template",
        CreateTemplate,
        TemplateSaved,
        create_custom,
        errors=(*_COMMON, 409, 413),
        description="Every {{variable}} used must be declared; defaults must match their "
        "patterns. 409 if the name is taken (built-in or custom).",
    ),
    Operation(
        "PUT",
        "/templates/update-custom/{name}",
        "templates",
        "Update a custom template",
        UpdateTemplate,
        TemplateSaved,
        update_custom,
        errors=(*_COMMON, 409, 413),
        description="Replaces the template's text and metadata; built-ins answer 409.",
    ),
    Operation(
        "DELETE",
        "/templates/delete-custom/{name}",
        "templates",
        "Delete a custom template",
        DeleteTemplate,
        TemplateDeleted,
        delete_custom,
        errors=(*_COMMON, 409),
    ),
)
