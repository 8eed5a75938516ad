"""The warm checker over real TypeScript: clean scripts, errors with positions,
top-level return, imports (relative, typed and untyped packages), reuse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hoody_exec.typecheck import Diagnostic, get_checker

pytestmark = pytest.mark.network


@pytest.fixture(autouse=True)
def _installed(typescript_package: Path) -> None:
    """Install TypeScript once, outside the test's event loop."""


# Every injected name and the Web APIs the prelude provides, used with their types.
EVERY_GLOBAL = """\
// @mode worker
const url: URL = new URL(request.url);
const method: string = req.method + req.path + (req.ip ?? "") + Object.keys(req.cookies).join(",");
const name = body?.name;
const q = query.a;
const id: string | undefined = params.id;
const type: string | undefined = headers["content-type"];
const home: string | undefined = env.HOME;
log.info("hello", { method });
log.warn("w");
log.error("e");
log.debug("d");
console.log("console", 1);
shared.count = (shared.count ?? 0) + 1;
ws.open = (socket, upgrade) => socket.join(new URL(upgrade.url).searchParams.get("room") ?? "a");
ws.message = (socket, message) => {
  const queued: boolean = socket.send(message);
  const sent: number = ws.broadcast({ from: socket.id }, "a", { except: socket });
  if (!queued || sent > ws.count("a") || socket.bufferedAmount > 0) socket.close(4000, "x");
};
ws.drain = (socket) => socket.leave("a");
ws.close = (socket, code: number, why: string) => log.info(why, { code, n: ws.sockets().length });
const client = new WebSocket("wss://example.com/feed", ["chat"]);
client.binaryType = "arraybuffer";
client.onmessage = (event: MessageEvent) => client.send(String(event.data));
client.addEventListener("close", (event: CloseEvent) => log.info(event.reason, { c: event.code }));
const response = await fetch("https://example.com", { headers: new Headers({ a: "b" }) });
const bytes = new TextEncoder().encode("x");
const text: string = new TextDecoder().decode(bytes);
const uuid: string = crypto.randomUUID();
const digest: ArrayBuffer = await crypto.subtle.digest("SHA-256", bytes);
const controller = new AbortController();
setTimeout(() => controller.abort(), 10);
queueMicrotask(() => {});
const blob = new Blob(["x"]);
const form = new FormData();
form.append("a", "b");
const copy = structuredClone({ a: 1 });
const search = new URLSearchParams("a=1");
btoa(atob("eA=="));
const stream = new ReadableStream<Uint8Array>({
  start(c) {
    c.enqueue(bytes);
    c.close();
  },
});
const generated = await generateText({ model, prompt: "hi" });
const streamed = streamText({ model: openai("gpt-4o-mini"), prompt: "x" });
const schema = jsonSchema<{ a: number }>({ type: "object" });
const object = await generateObject({ model, schema, prompt: "x" });
const count: number = object.object.a;
await ai.generateText({ model, prompt: "x" });
if (request.method === "POST") return new Response(stream);
if (query.sse) {
  return (async function* () {
    yield { text: generated.text };
  })();
}
return {
  url: url.href, method, name, q, id, type, home, status: response.status, text, uuid,
  digest: digest.byteLength, blob: blob.size, copy, search: search.get("a"),
  streamed: streamed.toTextStreamResponse().status, count,
};
"""


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.category == "error"]


async def test_every_injected_global_type_checks_clean(folder: Path):
    checker = await get_checker()
    result = await checker.check(folder, "all.ts", EVERY_GLOBAL)
    assert result.diagnostics == [], [d.render() for d in result.diagnostics]
    assert result.ok and result.wrapped


async def test_browser_globals_the_runtime_lacks_are_errors(folder: Path):
    checker = await get_checker()
    source = (
        "importScripts('x.js');\n"
        "const ua = navigator.userAgent;\n"
        "const events = new EventSource('https://example.com/events');\n"
        "return { ua, events };\n"
    )
    result = await checker.check(folder, "browser.ts", source)
    assert [(d.code, d.line) for d in result.diagnostics] == [(2304, 1), (2304, 2), (2693, 3)]
    assert {"importScripts", "navigator", "EventSource"} <= set(checker.removed_globals)
    assert "WebSocket" in checker.runtime_globals  # the client exists (webapi/js/96_websocket.js)
    assert "fetch" not in checker.removed_globals and "fetch" in checker.runtime_globals


