"""Request and response models of the management API (pydantic v2).

They validate what comes in, shape what goes out and are the schemas of the
OpenAPI document, so the three cannot disagree.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Model(BaseModel):
    # Unknown fields are refused (422): a typo must not silently do nothing.
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Base of response models."""


# ---------------------------------------------------------------- errors
class ErrorInfo(Out):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_path.")
    message: str
    details: Any = None


class ErrorBody(Out):
    error: ErrorInfo


# ---------------------------------------------------------------- common
PathField = Field(
    min_length=1, description="Path relative to the scripts folder, e.g. users/[id].ts."
)


class PathQuery(Model):
    path: str = PathField


class Source(Model):
    """A script to check: a file in the folder (`path`) or inline `content`."""

    path: str | None = Field(default=None, description="A file in the scripts folder.")
    content: str | None = Field(default=None, description="Inline source to check instead.")
    filename: str | None = Field(
        default=None,
        description="Name used for inline content (its extension picks TS or JS); "
        "default script.ts.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Source:
        if (self.path is None) == (self.content is None):
            raise ValueError("give exactly one of `path` or `content`")
        return self


# ---------------------------------------------------------------- scripts
class ScriptContent(Out):
    path: str
    route: str | None = Field(description="URL pattern the file serves, null if not routable.")
    content: str
    size: int
    modified: float = Field(description="Unix time of the last change.")
    sha256: str


class WriteScript(Model):
    path: str = PathField
    content: str
    overwrite: bool = Field(default=True, description="false: 409 if the file exists.")


class Problem(Out):
    kind: Literal["syntax", "magic-comment"]
    line: int
    column: int | None = None
    message: str


class WriteResult(Out):
    path: str
    route: str | None
    created: bool
    size: int
    modified: float
    valid: bool = Field(description="No syntax or magic-comment problems.")
    problems: list[Problem]


class DeleteScript(Model):
    path: str = PathField
    recursive: bool = Field(default=False, description="Delete a non-empty folder.")


class DeleteResult(Out):
    path: str
    kind: Literal["file", "directory", "symlink"] = Field(
        description="symlink: the link itself was removed, never what it points to."
    )
    deleted: bool
    route: str | None = Field(description="The route that went away, if any.")


class ListScripts(Model):
    under: str = Field(default="", description="Only files under this folder.")
    include_private: bool = Field(default=True, description="Include _ and . helpers.")


class ScriptInfo(Out):
    path: str
    route: str | None
    routable: bool
    private: bool
    mode: str | None = Field(description="Effective @mode, null if the comments are invalid.")
    comments: dict[str, str] = Field(description="Magic comments as written (@token redacted).")
    problems: list[str]
    size: int
    modified: float


class ScriptList(Out):
    scripts: list[ScriptInfo]
    count: int


class TreeRequest(Model):
    path: str = Field(default="", description="Folder to start at; the root by default.")
    depth: int = Field(default=32, ge=1, le=64)


class TreeNode(Out):
    name: str
    path: str
    type: Literal["file", "directory", "symlink"]
    size: int | None = None
    modified: float | None = None
    route: str | None = None
    children: list[TreeNode] | None = None
    truncated: bool = Field(default=False, description="Children not listed (depth, node_modules).")


class TreeResult(Out):
    root: TreeNode
    files: int
    directories: int


class MoveScript(Model):
    path: str = PathField
    to: str = Field(min_length=1, description="New path relative to the scripts folder.")
    overwrite: bool = Field(default=False, description="Replace an existing file at `to`.")


class MoveResult(Out):
    path: str
    to: str
    kind: Literal["file", "directory"]
    previous_route: str | None
    route: str | None


# ---------------------------------------------------------------- validation
class SyntaxItem(Out):
    line: int
    column: int
    message: str
    frame: str = Field(description="The source lines around it, with a caret.")


class SyntaxResult(Out):
    ok: bool
    filename: str
    errors: list[SyntaxItem]


class MagicCommentItem(Out):
    name: str
    value: str
    line: int


class MagicProblemItem(Out):
    line: int
    comment: str
    value: str
    message: str
    allowed: str


class EffectiveComments(Out):
    mode: str
    cors: str
    timeout_ms: int | None = Field(description="null: no limit.")
    concurrent: int | None = Field(description="null: no cap.")
    token: Literal["none", "literal", "env"]
    token_env: str | None
    websocket: bool
    ai: bool
    ai_model: str
    log_level: str
    schedule: str | None
    schedule_next_runs: list[str] = Field(
        default_factory=list,
        description="With @schedule: its next three ticks (UTC ISO 8601), computed in its zone.",
    )
    explicit: list[str]


class MagicValidation(Out):
    ok: bool
    comments: list[MagicCommentItem]
    effective: EffectiveComments | None
    problems: list[MagicProblemItem]


class Finding(Out):
    severity: Literal["error", "warning"]
    message: str
    line: int | None = None
    column: int | None = None


class ReturnSite(Out):
    line: int | None
    column: int | None
    kind: str = Field(description="What is returned: value, none, function, class, symbol.")


class ReturnTypeResult(Out):
    ok: bool
    style: Literal["body", "module"]
    returns: list[ReturnSite]
    default_export: str | None = Field(description="Module style: what the default export is.")
    problems: list[Finding]
    rule: str


class ImportCheck(Out):
    ok: bool
    modules: list[str]
    error: Finding | None = None


class Summary(Out):
    errors: int
    warnings: int
    failed: list[str] = Field(description="Names of the checks that found errors.")


class ScriptValidation(Out):
    ok: bool
    filename: str
    route: str | None
    summary: Summary
    syntax: SyntaxResult
    magic_comments: MagicValidation
    return_type: ReturnTypeResult | None = Field(description="null when the syntax is broken.")
    imports: ImportCheck | None = Field(description="Relative imports (files in the folder only).")


# ---------------------------------------------------------------- magic comments
class CommentSchema(Out):
    name: str
    values: str
    choices: list[str]
    default: str | None
    meaning: str
    conflicts: list[str]
    example: str


class MagicSchema(Out):
    comments: list[CommentSchema]
    rules: list[str]


class MagicBlock(Out):
    start_line: int | None
    end_line: int | None


class MagicRead(Out):
    path: str
    comments: list[MagicCommentItem]
    effective: EffectiveComments | None
    problems: list[MagicProblemItem]
    block: MagicBlock


CommentValue = str | bool | int | None

CommentsField = Field(
    description="Comment name (without @) → value; true writes a bare flag, null removes it.",
    min_length=1,
)


class UpdateMagic(Model):
    path: str = PathField
    comments: dict[str, CommentValue] = CommentsField


class MagicUpdateResult(Out):
    path: str
    changed: bool
    comments: list[MagicCommentItem]
    effective: EffectiveComments | None


class BulkUpdateMagic(Model):
    paths: list[str] | None = Field(default=None, description="Explicit files.")
    glob: str | None = Field(default=None, description="Or a glob such as api/**/*.ts.")
    comments: dict[str, CommentValue] = CommentsField
    dry_run: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> BulkUpdateMagic:
        if (self.paths is None) == (self.glob is None):
            raise ValueError("give exactly one of `paths` or `glob`")
        return self


class BulkItem(Out):
    path: str
    changed: bool
    comments: list[MagicCommentItem]


class BulkUpdateResult(Out):
    matched: int
    updated: int
    dry_run: bool
    results: list[BulkItem]


# ---------------------------------------------------------------- routes
class RouteRef(Out):
    pattern: str
    file: str


class ResolveRoute(Model):
    url: str = Field(min_length=1, description="A URL or a path such as /users/42?x=1.")


class ResolveResult(Out):
    url: str
    path: str
    matched: bool
    route: RouteRef | None
    params: dict[str, str]
    reason: str


class DiscoverRoutes(Model):
    include_comments: bool = True


class DiscoveredRoute(Out):
    pattern: str
    file: str
    dynamic: bool
    params: list[str]
    shadowed: list[str]
    mode: str | None
    comments: dict[str, str]
    problems: list[str]


class DiscoverResult(Out):
    routes: list[DiscoveredRoute]
    count: int
    problems: list[str] = Field(description="Files that are not routable or are shadowed.")


class RouteTestRequest(Model):
    url: str = Field(min_length=1)
    pattern: str | None = Field(
        default=None,
        description="Test against this pattern (/users/[id] or users/[id].ts) "
        "instead of the live table.",
    )


class RouteTestResult(Out):
    url: str
    path: str
    matched: bool
    pattern: str | None
    file: str | None
    params: dict[str, str]
    reason: str
    steps: list[str] = Field(description="Segment by segment: how the match was decided.")


# ---------------------------------------------------------------- health
class NoInput(Model):
    pass


class EngineHealth(Out):
    ready: bool
    v8_version: str | None
    error: str | None


class PoolHealth(Out):
    size: int
    ready: int
    last_error: str | None


class HealthResult(Out):
    status: Literal["ok", "unavailable"]
    pid: int
    uptime_s: float
    routes: int
    active_requests: int
    engine: EngineHealth
    pool: PoolHealth
