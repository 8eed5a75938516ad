"""Secrets out of every log line (stderr and the store) before it is rendered.

Three nets, cheapest first:
- field names: a field (or nested key) named like a credential (`authorization`,
  `cookie`, `token`, `password`, `api_key`, …) keeps its name, its value becomes
  `[redacted]`;
- known values: the admin token, allowed environment variables whose names look
  secret (`*TOKEN*`, `*KEY*`, `*SECRET*`, `*PASS*`, …) and the variable behind a
  script's `@token env:NAME` are replaced wherever they appear in a string;
- shapes: `Bearer x`/`Basic x`, `token=x`/`"password": "x"` pairs, `user:pass@` in
  URLs, JWTs, private key blocks and well-known API key prefixes.
A script's literal `@token` is only known by its SHA-256 digest (the loader never
keeps the secret), so for lines about such a script every word of each string is
hashed and compared: slower, and only paid by scripts that use a literal token.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

REDACTED = "[redacted]"

_SECRET_NAME = re.compile(
    r"(?i)(authorization|cookie|token|secret|passw|pwd|api[-_]?key|apikey|access[-_]?key|"
    r"private[-_]?key|credential|session[-_]?id|signature|websocket-protocol)"
)
# Names of environment variables whose values are treated as secrets.
_SECRET_ENV = re.compile(r"(?i)(token|secret|pass|pwd|key|auth|credential|private|signature)")
_KEYS = (
    r"access_token|refresh_token|id_token|token|api[_-]?key|apikey|client_secret|secret|"
    r"password|passwd|pwd|authorization|x-token|x-api-key|set-cookie|cookie|session"
)
_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{4,}"), rf"\1\2{REDACTED}"),
    (
        # (the value of `Authorization: Bearer x` is left to the rule above)
        re.compile(
            rf"(?i)([\"']?\b(?:{_KEYS})[\"']?\s*[:=]\s*[\"']?)(?!(?:bearer|basic)\s)([^\s\"'&,;}}]+)"
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@"), rf"\1{REDACTED}@"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
        ),
        REDACTED,
    ),
    (
        re.compile(
            r"\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|sk-[A-Za-z0-9_-]{20,}|"
            r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|"
            r"xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})"
        ),
        REDACTED,
    ),
)
# One search decides whether any shape is present (most strings have none).
_ANY_SHAPE = re.compile(
    "|".join(f"(?:{p.pattern.removeprefix('(?i)')})" for p, _ in _SHAPES), re.IGNORECASE
)
_WORD = re.compile(r"[^\s\"'&,;<>(){}\[\]=:/?#]{4,}")


def secret_name(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


@dataclass
class Redactor:
    """What this process knows to be secret; `scrub_event` applies it.

    The server fills it in once its app exists (`server/factory.py`): observability
    knows neither the server nor the runtime, only these callables.
    """

    admin_token: str | None = None
    env: Callable[[], Mapping[str, str]] | None = None
    # script file -> (digest of a literal @token, value of an @token env:NAME)
    script_secrets: Callable[[str], tuple[bytes | None, str | None]] | None = None
    # Secrets of the process known by value (the AI gateway's key).
    extra: tuple[str, ...] = ()
    _names: dict[str, bool] = field(default_factory=dict)
    _env_id: int = -1
    _env_values: tuple[str, ...] = ()

    def literals(self) -> tuple[str, ...]:
        env = self.env() if self.env is not None else None
        if env is not None and id(env) != self._env_id:
            values = {v for k, v in env.items() if len(v) >= 6 and _SECRET_ENV.search(k)}
            self._env_values = tuple(sorted(values, key=len, reverse=True))
            self._env_id = id(env)
        known = (*self.extra, *self._env_values) if self.extra else self._env_values
        if self.admin_token:
            return (self.admin_token, *known)
        return known

    def _secret_name(self, name: str) -> bool:
        known = self._names.get(name)
        if known is None:
            known = secret_name(name)
            if len(self._names) < 4096:
                self._names[name] = known
        return known

    def scrub_event(self, event: dict[str, Any]) -> dict[str, Any]:
        literals = self.literals()
        digest: bytes | None = None
        script = event.get("script")
        if self.script_secrets is not None and isinstance(script, str):
            digest, env_secret = self.script_secrets(script)
            if env_secret:
                literals = (env_secret, *literals)
        # NOTE: this runs for every log line (one per request at `standard`): one
        # cheap look at all the strings together decides whether any needs work.
        texts = "\x00".join(v for v in event.values() if type(v) is str)
        plain = digest is None and not suspicious(texts, literals)
        names = self._names
        for key, value in event.items():
            kind = type(value)
            secret = names.get(key)
            if secret is None:
                secret = self._secret_name(key)
            if secret and key != "event":
                event[key] = REDACTED
            elif kind is str:
                if not plain:
                    event[key] = scrub_text(value, literals, digest)
            elif kind is dict or kind is list or kind is tuple:
                new = self._scrub(value, literals, digest)
                if new is not value:
                    event[key] = new
        return event

    def _scrub(self, value: Any, literals: tuple[str, ...], digest: bytes | None) -> Any:
        if isinstance(value, str):
            return scrub_text(value, literals, digest)
        if isinstance(value, dict):
            out = {
                k: REDACTED
                if isinstance(k, str) and self._secret_name(k)
                else self._scrub(v, literals, digest)
                for k, v in value.items()
            }
            return value if all(out[k] is value[k] for k in value) else out
        if isinstance(value, list | tuple):
            items = [self._scrub(v, literals, digest) for v in value]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        return value


# Every shape above contains one of these (lower-cased): when none is present and
# no known secret is either, a line needs no further look.
_GATE_WORDS = (
    "bearer", "basic", "token", "key", "secret", "passw", "pwd", "authorization", "cookie",
    "session", "://", "eyj", "-----begin", "sk_", "pk_", "rk_", "sk-", "ghp_", "gho_", "ghu_",
    "ghs_", "ghr_", "github_pat_", "xox", "akia", "aiza",
)  # fmt: skip


def suspicious(text: str, literals: tuple[str, ...] = ()) -> bool:
    if any(secret in text for secret in literals):
        return True
    lowered = text.lower()
    return any(word in lowered for word in _GATE_WORDS)


def scrub_text(text: str, literals: tuple[str, ...] = (), digest: bytes | None = None) -> str:
    if len(text) < 6:
        return text
    out = text
    for secret in literals:
        if secret in out:
            out = out.replace(secret, REDACTED)
    if _ANY_SHAPE.search(out):
        for pattern, replacement in _SHAPES:
            out = pattern.sub(replacement, out)
    if digest is not None:
        for word in {out.strip(), *_WORD.findall(out)}:
            if word and hashlib.sha256(word.encode()).digest() == digest:
                out = out.replace(word, REDACTED)
    return out if out != text else text


REDACTOR = Redactor()
