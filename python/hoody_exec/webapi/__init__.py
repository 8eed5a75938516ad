"""The Web platform inside the isolate: JavaScript sources evaluated in every
isolate before the user's program (the *prelude*), and their host side (`host`).

`prelude()` lists `(code, filename)` pairs in load order. The files live in
`webapi/js/` and are numbered by load order; every one is an IIFE in strict mode
that installs globals. `00_core.js` creates the hidden `__hoody._w` namespace the
others share and `99_seal.js` removes it.
"""

from __future__ import annotations

import functools
import importlib.resources

__all__ = ["prelude", "prelude_source"]


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
def prelude_source() -> tuple[str, str]:
    """The whole prelude as one script `(code, filename)`: one evaluation per isolate."""
    return ("\n;\n".join(code for code, _ in prelude()), "hoody:webapi/prelude.js")
