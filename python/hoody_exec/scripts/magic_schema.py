"""The magic comments a script may start with, as data.

One table drives both the parser (names, allowed values) and the management
API's `magic-comments/schema` endpoint, so the documentation a user reads is the
validation the server applies.
"""

from __future__ import annotations

import msgspec


class CommentSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One magic comment: how it is written, what it accepts and what it does."""

    name: str
    values: str  # human-readable list of what is allowed
    choices: tuple[str, ...] = ()  # closed set of values, empty when open-ended
    default: str | None
    meaning: str
    conflicts: tuple[str, ...] = ()
    example: str


MAGIC_COMMENTS: tuple[CommentSpec, ...] = (
    CommentSpec(
        name="mode",
        values="worker, serverless",
        choices=("worker", "serverless"),
        default="serverless",
        meaning=(
            "worker: one persistent isolate per script, created on the first request; "
            "`shared` and module state persist; serverless: a brand-new isolate for "
            "every request, nothing leaks between requests"
        ),
        example="// @mode worker",
    ),
    CommentSpec(
        name="cors",
        values="none, *, reflective, or an origin such as https://app.example.com",
        default="none",
        meaning=(
            "CORS headers and OPTIONS preflight (answered without running the script "
            "and without the token); reflective mirrors the request Origin and allows "
            "credentials"
        ),
        example="// @cors *",
    ),
    CommentSpec(
        name="timeout",
        values="milliseconds (an integer), 0 or unlimited for no limit",
        default="3600000",
        meaning=(
            "past it the client gets 504 and running JavaScript is terminated; time "
            "spent queued (@concurrent) and waiting for the bundle counts"
        ),
        example="// @timeout 5000",
    ),
    CommentSpec(
        name="concurrent",
        values="a positive integer, true (no cap) or false (one at a time)",
        default="true",
        meaning=(
            "serverless only: cap on simultaneous executions of this script; requests "
            "beyond it wait in arrival order (FIFO); false keeps webhook ordering"
        ),
        conflicts=("@mode worker",),
        example="// @concurrent false",
    ),
    CommentSpec(
        name="token",
        values="a secret, or env:NAME to read it from an allowed environment variable",
        default=None,
        meaning=(
            "required credential: Authorization: Bearer T, the Basic auth password, "
            "X-Token: T or ?token=T; compared in constant time; never logged; 401 otherwise"
        ),
        example="// @token env:WEBHOOK_TOKEN",
    ),
    CommentSpec(
        name="websocket",
        values="(flag), true or false",
        choices=("true", "false"),
        default="false",
        meaning="accept WebSocket upgrades; the script sets ws.open/message/close/drain",
        conflicts=("@mode serverless",),
        example="// @websocket",
    ),
    CommentSpec(
        name="ai",
        values="true, false (a bare @ai means true)",
        choices=("true", "false"),
        default="false",
        meaning=(
            "inject model, openai, ai, generateText, streamText, generateObject, "
            "configured for the server's OpenAI-compatible gateway"
        ),
        example="// @ai true",
    ),
    CommentSpec(
        name="ai-model",
        values="provider/model",
        default="google/gemini-2.5-flash-lite",
        meaning="the model `model` refers to; needs @ai true",
        conflicts=("@ai false",),
        example="// @ai-model openai/gpt-4o-mini",
    ),
    CommentSpec(
        name="log-level",
        values="none, minimal, standard, full, debug",
        choices=("none", "minimal", "standard", "full", "debug"),
        default="standard",
        meaning=(
            "none: nothing; minimal: errors; standard: one line per request and console "
            "output; full: + headers and bodies (truncated, secrets redacted); debug: + "
            "isolate lifecycle, timing breakdown and stacks"
        ),
        example="// @log-level full",
    ),
    CommentSpec(
        name="schedule",
        values=(
            "a cron expression of 5 fields (minute hour day month weekday) or 6 with "
            "seconds first, or @hourly/@daily/..., optionally followed by an IANA zone"
        ),
        default=None,
        meaning="run the script on that schedule with a synthetic SCHEDULE request",
        example="// @schedule */5 * * * * Europe/Berlin",
    ),
)

SPECS_BY_NAME: dict[str, CommentSpec] = {spec.name: spec for spec in MAGIC_COMMENTS}

# NOTE: pragmas that belong to other tools may share the leading comment block
# (`// @ts-nocheck`, `/** @jsx h */`); they are not ours, so they are skipped
# instead of being reported as unknown magic comments.
FOREIGN_PRAGMAS: tuple[str, ...] = (
    "ts-check",
    "ts-nocheck",
    "ts-ignore",
    "ts-expect-error",
    "jsx",
    "jsxFrag",
    "jsxImportSource",
    "jsxRuntime",
    "license",
    "preserve",
)


def magic_comment_schema() -> list[dict[str, object]]:
    """The schema as plain JSON-able data (served by the management API)."""
    return [msgspec.to_builtins(spec) for spec in MAGIC_COMMENTS]
