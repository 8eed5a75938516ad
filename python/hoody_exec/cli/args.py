"""Parsing of the repeatable K:V and k=v options several commands take."""

from __future__ import annotations

import typer


def headers_of(items: list[str] | None, hint: str = "--header") -> list[tuple[str, str]]:
    """`K:V` items as (lower-cased name, value) pairs."""
    headers = []
    for item in items or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{item!r} is not K:V", param_hint=hint)
        headers.append((name.strip().lower(), value.strip()))
    return headers


def pairs_of(items: list[str] | None, hint: str) -> dict[str, str]:
    """`k=v` items as a dict (a later item wins)."""
    pairs = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r} is not k=v", param_hint=hint)
        pairs[key.strip()] = value
    return pairs
