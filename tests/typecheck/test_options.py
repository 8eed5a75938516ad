"""The pure-Python parts of the checker: options, library closure, positions,
the tools folder. No TypeScript and no network needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hoody_exec.cli.checking import scripts_root
from hoody_exec.typecheck import COMPILER_OPTIONS, LIBS, TYPESCRIPT_VERSION, Diagnostic
from hoody_exec.typecheck.install import installed_typescript, tools_dir
from hoody_exec.typecheck.options import Wrap, lib_closure, line_column, map_offset


def test_version_is_pinned_exactly():
    parts = TYPESCRIPT_VERSION.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)
    assert parts[0] == "5"  # the last line with the JavaScript compiler API


def test_compiler_options_decisions():
    assert COMPILER_OPTIONS["target"] == "es2022"
    assert COMPILER_OPTIONS["module"] == "esnext"
    assert COMPILER_OPTIONS["moduleResolution"] == "bundler"
    assert COMPILER_OPTIONS["noEmit"] is True
    assert COMPILER_OPTIONS["strict"] is True and COMPILER_OPTIONS["noImplicitAny"] is False
    # every file is a module: top-level await works and scripts do not share globals
    assert COMPILER_OPTIONS["moduleDetection"] == "force"
    assert COMPILER_OPTIONS["lib"] == list(LIBS) and "webworker" in LIBS
    assert "dom" not in LIBS


def test_lib_closure_follows_reference_lib():
    files = {
        "lib.es2023.d.ts": '/// <reference lib="es2022" />\n/// <reference lib="es2023.array" />\n',
        "lib.es2022.d.ts": '/// <reference lib="es5" />\n',
        "lib.es2023.array.d.ts": "interface Array<T> {}\n",
        "lib.es5.d.ts": "declare var NaN: number;\n",
        "lib.webworker.d.ts": '/// <reference lib="es5" />\n',
    }
    reads: list[str] = []

    def read(name: str) -> str:
        reads.append(name)
        return files[name]

    out = lib_closure(read, ("es2023", "webworker"))
    assert set(out) == set(files)
    assert sorted(reads) == sorted(files)  # each file read once


def test_map_offset_without_wrap_is_identity():
    assert map_offset(17, None, 100) == 17


def test_map_offset_through_the_wrapper():
    wrap = Wrap(at=10, length=5)
    assert map_offset(3, wrap, 40) == 3  # before the insertion: unchanged
    assert map_offset(10, wrap, 40) == 10  # the opening itself maps to its insertion point
    assert map_offset(14, wrap, 40) == 10
    assert map_offset(15, wrap, 40) == 10  # first original character after it
    assert map_offset(30, wrap, 40) == 25
    assert map_offset(48, wrap, 40) == 40  # in the appended closing: the end of the file


def test_line_column_is_one_based():
    text = "const a = 1;\nconst b: string = 2;\n"
    assert line_column(text, 0) == (1, 1)
    assert line_column(text, text.index("b")) == (2, 7)
    assert line_column(text, len(text)) == (3, 1)


def test_line_column_counts_utf16_offsets_and_reports_code_points():
    # "😀" is two UTF-16 units for the compiler but one character in the column.
    text = 'const s = "😀"; const n: number = "x";\n'
    utf16_offset = len(text[: text.index("n:")].encode("utf-16-le")) // 2
    assert line_column(text, utf16_offset) == (1, text.index("n:") + 1)


def test_line_column_line_breaks():
    assert line_column("a\r\nb", 3) == (2, 1)
    assert line_column("a\rb", 2) == (2, 1)


def test_diagnostic_render_and_json():
    d = Diagnostic(2322, "error", "Type 'string' is not assignable", "a.ts", 2, 7)
    assert d.render() == "a.ts:2:7 - error TS2322: Type 'string' is not assignable"
    assert d.to_json() == {
        "code": 2322,
        "category": "error",
        "message": "Type 'string' is not assignable",
        "file": "a.ts",
        "line": 2,
        "column": 7,
    }
    assert (
        Diagnostic(5023, "error", "bad option", None, None, None)
        .render()
        .startswith("<options> - error TS5023")
    )


def test_tools_dir_honours_the_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("HOODY_EXEC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert tools_dir() == tmp_path / "xdg" / "hoody-exec" / "tools"
    monkeypatch.setenv("HOODY_EXEC_CACHE_DIR", str(tmp_path / "cache"))
    assert tools_dir() == tmp_path / "cache" / "tools"
    monkeypatch.delenv("HOODY_EXEC_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert tools_dir() == Path.home() / ".cache" / "hoody-exec" / "tools"


def test_installed_typescript_needs_the_pinned_version(tmp_path: Path):
    package = tmp_path / "node_modules" / "typescript"
    assert installed_typescript(tmp_path) is None
    (package / "lib").mkdir(parents=True)
    (package / "lib" / "typescript.js").write_text("var ts = {};")
    (package / "package.json").write_text(json.dumps({"version": "5.0.0"}))
    assert installed_typescript(tmp_path) is None
    (package / "package.json").write_text(json.dumps({"version": TYPESCRIPT_VERSION}))
    assert installed_typescript(tmp_path) == package


def test_cli_scripts_root_is_the_folder_with_node_modules(tmp_path: Path):
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "users").mkdir()
    script = tmp_path / "users" / "[id].ts"
    script.write_text("return 1")
    assert scripts_root(script) == tmp_path
    lone = tmp_path / "elsewhere"
    # NOTE: tmp_path itself has node_modules, so a file below it finds that folder.
    lone.mkdir()
    assert scripts_root(lone / "x.ts") == tmp_path


def test_hoody_d_ts_declares_every_injected_name():
    import importlib.resources
    import re

    from hoody_exec.runtime.protocol import INJECTED

    text = (
        importlib.resources.files("hoody_exec.typecheck")
        .joinpath("types/hoody.d.ts")
        .read_text(encoding="utf-8")
    )
    declared = set(re.findall(r"^declare (?:const|function) (\w+)", text, re.MULTILINE))
    # console and fetch come from the Web API declarations (lib.webworker)
    assert set(INJECTED) - {"console", "fetch"} <= declared
    assert {"ws", "model", "openai", "ai", "generateText", "streamText", "generateObject"} <= (
        declared
    )
    # a global script (no import/export), usable with /// <reference path>
    assert not re.search(r"^(import|export) ", text, re.MULTILINE)


async def test_runtime_globals_come_from_a_real_isolate():
    from hoody_exec.typecheck.checker import runtime_globals

    names = set(await runtime_globals())
    assert {"fetch", "Request", "Response", "crypto", "URL", "setTimeout", "self"} <= names
    assert {"Array", "Promise", "JSON"} <= names  # ECMAScript built-ins
    assert not {"importScripts", "postMessage", "navigator", "EventSource", "document"} & names


async def test_a_broken_typescript_package_is_a_typecheck_error(tmp_path: Path):
    from hoody_exec.typecheck import TypeChecker, TypeCheckError

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "typescript.js").write_text("throw new Error('not the compiler');")
    with pytest.raises(TypeCheckError, match="could not start"):
        await TypeChecker.start(tmp_path)