async def test_type_errors_have_code_line_and_column(folder: Path):
    checker = await get_checker()
    source = 'const a = 1;\nconst n: number = "one";\nMath.max("x");\n'
    result = await checker.check(folder, "bad.ts", source)
    assert not result.ok and not result.wrapped
    assert [(d.code, d.line, d.column, d.file) for d in result.diagnostics] == [
        (2322, 2, 7, "bad.ts"),
        (2345, 3, 10, "bad.ts"),
    ]
    assert result.diagnostics[0].message == "Type 'string' is not assignable to type 'number'."


async def test_message_chains_are_flattened(folder: Path):
    checker = await get_checker()
    result = await checker.check(folder, "chain.ts", "const s: string = query.a;\n")
    (d,) = result.diagnostics
    assert d.code == 2322
    assert d.message.splitlines() == [
        "Type 'HoodyQueryValue' is not assignable to type 'string'.",
        "  Type 'string[]' is not assignable to type 'string'.",
    ]


async def test_syntax_errors_are_diagnostics(folder: Path):
    checker = await get_checker()
    result = await checker.check(folder, "syntax.ts", "const x: number = ;\nreturn x;\n")
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [(1109, 1, 19)]


async def test_top_level_return_is_accepted_and_checked(folder: Path):
    checker = await get_checker()
    source = (
        'import { add } from "./_lib/math";\n'
        "const raw = query.n;\n"
        "if (typeof raw !== 'string') return { error: 'n?' };\n"
        "const n: string = raw; // narrowed by the early return\n"
        'return { sum: add(Number(n), "2") };\n'
    )
    result = await checker.check(folder, "sum.ts", source)
    assert result.wrapped
    assert 1108 not in {d.code for d in result.diagnostics}
    # the returned expression is checked, at its position in the original text
    column = source.splitlines()[4].index('"2"') + 1
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [(2345, 5, column)]


async def test_top_level_await_and_return_without_imports(folder: Path):
    checker = await get_checker()
    result = await checker.check(folder, "x.ts", "await null;\nreturn 1;\n")
    assert result.ok and result.diagnostics == []


async def test_columns_after_the_wrapper_on_the_import_line(folder: Path):
    checker = await get_checker()
    # the wrapper opens right after the import, on the same line
    source = 'import { add } from "./_lib/math"; const x: string = add(1, 2); return x;\n'
    result = await checker.check(folder, "same-line.ts", source)
    (d,) = result.diagnostics
    assert (d.code, d.line, d.column) == (2322, 1, source.index("x: string") + 1)


async def test_module_style_handlers(folder: Path):
    checker = await get_checker()
    handler = (
        "export default async (request: Request, ctx: HoodyContext) =>\n"
        "  Response.json({ id: ctx.requestId, method: request.method });\n"
    )
    assert (await checker.check(folder, "a.ts", handler)).ok
    fetcher = (
        "export default {\n"
        '  async fetch(request: Request, ctx) { return new Response("hi"); },\n'
        "};\n"
    )
    result = await checker.check(folder, "b.ts", fetcher)
    assert result.ok and not result.wrapped
    # a module that also returns at the top level is not a body: 1108 stays
    mixed = "export const a = 1;\nreturn a;\n"
    assert [d.code for d in (await checker.check(folder, "c.ts", mixed)).diagnostics] == [1108]


async def test_relative_imports_type_check_too(folder: Path):
    checker = await get_checker()
    (folder / "_lib" / "broken.ts").write_text(
        'export const label: number = "oops";\nexport function twice(n: number) { return n * 2; }\n'
    )
    source = 'import { twice } from "./_lib/broken.ts";\nreturn twice("a");\n'
    result = await checker.check(folder, "uses.ts", source)
    found = {(d.file, d.code, d.line, d.column) for d in result.diagnostics}
    assert found == {("uses.ts", 2345, 2, 14), (os.path.join("_lib", "broken.ts"), 2322, 1, 14)}
    missing = await checker.check(folder, "m.ts", 'import { x } from "./_lib/nope";\nreturn x;\n')
    assert [(d.code, d.line) for d in missing.diagnostics] == [(2307, 1)]


async def test_packages_with_and_without_types(folder: Path):
    checker = await get_checker()
    source = (
        'import { greet } from "typed";\n'
        'import { value } from "untyped";\n'
        "const a: string = greet('x');\n"
        "const b: number = greet('y');\n"
        "return { a, b, value };\n"
    )
    result = await checker.check(folder, "pkg.ts", source)
    # untyped packages are `any` (noImplicitAny is off: no TS7016)
    assert [(d.code, d.line) for d in result.diagnostics] == [(2322, 4)]
    absent = await checker.check(folder, "p2.ts", 'import x from "not-installed";\nreturn x;\n')
    assert [d.code for d in absent.diagnostics] == [2307]


