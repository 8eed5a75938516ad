"""Local JSON references (`#/components/schemas/Pet`, RFC 6901 pointers) in a document."""

from __future__ import annotations

from typing import Any


def resolve_pointer(document: Any, ref: str) -> tuple[bool, Any]:
    """(True, the value) `ref` points to in `document`, or (False, None)."""
    if ref == "#":
        return True, document
    if not ref.startswith("#/"):
        return False, None
    node = document
    for raw in ref[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node
