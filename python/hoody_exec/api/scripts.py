"""scripts: read, write, delete, list, tree, move."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Literal

from hoody_exec.api.analysis import comments_dict, mode_and_problems, quick_problems, read_text
from hoody_exec.api.auth import STATE_DIR
from hoody_exec.api.errors import ApiError, conflict, not_found
from hoody_exec.api.files import MAX_SCRIPT_BYTES, atomic_write
from hoody_exec.api.models import (
    DeleteResult,
    DeleteScript,
    ListScripts,
    MoveResult,
    MoveScript,
    PathQuery,
    ScriptContent,
    ScriptInfo,
    ScriptList,
    TreeNode,
    TreeRequest,
    TreeResult,
    WriteResult,
    WriteScript,
)
from hoody_exec.api.operation import Context, Operation
from hoody_exec.routing import EXTENSIONS
from hoody_exec.routing.table import leads_outside

# Never listed: the server's state, VCS data; node_modules is shown but not opened.
HIDDEN = frozenset({STATE_DIR, ".git"})
COLLAPSED = frozenset({"node_modules"})


def route_of(ctx: Context, relative: str) -> str | None:
    route = ctx.app.routes.table.by_file(relative)
    return route.pattern if route is not None else None


def _refresh(ctx: Context) -> None:
    # NOTE: on_changes rebuilds routes for script and folder paths; a rebuild here
    # covers files the hook skips (a folder removed with its scripts inside).
    ctx.app.routes.rebuild()


async def read(ctx: Context, q: PathQuery) -> ScriptContent:
    target = ctx.paths.resolve(q.path)
    text = read_text(target)
    st = target.absolute.stat()
    return ScriptContent(
        path=target.relative,
        route=route_of(ctx, target.relative),
        content=text,
        size=st.st_size,
        modified=st.st_mtime,
        sha256=hashlib.sha256(target.absolute.read_bytes()).hexdigest(),
    )


async def write(ctx: Context, body: WriteScript) -> WriteResult:
    target = ctx.paths.resolve(body.path)
    data = body.content.encode("utf-8")
    if len(data) > MAX_SCRIPT_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            f"scripts are limited to {MAX_SCRIPT_BYTES} bytes (this one has {len(data)})",
            {"limit_bytes": MAX_SCRIPT_BYTES, "size": len(data)},
        )
    if target.absolute.is_dir():
        raise conflict(f"{target.relative} is a folder", {"path": target.relative})
    if target.absolute.exists() and not body.overwrite:
        raise conflict(
            f"{target.relative} exists; send overwrite: true to replace it",
            {"path": target.relative},
        )
    _check_parents(ctx, target.absolute)
    created = atomic_write(target.absolute, data)
    ctx.changed(target.absolute)
    st = target.absolute.stat()
    problems = (
        quick_problems(body.content, target.name, ctx.app.runtime.loader.env)
        if target.name.endswith(EXTENSIONS)
        else []
    )
    return WriteResult(
        path=target.relative,
        route=route_of(ctx, target.relative),
        created=created,
        size=st.st_size,
        modified=st.st_mtime,
        valid=not problems,
        problems=problems,
    )


def _check_parents(ctx: Context, absolute: Path) -> None:
    for parent in absolute.parents:
        if parent == ctx.root:
            return
        if parent.exists() and not parent.is_dir():
            rel = ctx.paths.relative_of(parent)
            raise conflict(f"{rel} is a file, not a folder", {"path": rel})


async def delete(ctx: Context, body: DeleteScript) -> DeleteResult:
    # A link goes, not what it points to (which may be outside the folder).
    target = ctx.paths.resolve_link(body.path) or ctx.paths.resolve(body.path)
    path = target.absolute
    if not path.exists() and not path.is_symlink():
        raise not_found(f"no file or folder {target.relative}", {"path": target.relative})
    route = route_of(ctx, target.relative)
    kind: Literal["file", "directory", "symlink"]
    if path.is_symlink():
        path.unlink()
        kind = "symlink"
    elif path.is_dir():
        if any(path.iterdir()) and not body.recursive:
            raise conflict(
                f"{target.relative} is a folder that is not empty; send recursive: true",
                {"path": target.relative},
            )
        shutil.rmtree(path)
        kind = "directory"
    else:
        path.unlink()
        kind = "file"
    ctx.changed(path)
    _refresh(ctx)
    return DeleteResult(path=target.relative, kind=kind, deleted=True, route=route)


async def list_scripts(ctx: Context, q: ListScripts) -> ScriptList:
    base = ctx.paths.resolve(q.under, allow_root=True)
    if not base.absolute.is_dir():
        raise not_found(f"no folder {base.relative or '.'}", {"path": base.relative})
    env = ctx.app.runtime.loader.env
    found: list[ScriptInfo] = []
    for directory, dirnames, filenames in os.walk(base.absolute):
        dirnames[:] = sorted(d for d in dirnames if d not in HIDDEN and d not in COLLAPSED)
        for name in sorted(filenames):
            if not name.endswith(EXTENSIONS) or name.endswith(".d.ts"):
                continue
            path = Path(directory) / name
            relative = ctx.paths.relative_of(path)
            if path.is_symlink() and leads_outside(ctx.root, relative):
                continue  # not a script of this folder; reading it would read outside
            private = any(p.startswith(("_", ".")) for p in PurePosixPath(relative).parts)
            if private and not q.include_private:
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            mode, problems, source = mode_and_problems(path, env)
            route = route_of(ctx, relative)
            found.append(
                ScriptInfo(
                    path=relative,
                    route=route,
                    routable=route is not None,
                    private=private,
                    mode=mode,
                    comments=comments_dict(source),
                    problems=problems,
                    size=st.st_size,
                    modified=st.st_mtime,
                )
            )
    return ScriptList(scripts=found, count=len(found))


async def tree(ctx: Context, body: TreeRequest) -> TreeResult:
    base = ctx.paths.resolve(body.path, allow_root=True)
    if not base.absolute.is_dir():
        raise not_found(f"no folder {base.relative or '.'}", {"path": base.relative})
    counts = [0, 0]
    root = _node(ctx, base.absolute, base.relative, body.depth, counts)
    return TreeResult(root=root, files=counts[0], directories=counts[1])


def _node(ctx: Context, path: Path, relative: str, depth: int, counts: list[int]) -> TreeNode:
    name = path.name if relative else "."
    if path.is_symlink():
        return TreeNode(name=name, path=relative, type="symlink")
    st = path.stat()
    if not path.is_dir():
        counts[0] += 1
        return TreeNode(
            name=name,
            path=relative,
            type="file",
            size=st.st_size,
            modified=st.st_mtime,
            route=route_of(ctx, relative),
        )
    counts[1] += 1
    if depth <= 0 or path.name in COLLAPSED:
        return TreeNode(name=name, path=relative, type="directory", truncated=True)
    children = []
    entries = sorted(os.scandir(path), key=lambda e: (not e.is_dir(follow_symlinks=False), e.name))
    for entry in entries:
        if entry.name in HIDDEN:
            continue
        child = f"{relative}/{entry.name}" if relative else entry.name
        children.append(_node(ctx, Path(entry.path), child, depth - 1, counts))
    return TreeNode(
        name=name, path=relative, type="directory", modified=st.st_mtime, children=children
    )


async def move(ctx: Context, body: MoveScript) -> MoveResult:
    source = ctx.paths.resolve(body.path)
    target = ctx.paths.resolve(body.to)
    if not source.absolute.exists():
        raise not_found(f"no file or folder {source.relative}", {"path": source.relative})
    if source.relative == target.relative:
        raise ApiError(400, "same_path", "`path` and `to` are the same", {"path": source.relative})
    is_dir = source.absolute.is_dir()
    if is_dir and (target.relative + "/").startswith(source.relative + "/"):
        raise ApiError(
            400, "invalid_move", "a folder cannot move into itself", {"path": source.relative}
        )
    if target.absolute.exists():
        if not body.overwrite:
            raise conflict(
                f"{target.relative} exists; send overwrite: true to replace it",
                {"path": source.relative, "to": target.relative},
            )
        if is_dir or target.absolute.is_dir():
            raise conflict(
                "overwrite replaces files only, not folders",
                {"path": source.relative, "to": target.relative},
            )
    _check_parents(ctx, target.absolute)
    previous = route_of(ctx, source.relative)
    target.absolute.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source.absolute, target.absolute)
    ctx.changed(source.absolute, target.absolute)
    _refresh(ctx)
    return MoveResult(
        path=source.relative,
        to=target.relative,
        kind="directory" if is_dir else "file",
        previous_route=previous,
        route=route_of(ctx, target.relative),
    )


_COMMON = (400, 401, 403, 404, 422)

OPERATIONS = (
    Operation(
        "GET",
        "/scripts/read",
        "scripts",
        "Read a script",
        PathQuery,
        ScriptContent,
        read,
        errors=(*_COMMON, 413),
    ),
    Operation(
        "POST",
        "/scripts/write",
        "scripts",
        "Create or update a script (atomic)",
        WriteScript,
        WriteResult,
        write,
        errors=(*_COMMON, 409, 413),
        description="Creates missing folders; answers with the route the file now "
        "serves. Live on the next request.",
    ),
    Operation(
        "DELETE",
        "/scripts/delete",
        "scripts",
        "Delete a script or folder",
        DeleteScript,
        DeleteResult,
        delete,
        errors=(*_COMMON, 409),
    ),
    Operation(
        "GET",
        "/scripts/list",
        "scripts",
        "List all scripts",
        ListScripts,
        ScriptList,
        list_scripts,
        errors=_COMMON,
    ),
    Operation(
        "POST",
        "/scripts/tree",
        "scripts",
        "The folder tree",
        TreeRequest,
        TreeResult,
        tree,
        errors=_COMMON,
    ),
    Operation(
        "POST",
        "/scripts/move",
        "scripts",
        "Move or rename a script or folder",
        MoveScript,
        MoveResult,
        move,
        errors=(*_COMMON, 409),
        description="Refuses to replace an existing file unless overwrite is true (409).",
    ),
)
