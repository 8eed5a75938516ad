"""The admin token: where it comes from and how a request proves it.

NOTE: with several Granian workers every process runs `ensure_admin_token`; the
file is created with `os.link` from a finished temporary file, so exactly one
process creates it (and prints it) and the others read a complete file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from hoody_exec.api.files import create_exclusive
from hoody_exec.server.asgi import Headers

STATE_DIR = ".hoody"
TOKEN_FILE = "admin-token"
CHALLENGE = 'Bearer realm="hoody-exec management"'


def token_path(root: Path) -> Path:
    return root / STATE_DIR / TOKEN_FILE


def ensure_admin_token(root: Path, configured: str | None) -> str:
    """The configured token, else the stored one, else a new one (stored 0600, printed once)."""
    if configured:
        return configured
    path = token_path(root)
    existing = _read(path)
    if existing:
        return existing
    state = path.parent
    state.mkdir(mode=0o700, exist_ok=True)
    os.chmod(state, 0o700)
    token = secrets.token_urlsafe(32)
    if not create_exclusive(path, token.encode() + b"\n", 0o600):
        # Another worker won the race: use its token.
        return _read(path) or token
    # NOTE: printed to the terminal once, on purpose (SPEC §7); never logged.
    print(
        f"hoody-exec: generated the management API token (stored in {path}, mode 0600):\n  {token}",
        file=sys.stderr,
        flush=True,
    )
    return token


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def presented_tokens(headers: Headers) -> list[str]:
    found: list[str] = []
    for name, value in headers:
        if name == "authorization":
            scheme, _, credential = value.strip().partition(" ")
            if scheme.lower() == "bearer":
                found.append(credential.strip())
        elif name == "x-token":
            found.append(value.strip())
    return found


def is_authorized(expected: str, headers: Headers) -> bool:
    """Constant-time comparison of SHA-256 digests (lengths never leak)."""
    want = hashlib.sha256(expected.encode()).digest()
    ok = False
    for candidate in presented_tokens(headers):
        ok |= hmac.compare_digest(hashlib.sha256(candidate.encode()).digest(), want)
    return ok
