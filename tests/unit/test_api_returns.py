"""The return-type heuristic's tokenizer and scanner (api/returns.py)."""

from __future__ import annotations

import pytest

from hoody_exec.api.returns import SourceMap, scan, tokenize


def test_tokenizer_skips_strings_comments_templates_and_regexes():
    code = "a = '}' + \"{\" + `x${ {b: 1}.b }y` + /[}/]+/g; // }\n/* { */ c"
    texts = [t.text for t in tokenize(code) if t.kind == "punct"]
    assert texts.count("{") == texts.count("}") == 1  # only the object literal's braces
    assert [t.kind for t in tokenize("x / y / z")] == ["ident", "punct", "ident", "punct", "ident"]


@pytest.mark.parametrize(
    ("code", "kinds"),
    [
        ("return 1;", ["value"]),
        ("return;", ["none"]),
        ("return\n1;", ["none"]),
        ("if (a) { return 1; } else { return 2; }", ["value", "value"]),
        ("for (;;) { while (x) { return 1; } }", ["value"]),
        ("try { return 1; } catch (e) { return 2; } finally {}", ["value", "value"]),
        ("function f() { return 1; } return f;", ["value"]),
        ("const f = () => { return 1; }; return f();", ["value"]),
        ("const o = { m() { return 1; }, get g() { return 2; } }; return o;", ["value"]),
        ("class A { m() { return 1; } } return new A();", ["value"]),
        ("return async () => 1;", ["function"]),
        ("return (a, b) => a;", ["function"]),
        ("return x => x;", ["function"]),
        ("return (1 + 2);", ["value"]),
        ("return async function () {};", ["function"]),
        ("switch (a) { case 1: return 'x'; }", ["value"]),
        ("a.return(1); return 2;", ["value"]),
    ],
)
def test_top_level_returns(code, kinds):
    assert [kind for _, kind in scan(code).top_returns] == kinds


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("export default async (r) => r;", "function"),
        ("export default (async (r)=>r);", "function"),
        ("export default function handler() {}", "function"),
        ("export default { fetch(r) { return r; } };", "object with fetch"),
        ("export default { async fetch (r) {} };", "object with fetch"),
        ("export default { fetch };", "object with fetch"),
        ("export default { handler: { fetch() {} } };", "object without fetch"),
        ("export default 'x';", "literal"),
        ("export default class {}", "class"),
        ("export default handler;", "identifier:handler"),
    ],
)
def test_default_export_kinds(code, kind):
    found = scan(code).default_export
    assert found is not None and found[1] == kind


def test_source_map_decoding():
    # "AAAA" maps (0,0) → (0,0); ";AACA" puts line 1 at original line 1 (0-based).
    smap = SourceMap('{"mappings": "AAAA;AACA,IAAI"}')
    assert smap.original(0, 0) == (1, 1)
    assert smap.original(1, 0) == (2, 1)
    assert smap.original(1, 6) == (2, 5)
    assert smap.original(5, 0) is None