async def test_types_package_fallback(folder: Path):
    checker = await get_checker()
    types = folder / "node_modules" / "@types" / "untyped"
    types.mkdir(parents=True)
    (types / "index.d.ts").write_text("export declare const value: number;\n")
    result = await checker.check(
        folder, "t.ts", 'import { value } from "untyped";\nconst s: string = value;\n'
    )
    assert [(d.code, d.line) for d in result.diagnostics] == [(2322, 2)]


async def test_changed_files_on_disk_are_seen(folder: Path):
    checker = await get_checker()
    source = 'import { add } from "./_lib/math";\nreturn add(1, 2).toFixed(1);\n'
    assert (await checker.check(folder, "c.ts", source)).ok
    math = folder / "_lib" / "math.ts"
    math.write_text("export function add(a: number, b: number): string {\n  return '';\n}\n")
    os.utime(math, ns=(1, 1))  # a different stamp even within one clock tick
    result = await checker.check(folder, "c.ts", source)
    assert [d.code for d in result.diagnostics] == [2551]  # toFixed does not exist on string


async def test_files_outside_the_folder_are_not_read(folder: Path, tmp_path: Path):
    checker = await get_checker()
    (tmp_path / "outside.ts").write_text("export const secret = 1;\n")
    source = 'import { secret } from "../outside";\nreturn secret;\n'
    result = await checker.check(folder, "o.ts", source)
    assert [d.code for d in result.diagnostics] == [2307]


async def test_symlinks_leading_out_of_the_folder_are_not_followed(folder: Path, tmp_path: Path):
    checker = await get_checker()
    (tmp_path / "secret.ts").write_text("export const secret: number = 1;\n")
    (folder / "_lib" / "link.ts").symlink_to(tmp_path / "secret.ts")
    source = 'import { secret } from "./_lib/link";\nreturn secret;\n'
    first = await checker.check(folder, "s.ts", source)
    assert [d.code for d in first.diagnostics] == [2307]
    again = await checker.check(folder, "s.ts", source)
    assert [d.code for d in again.diagnostics] == [2307] and again.rounds == 1


async def test_a_file_is_checked_from_disk_when_no_text_is_given(folder: Path):
    checker = await get_checker()
    (folder / "disk.ts").write_text('const n: number = "x";\n')
    result = await checker.check(folder, "disk.ts")
    assert [(d.file, d.code) for d in result.diagnostics] == [("disk.ts", 2322)]


async def test_the_warm_isolate_is_reused(folder: Path):
    first = await get_checker()
    before = (await first.stats())["checks"]
    await first.check(folder, "r.ts", "return 1;\n")
    second = await get_checker()
    await second.check(folder, "r.ts", "return 2;\n")
    assert second is first and second.isolate_id == first.isolate_id
    stats = await second.stats()
    assert stats["checks"] == before + 2 == second.checks
    # the library files were parsed once, in `start`; a script is parsed per content
    assert stats["parsed"] >= 1


async def test_a_real_package_with_types_from_the_registry(folder: Path):
    from hoody_exec.deps import Installer

    await Installer().install(folder, ["ms@2.1.3", "@types/ms@2"])
    checker = await get_checker()
    source = 'import ms from "ms";\nconst a: number = ms("2 days");\nconst b: string = ms("1h");\n'
    result = await checker.check(folder, "ms.ts", source)
    assert [(d.code, d.line) for d in result.diagnostics] == [(2322, 3)]


async def test_ensure_typescript_installs_the_pinned_version(tmp_path: Path):
    from hoody_exec.typecheck import TYPESCRIPT_VERSION, ensure_typescript, installed_typescript

    folder = tmp_path / f"typescript-{TYPESCRIPT_VERSION}"
    package = await ensure_typescript(folder)
    assert package == folder / "node_modules" / "typescript"
    assert installed_typescript(folder) == package
    assert (package / "lib" / "lib.webworker.d.ts").is_file()
    assert await ensure_typescript(folder) == package  # already there: no install


async def test_concurrent_checks_share_the_isolate_safely(folder: Path):
    import asyncio

    checker = await get_checker()
    (folder / "users").mkdir()
    sources = {
        f"users/c{i}.ts": (
            f'import {{ add }} from "../_lib/math";\nimport {{ greet }} from "typed";\n'
            f"const n: {'number' if i % 2 else 'string'} = add({i}, 1);\n"
            f"return greet(String(n));\n"
        )
        for i in range(4)
    }
    results = await asyncio.gather(
        *(checker.check(folder, name, text) for name, text in sources.items())
    )
    for i, result in enumerate(results):
        expected = [] if i % 2 else [(f"users/c{i}.ts", 2322, 3)]
        assert [(d.file, d.code, d.line) for d in result.diagnostics] == expected
