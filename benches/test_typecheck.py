"""Type checking a 100-line script in the warm checker isolate (issue 5).

Run: .venv/bin/python -m pytest benches/test_typecheck.py --benchmark-only
(installs the pinned TypeScript into the user's tools folder on first use).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hoody_exec.typecheck import TypeChecker, ensure_typescript

HELPER = """\
export interface User { id: string; name: string; email: string; age: number }
export function isUser(value: unknown): value is User {
  return typeof value === "object" && value !== null && "id" in value && "email" in value;
}
"""

HEAD = """\
// @mode worker
import { isUser, type User } from "./_lib/users";

type Stats = { count: number; last: string | null };
const stats: Stats = (shared.stats ??= { count: 0, last: null });
stats.count += 1;
"""


def script() -> str:
    """A 100-line body-style script: types, helpers, injected names, early returns."""
    lines = HEAD.splitlines()
    i = 0
    while len(lines) + 6 + 8 <= 100:
        lines += [
            f"function handler{i}(user: User, factor: number): {{ id: string; score: number }} {{",
            f"  const score = user.age * factor + {i};",
            f"  log.debug('scored', {{ id: user.id, score, step: {i} }});",
            "  return { id: user.id, score };",
            "}",
            f"if (query.step === '{i}' && isUser(body)) return handler{i}(body, Number(env.F));",
        ]
        i += 1
    lines += [
        "const url = new URL(request.url);",
        "const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url.href));",
        "stats.last = url.pathname;",
        "if (request.method === 'POST' && !isUser(body)) {",
        "  return new Response(JSON.stringify({ error: 'not a user' }), { status: 422 });",
        "}",
        "const users: User[] = [];",
        "return { stats, digest: digest.byteLength, users, params, headers: headers['accept'] };",
    ]
    while len(lines) < 100:
        lines.insert(len(HEAD.splitlines()), "// padding to exactly 100 lines")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def warm(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[asyncio.AbstractEventLoop, TypeChecker, Path, str]]:
    root = tmp_path_factory.mktemp("typecheck-bench")
    (root / "_lib").mkdir()
    (root / "_lib" / "users.ts").write_text(HELPER)
    loop = asyncio.new_event_loop()
    package = loop.run_until_complete(ensure_typescript())
    checker = loop.run_until_complete(TypeChecker.start(package))
    source = script()
    assert len(source.splitlines()) == 100
    result = loop.run_until_complete(checker.check(root, "bench.ts", source))
    assert result.ok, [d.render() for d in result.diagnostics]
    yield loop, checker, root, source
    checker.close()
    loop.close()


def test_warm_check_edited_script(benchmark, warm):
    """Each round checks a new version of the script (an edit: re-parse + re-check)."""
    loop, checker, root, source = warm
    edits = iter(range(10**9))

    def run() -> bool:
        text = source + f"// edit {next(edits)}\n"
        return loop.run_until_complete(checker.check(root, "bench.ts", text)).ok

    assert benchmark.pedantic(run, rounds=30, warmup_rounds=3)


def test_warm_check_unchanged_script(benchmark, warm):
    """The same text again: the program is reused; only the checker runs."""
    loop, checker, root, source = warm

    def run() -> bool:
        return loop.run_until_complete(checker.check(root, "bench.ts", source)).ok

    assert benchmark.pedantic(run, rounds=30, warmup_rounds=3)


def test_cold_checker_start(benchmark, warm):
    """Starting a checker: typescript.js evaluated and the library files parsed."""
    loop, checker, _, _ = warm

    def run() -> None:
        loop.run_until_complete(TypeChecker.start(checker.package_dir)).close()

    benchmark.pedantic(run, rounds=3, warmup_rounds=0)
