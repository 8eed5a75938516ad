"""Headers the host adds to a script's fetch: credentials the isolate never sees.

The server sets the source at start (the imported SDKs' auth, read from the
allowed environment); each hop of a fetch asks for its own URL, so a redirect
to another origin does not carry them along.
"""

from __future__ import annotations

from collections.abc import Callable

Source = Callable[[str], list[tuple[str, str]]]


def _none(url: str) -> list[tuple[str, str]]:
    return []


_source: Source = _none


def configure(source: Source) -> None:
    global _source
    _source = source


def attach(url: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` plus the credentials for `url` the script did not set itself."""
    extra = _source(url)
    if not extra:
        return headers
    present = {name.lower() for name, _ in headers}
    return [*headers, *((n, v) for n, v in extra if n.lower() not in present)]
