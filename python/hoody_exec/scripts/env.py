"""The environment a script may see: only what the operator allows.

`--env NAME` (repeatable) lets one variable of the server's own environment
through; a `.env` file in the scripts folder adds its variables. Nothing else of
the host environment reaches JavaScript.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path


def parse_dotenv(text: str) -> dict[str, str]:
    """`KEY=value` lines; `#` comments, `export ` prefixes and quotes as shells write them."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n")
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key:
            values[key] = value
    return values


def load_allowed_env(
    root: Path, names: Iterable[str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The variables scripts get: `.env` in `root`, then the allowed process variables.

    NOTE: an explicitly allowed process variable wins over `.env`, the way
    docker-compose and most dotenv loaders let the real environment override the file.
    """
    environ = os.environ if environ is None else environ
    allowed: dict[str, str] = {}
    dotenv = root / ".env"
    if dotenv.is_file():
        allowed.update(parse_dotenv(dotenv.read_text(encoding="utf-8")))
    for name in names:
        if name in environ:
            allowed[name] = environ[name]
    return allowed
