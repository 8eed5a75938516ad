"""magic-comments: schema, read, update, bulk-update.

Updates rewrite only the leading comment block: a changed comment keeps its
line (and its `//` or `/* */` style), a removed one loses its line, a new one
gets its own `// @name value` line (after the last magic comment; `@mode`
first). Everything after the block stays byte-for-byte the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hoody_exec.api.analysis import check_magic, comment_items, read_text
from hoody_exec.api.errors import ApiError, unprocessable
from hoody_exec.api.files import atomic_write
from hoody_exec.api.models import (
    BulkItem,
    BulkUpdateMagic,
    BulkUpdateResult,
    CommentSchema,
    CommentValue,
    MagicBlock,
    MagicRead,
    MagicSchema,
    MagicUpdateResult,
    NoInput,
    PathQuery,
    UpdateMagic,
)
from hoody_exec.api.operation import Context, Operation
from hoody_exec.api.paths import ScriptPath, normalize
from hoody_exec.routing import EXTENSIONS
from hoody_exec.scripts import MAGIC_COMMENTS
from hoody_exec.scripts.magic_schema import SPECS_BY_NAME

RULES = [
    "Magic comments are read from the leading comment block only (// lines or /* */ "
    "blocks before the first code); a #! line may precede them.",
    "One comment per name; unknown names and bad values are load errors (the route "
    "answers 500 with the message), never ignored.",
    "@mode comes first by convention.",
    "@websocket needs @mode worker; @concurrent only applies to @mode serverless; "
    "@ai-model needs @ai true.",
    "Pragmas of other tools (@ts-nocheck, @jsx, @license, ...) may share the block.",
]

MAX_BULK_FILES = 1000


# ---------------------------------------------------------------- the block
@dataclass(frozen=True)
class _Directive:
    index: int  # 0-based line index
    name: str
    in_block: bool  # inside /* */
    block_end: int  # index of the line closing the /* */ (== index for // lines)


def _scan(lines: list[str]) -> tuple[list[_Directive], int, int]:
    """Directives of the leading block, the index of the first code line, and where
    new lines may start (after a #! line)."""
    found: list[_Directive] = []
    start = 1 if lines and lines[0].startswith("#!") else 0
    index = start
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            index += 1
        elif line.startswith("//"):
            name = _name(line[2:].lstrip("/"))
            if name:
                found.append(_Directive(index, name, False, index))
            index += 1
        elif line.startswith("/*"):
            first = index
            body = [line[2:]]
            while "*/" not in body[-1] and index + 1 < len(lines):
                index += 1
                body.append(lines[index].strip())
            for offset, text in enumerate(body):
                name = _name(text.split("*/", 1)[0].strip().lstrip("*").strip())
                if name:
                    found.append(_Directive(first + offset, name, True, index))
            index += 1
        else:
            break
    return found, index, start


_DIRECTIVE = re.compile(r"@([A-Za-z][\w-]*)")


def _name(text: str) -> str | None:
    text = text.strip()
    found = _DIRECTIVE.match(text) if text.startswith("@") else None
    return found.group(1) if found else None


def _render(name: str, value: CommentValue) -> str:
    if value is True:
        text = "true"
    elif value is False:
        text = "false"
    else:
        text = str(value).strip()
    if "\n" in text or "\r" in text or "*/" in text:
        raise unprocessable(
            "invalid_magic_comments",
            f"@{name}: a value is one line of text",
            [{"comment": f"@{name}", "message": "a value is one line of text"}],
        )
    return f"@{name} {text}".rstrip()


def _canonical(changes: Mapping[str, CommentValue]) -> dict[str, CommentValue]:
    result: dict[str, CommentValue] = {}
    for raw, value in changes.items():
        name = raw.removeprefix("@")
        if name not in SPECS_BY_NAME:
            raise unprocessable(
                "unknown_magic_comment",
                f"@{name} is not a magic comment",
                {"allowed": [f"@{spec.name}" for spec in MAGIC_COMMENTS]},
            )
        result[name] = value
    # @mode first, then the schema's order.
    order = [spec.name for spec in MAGIC_COMMENTS]
    return dict(sorted(result.items(), key=lambda item: order.index(item[0])))


def rewrite(source: str, changes: Mapping[str, CommentValue]) -> str:
    """`source` with its leading magic comments set/removed as `changes` says."""
    lines = source.splitlines(keepends=True)
    directives, _, start = _scan(lines)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    replaced: dict[int, str | None] = {}
    inserts: dict[int, list[str]] = {}
    after_last = max(d.block_end for d in directives) + 1 if directives else start
    for name, value in _canonical(changes).items():
        existing = [d for d in directives if d.name == name]
        if existing:
            for position, directive in enumerate(existing):
                line = replaced.get(directive.index, lines[directive.index])
                if line is None:
                    continue
                keep = value is not None and position == 0  # duplicates are dropped
                replaced[directive.index] = _replace_in_line(
                    line, name, _render(name, value) if keep else None, directive.in_block
                )
        elif value is not None:
            text = f"// {_render(name, value)}{newline}"
            at = start if name == "mode" else after_last
            if name == "mode" and directives and not directives[0].in_block:
                at = directives[0].index
            inserts.setdefault(at, []).append(text)
    out: list[str] = []
    for index in range(len(lines) + 1):
        if index in inserts:
            if out and not out[-1].endswith(("\n", "\r")):
                out[-1] += newline
            out.extend(inserts[index])
        if index < len(lines):
            line = replaced.get(index, lines[index])
            if line is not None:
                out.append(line)
    return "".join(out)


def _replace_in_line(line: str, name: str, directive: str | None, in_block: bool) -> str | None:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    pattern = re.compile(rf"@{re.escape(name)}(?![\w-])(?:[ \t]+.*?)?(?=[ \t]*(?:\*/|$))")
    if directive is None:
        rest = pattern.sub("", body, count=1)
        bare = rest.strip().removeprefix("/*").removesuffix("*/").strip().lstrip("*/").strip()
        if not bare and (not in_block or ("/*" in rest) == ("*/" in rest)):
            return None  # the line only held this comment (or an emptied /* */)
        return rest.rstrip() + ending
    return pattern.sub(lambda _: directive, body, count=1) + ending


def block_range(source: str) -> MagicBlock:
    lines = source.splitlines()
    directives, _, _ = _scan(lines)
    if not directives:
        return MagicBlock(start_line=None, end_line=None)
    return MagicBlock(
        start_line=directives[0].index + 1, end_line=max(d.block_end for d in directives) + 1
    )


# ---------------------------------------------------------------- operations
async def schema(ctx: Context, _: NoInput) -> MagicSchema:
    return MagicSchema(
        comments=[
            CommentSchema(
                name=spec.name,
                values=spec.values,
                choices=list(spec.choices),
                default=spec.default,
                meaning=spec.meaning,
                conflicts=list(spec.conflicts),
                example=spec.example,
            )
            for spec in MAGIC_COMMENTS
        ],
        rules=RULES,
    )


async def read(ctx: Context, q: PathQuery) -> MagicRead:
    target = ctx.paths.resolve(q.path)
    source = read_text(target)
    checked = check_magic(source, ctx.app.runtime.loader.env)
    return MagicRead(
        path=target.relative,
        comments=checked.comments,
        effective=checked.effective,
        problems=checked.problems,
        block=block_range(source),
    )


@dataclass
class _Planned:
    target: ScriptPath
    before: str
    after: str


def _plan(ctx: Context, target: ScriptPath, changes: Mapping[str, CommentValue]) -> _Planned:
    source = read_text(target)
    return _Planned(target, source, rewrite(source, changes))


def _problems(ctx: Context, planned: _Planned) -> list[dict[str, object]]:
    checked = check_magic(planned.after, ctx.app.runtime.loader.env)
    return [p.model_dump() for p in checked.problems]


def _commit(ctx: Context, planned: _Planned) -> bool:
    if planned.after == planned.before:
        return False
    atomic_write(planned.target.absolute, planned.after.encode("utf-8"))
    ctx.changed(planned.target.absolute)
    return True


async def update(ctx: Context, body: UpdateMagic) -> MagicUpdateResult:
    target = ctx.paths.resolve(body.path)
    planned = _plan(ctx, target, body.comments)
    problems = _problems(ctx, planned)
    if problems:
        raise unprocessable(
            "invalid_magic_comments",
            "the updated comments would not load; nothing was written",
            problems,
        )
    changed = _commit(ctx, planned)
    checked = check_magic(planned.after, ctx.app.runtime.loader.env)
    return MagicUpdateResult(
        path=target.relative,
        changed=changed,
        comments=checked.comments,
        effective=checked.effective,
    )


def _select(ctx: Context, body: BulkUpdateMagic) -> list[ScriptPath]:
    if body.paths is not None:
        return [ctx.paths.resolve(p) for p in body.paths]
    pattern = normalize(body.glob or "")
    selected: list[ScriptPath] = []
    for path in sorted(ctx.root.glob(pattern)):
        relative = path.relative_to(ctx.root).as_posix()
        parts = relative.split("/")
        if ".hoody" in parts or "node_modules" in parts or ".git" in parts:
            continue
        if path.is_file() and path.name.endswith(EXTENSIONS):
            selected.append(ctx.paths.resolve(relative))
    return selected


async def bulk_update(ctx: Context, body: BulkUpdateMagic) -> BulkUpdateResult:
    targets = _select(ctx, body)
    if len(targets) > MAX_BULK_FILES:
        raise ApiError(
            413,
            "payload_too_large",
            f"bulk updates are limited to {MAX_BULK_FILES} files ({len(targets)} matched)",
            {"limit_files": MAX_BULK_FILES},
        )
    planned = [_plan(ctx, target, body.comments) for target in targets]
    failures = [
        {"path": item.target.relative, "problems": problems}
        for item in planned
        if (problems := _problems(ctx, item))
    ]
    if failures:
        raise unprocessable(
            "invalid_magic_comments",
            f"{len(failures)} file(s) would not load after the update; nothing was written",
            failures,
        )
    results = []
    for item in planned:
        changed = item.after != item.before if body.dry_run else _commit(ctx, item)
        results.append(
            BulkItem(path=item.target.relative, changed=changed, comments=comment_items(item.after))
        )
    return BulkUpdateResult(
        matched=len(planned),
        updated=sum(r.changed for r in results),
        dry_run=body.dry_run,
        results=results,
    )


_ERRORS = (400, 401, 403, 404, 413, 422)

OPERATIONS = (
    Operation(
        "GET",
        "/magic-comments/schema",
        "magic-comments",
        "Every magic comment: values, default, meaning, conflicts",
        NoInput,
        MagicSchema,
        schema,
        errors=(401,),
    ),
    Operation(
        "GET",
        "/magic-comments/read",
        "magic-comments",
        "A script's magic comments",
        PathQuery,
        MagicRead,
        read,
        errors=_ERRORS,
    ),
    Operation(
        "PUT",
        "/magic-comments/update",
        "magic-comments",
        "Set or remove magic comments (rewrites only the comment block)",
        UpdateMagic,
        MagicUpdateResult,
        update,
        errors=_ERRORS,
    ),
    Operation(
        "POST",
        "/magic-comments/bulk-update",
        "magic-comments",
        "Update magic comments across scripts (paths or a glob; all or nothing)",
        BulkUpdateMagic,
        BulkUpdateResult,
        bulk_update,
        errors=_ERRORS,
    ),
)
