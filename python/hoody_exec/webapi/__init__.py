"""The Web platform inside the isolate: JavaScript sources evaluated in every
isolate before the user's program (the *prelude*), and their host side (`host`).

`prelude()` lists `(code, filename)` pairs in load order. The files live in
`webapi/js/` and are numbered by load order; every one is an IIFE in strict mode
that installs globals. `00_core.js` creates the hidden `__hoody._w` namespace the
others share and `99_seal.js` removes it.

`prelude_source()` is the *lazy* runtime every isolate evaluates: a small loader
(`lazy.js`) with placeholders for the families' globals; a family is evaluated on
the first read of one of its globals (docs/webapi.md, "Lazy families"). Its
sources are registered with the engine, which hands them over on demand.
`eager_prelude_source()` is every file in one script, for comparison.
"""

from __future__ import annotations

import functools
import importlib.resources
import json

from hoody_exec.webapi.families import Family, families

__all__ = ["eager_prelude_source", "lazy_families", "prelude", "prelude_source"]


@functools.cache
def prelude() -> list[tuple[str, str]]:
    """The prelude files as `(code, filename)` pairs in load order (cached)."""
    folder = importlib.resources.files(__package__).joinpath("js")
    names = sorted(
        entry.name for entry in folder.iterdir() if entry.is_file() and entry.name.endswith(".js")
    )
    return [
        (folder.joinpath(name).read_text(encoding="utf-8"), f"hoody:webapi/{name}")
        for name in names
    ]


@functools.cache
def eager_prelude_source() -> tuple[str, str]:
    """The whole prelude as one script `(code, filename)`, every family evaluated."""
    return ("\n;\n".join(code for code, _ in prelude()), "hoody:webapi/prelude.js")


@functools.cache
def lazy_families() -> list[Family]:
    return families(prelude())


@functools.cache
def prelude_source() -> tuple[str, str]:
    """The lazy runtime as one script `(code, filename)`; registers the families'
    sources with the engine (once per process) so isolates can load them."""
    # NOTE: imported here, not at module level: runtime/ is the one package that
    # imports the native module, and it imports this one.
    from hoody_exec.runtime import native

    table = []
    for family in lazy_families():
        native.register_source(family.source_name, family.code)
        table.append(
            [family.source_name, list(family.globals), list(family.w_keys), list(family.hoody_keys)]
        )
    loader = importlib.resources.files(__package__).joinpath("lazy.js").read_text(encoding="utf-8")
    code = f"{loader.rstrip()}({json.dumps(table, separators=(',', ':'))});\n"
    return code, "hoody:webapi/lazy.js"
