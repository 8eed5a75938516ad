"""`@cors`: response headers and the OPTIONS preflight (SPEC §3)."""

from __future__ import annotations

from hoody_exec.server.asgi import Headers

PREFLIGHT_MAX_AGE = "86400"
DEFAULT_METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def is_preflight(method: str, cors: str, headers: Headers) -> bool:
    return (
        cors != "none"
        and method == "OPTIONS"
        and _header(headers, "origin") is not None
        and _header(headers, "access-control-request-method") is not None
    )


def cors_headers(cors: str, request_headers: Headers) -> Headers:
    """Headers every response of the script carries (errors included)."""
    if cors == "none":
        return []
    if cors == "*":
        return [("access-control-allow-origin", "*"), ("access-control-expose-headers", "*")]
    origin = _header(request_headers, "origin")
    if cors == "reflective":
        out: Headers = [("vary", "Origin")]
        if origin:
            out += [
                ("access-control-allow-origin", origin),
                ("access-control-allow-credentials", "true"),
            ]
        return out
    # One configured origin: announced always; the browser enforces the match.
    return [("access-control-allow-origin", cors), ("vary", "Origin")]


def preflight_headers(cors: str, request_headers: Headers) -> Headers:
    headers = cors_headers(cors, request_headers)
    requested_headers = _header(request_headers, "access-control-request-headers")
    headers += [
        ("access-control-allow-methods", DEFAULT_METHODS),
        ("access-control-max-age", PREFLIGHT_MAX_AGE),
    ]
    if requested_headers:
        headers.append(("access-control-allow-headers", requested_headers))
        if cors != "*":
            headers.append(("vary", "Access-Control-Request-Headers"))
    return headers
