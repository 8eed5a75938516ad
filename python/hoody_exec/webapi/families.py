"""What each Web API family file makes, read from its source: the globals it
installs and the keys of the shared internals (`W`) it assigns.

The lazy runtime (`webapi/lazy.js`) installs a placeholder for every one of them
and evaluates the family on the first read. The names come from the source text,
so a family file needs no declaration of its own:

- globals: `W.defineGlobal("Name", …)`, and the names of an object literal whose
  entries a loop hands to `W.defineGlobal` (`for (… of Object.entries({ A, B }))
  W.defineGlobal(name, C)`);
- W keys: every `W.name = …` in the file;
- keys of `__hoody` (`Object.defineProperty(hoody, "web", …)`): the host-facing
  helpers the dispatch glue uses.

NOTE: tests/webapi/test_lazy.py evaluates the files eagerly and checks these lists
against what each file really defines, so a new way of installing a global shows
up there, not as a missing global in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GLOBAL = re.compile(r"\bdefineGlobal\(\s*[\"']([A-Za-z_$][\w$]*)[\"']")
_ENTRIES_LOOP = re.compile(r"Object\.entries\(\s*\{([^{}]*)\}\s*\)\s*\)\s*W\.defineGlobal\(")
_HOODY_KEY = re.compile(r"\bdefineProperty\(\s*hoody\s*,\s*[\"']([A-Za-z_$][\w$]*)[\"']")
_W_KEY = re.compile(r"\bW\.([A-Za-z_$][\w$]*)\s*=(?![=>])")
_NAME = re.compile(r"^[A-Za-z_$][\w$]*$")

# The file that creates `W` (loaded before any other family) and the one whose
# only job, hiding `W`, the lazy loader does itself.
CORE = "00_core.js"
SEAL = "99_seal.js"


@dataclass(frozen=True)
class Family:
    file: str  # e.g. "60_url.js"
    source_name: str  # e.g. "hoody:webapi/60_url.js": its sourceURL and registry name
    code: str
    globals: tuple[str, ...]
    w_keys: tuple[str, ...]
    hoody_keys: tuple[str, ...]


def globals_of(code: str) -> list[str]:
    names = _GLOBAL.findall(code)
    for body in _ENTRIES_LOOP.findall(code):
        names.extend(n.strip() for n in body.split(",") if _NAME.match(n.strip()))
    return list(dict.fromkeys(names))


def hoody_keys_of(code: str) -> list[str]:
    # "_w" is the core's namespace itself, which the loader manages.
    return [k for k in dict.fromkeys(_HOODY_KEY.findall(code)) if k != "_w"]


def w_keys_of(code: str) -> list[str]:
    return list(dict.fromkeys(_W_KEY.findall(code)))


def families(files: list[tuple[str, str]]) -> list[Family]:
    """`files`: `(code, "hoody:webapi/NN_name.js")` in load order; the core first."""
    out: list[Family] = []
    for code, source_name in files:
        file = source_name.rsplit("/", 1)[-1]
        if file == SEAL:
            continue
        found = Family(
            file,
            source_name,
            code,
            tuple(globals_of(code)),
            tuple(w_keys_of(code)),
            tuple(hoody_keys_of(code)),
        )
        if file != CORE and not (found.globals or found.w_keys or found.hoody_keys):
            raise ValueError(
                f'webapi/js/{file} installs no global (W.defineGlobal("Name", …)) and assigns '
                "no W key, so the lazy runtime would never load it"
            )
        out.append(found)
    if not out or out[0].file != CORE:
        raise ValueError(f"webapi/js/{CORE} must be the first family: it creates W")
    return out
