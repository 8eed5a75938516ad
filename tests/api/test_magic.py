"""magic-comments: schema, read, update (only the block changes), bulk-update."""

from __future__ import annotations

from api.conftest import error, ok
from hoody_exec.api.models import BulkUpdateResult, MagicRead, MagicSchema, MagicUpdateResult
from hoody_exec.scripts import MAGIC_COMMENTS

CODE = "const x = 1; // @mode not-a-comment\n\nreturn { x, mode: 'ok' };\n"


def test_schema_lists_every_comment(api):
    schema = ok(api.get("/magic-comments/schema"), MagicSchema)
    assert [c.name for c in schema.comments] == [spec.name for spec in MAGIC_COMMENTS]
    concurrent = next(c for c in schema.comments if c.name == "concurrent")
    assert concurrent.default == "true" and concurrent.conflicts == ["@mode worker"]
    assert schema.rules


def test_read(api, api_server):
    api_server.write(
        "mc/read.ts", "#!/usr/bin/env hoody\n// @mode worker\n// @timeout 5000\n" + CODE
    )
    read = ok(api.get("/magic-comments/read", params={"path": "mc/read.ts"}), MagicRead)
    assert [(c.name, c.value, c.line) for c in read.comments] == [
        ("mode", "worker", 2),
        ("timeout", "5000", 3),
    ]
    assert read.effective is not None and read.effective.timeout_ms == 5000
    assert (read.block.start_line, read.block.end_line) == (2, 3)
    api_server.write("mc/bad.ts", "// @mode nope\nreturn 1")
    bad = ok(api.get("/magic-comments/read", params={"path": "mc/bad.ts"}), MagicRead)
    assert bad.effective is None and bad.problems[0].comment == "@mode"
    error(api.get("/magic-comments/read", params={"path": "mc/none.ts"}), 404)


def test_update_rewrites_only_the_comment_block(api, api_server):
    header = "// @mode serverless\n// prose stays\n/* @timeout 100 */\n"
    api_server.write("mc/up.ts", header + CODE)
    result = ok(
        api.put(
            "/magic-comments/update",
            json={
                "path": "mc/up.ts",
                "comments": {"mode": "worker", "timeout": None, "@log-level": "full", "cors": "*"},
            },
        ),
        MagicUpdateResult,
    )
    assert result.changed
    text = (api_server.root / "mc/up.ts").read_text()
    assert text.endswith(CODE)  # the code, byte for byte
    assert text.startswith("// @mode worker\n// prose stays\n")
    assert "@timeout" not in text
    assert {c.name: c.value for c in result.comments} == {
        "mode": "worker",
        "cors": "*",
        "log-level": "full",
    }
    assert result.effective is not None and result.effective.log_level == "full"
    assert api_server.client.get("/mc/up").json() == {"x": 1, "mode": "ok"}
    same = api.put("/magic-comments/update", json={"path": "mc/up.ts", "comments": {"cors": "*"}})
    assert not ok(same, MagicUpdateResult).changed


def test_update_adds_a_block_to_a_script_without_one(api, api_server):
    api_server.write("mc/plain.ts", CODE)
    ok(
        api.put(
            "/magic-comments/update",
            json={"path": "mc/plain.ts", "comments": {"cors": "reflective", "mode": "serverless"}},
        ),
        MagicUpdateResult,
    )
    text = (api_server.root / "mc/plain.ts").read_text()
    assert text == "// @mode serverless\n// @cors reflective\n" + CODE


def test_invalid_update_is_422_and_writes_nothing(api, api_server):
    api_server.write("mc/keep.ts", "// @mode worker\n" + CODE)
    before = (api_server.root / "mc/keep.ts").read_bytes()
    details = error(
        api.put(
            "/magic-comments/update", json={"path": "mc/keep.ts", "comments": {"concurrent": 3}}
        ),
        422,
        "invalid_magic_comments",
    )["details"]
    assert details[0]["comment"] == "@concurrent"
    error(
        api.put("/magic-comments/update", json={"path": "mc/keep.ts", "comments": {"colour": 1}}),
        422,
        "unknown_magic_comment",
    )
    error(
        api.put(
            "/magic-comments/update", json={"path": "mc/keep.ts", "comments": {"cors": "a\nb"}}
        ),
        422,
    )
    error(api.put("/magic-comments/update", json={"path": "mc/keep.ts", "comments": {}}), 422)
    assert (api_server.root / "mc/keep.ts").read_bytes() == before


def test_bulk_update_by_glob_and_paths(api, api_server):
    for name in ("a", "b", "c"):
        api_server.write(f"bulk/{name}.ts", f"// @mode serverless\nreturn '{name}'\n")
    api_server.write("bulk/sub/d.ts", "return 'd'\n")
    dry = ok(
        api.post(
            "/magic-comments/bulk-update",
            json={"glob": "bulk/**/*.ts", "comments": {"log-level": "minimal"}, "dry_run": True},
        ),
        BulkUpdateResult,
    )
    assert dry.matched == 4 and dry.updated == 4 and dry.dry_run
    assert "@log-level" not in (api_server.root / "bulk/a.ts").read_text()
    done = ok(
        api.post(
            "/magic-comments/bulk-update",
            json={"glob": "bulk/*.ts", "comments": {"log-level": "minimal"}},
        ),
        BulkUpdateResult,
    )
    assert [r.path for r in done.results] == ["bulk/a.ts", "bulk/b.ts", "bulk/c.ts"]
    assert (api_server.root / "bulk/a.ts").read_text().endswith("\nreturn 'a'\n")
    assert "@log-level minimal" in (api_server.root / "bulk/c.ts").read_text()
    assert "@log-level" not in (api_server.root / "bulk/sub/d.ts").read_text()
    by_paths = ok(
        api.post(
            "/magic-comments/bulk-update",
            json={"paths": ["bulk/a.ts", "bulk/sub/d.ts"], "comments": {"timeout": 1000}},
        ),
        BulkUpdateResult,
    )
    assert by_paths.updated == 2


def test_bulk_update_is_all_or_nothing(api, api_server):
    api_server.write("bulk2/w.ts", "// @mode worker\nreturn 1\n")
    api_server.write("bulk2/s.ts", "// @mode serverless\nreturn 1\n")
    details = error(
        api.post(
            "/magic-comments/bulk-update",
            json={"glob": "bulk2/*.ts", "comments": {"concurrent": 2}},
        ),
        422,
        "invalid_magic_comments",
    )["details"]
    assert [d["path"] for d in details] == ["bulk2/w.ts"]
    assert "@concurrent" not in (api_server.root / "bulk2/s.ts").read_text()
    error(api.post("/magic-comments/bulk-update", json={"comments": {"ai": True}}), 422)
    error(
        api.post("/magic-comments/bulk-update", json={"glob": "../*.ts", "comments": {"ai": True}}),
        400,
    )
    error(
        api.post(
            "/magic-comments/bulk-update",
            json={"paths": ["bulk2/none.ts"], "comments": {"ai": True}},
        ),
        404,
    )
