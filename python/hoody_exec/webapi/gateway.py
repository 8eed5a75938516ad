"""The operator's OpenAI-compatible AI gateway, as the host side of `fetch` sees it.

`@ai` scripts (docs/ai.md) talk to one gateway (OpenRouter, LiteLLM, vLLM,
Ollama, OpenAI…). Its key lives in this process only: the provider inside the
isolate carries no secret, and `authorize` adds `Authorization: Bearer <key>` to
requests whose URL lies under the gateway's base URL (same scheme, host, port,
and path prefix), replacing whatever header the script set there. Any other
destination never sees the key, a redirect off the gateway included (the fetch
loop strips credentials on a cross-origin hop and authorizes each hop anew).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from hoody_exec.config import AI_BASE_URL_ENV

__all__ = ["Gateway", "authorize", "configure", "current", "parse_base_url"]

_ALLOWED = (
    "an http:// or https:// URL such as https://openrouter.ai/api/v1, "
    "without user:password@, query or fragment"
)


@dataclass(frozen=True)
class Gateway:
    base_url: str  # no trailing slash: the SDK appends "/chat/completions"
    api_key: str | None
    key_env: str  # the variable the key came from (named in errors, never the key)
    default_model: str

    @property
    def url(self) -> httpx.URL:
        return httpx.URL(self.base_url)

    @property
    def allowance(self) -> str:
        """The gateway as an `--allow-fetch` entry: it is reachable wherever it lives."""
        url = self.url
        host = f"[{url.host}]" if ":" in url.host else url.host
        return f"{host}:{url.port or (443 if url.scheme == 'https' else 80)}"

    def covers(self, url: httpx.URL) -> bool:
        base = self.url
        if (url.scheme, url.host, _port(url)) != (base.scheme, base.host, _port(base)):
            return False
        prefix = base.path.rstrip("/")
        return url.path == prefix or url.path.startswith(prefix + "/")


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def parse_base_url(text: str) -> str:
    """A gateway base URL, normalised; ValueError saying what is accepted."""
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        _ = parts.port  # raises on a bad port
    except ValueError as error:
        raise ValueError(f"--ai-base-url {text!r}: {error}; expected {_ALLOWED}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--ai-base-url {text!r}: not an http(s) URL; expected {_ALLOWED}")
    if parts.username is not None or parts.password is not None:
        # NOTE: a URL travels into the isolate (the provider's baseURL); credentials
        # in it would be a key inside the isolate.
        raise ValueError(
            f"--ai-base-url: credentials in the URL are not accepted (they would reach "
            f"scripts); put the key in the variable --ai-api-key-env names; expected {_ALLOWED}"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"--ai-base-url {text!r}: has a query or fragment; expected {_ALLOWED}")
    return raw.rstrip("/")


def from_settings(
    base_url: str | None, key_env: str, default_model: str, environ: dict[str, str] | None = None
) -> Gateway | None:
    """The gateway of the server's settings (None without a base URL); the key is
    read from the environment of this process."""
    environ = dict(os.environ) if environ is None else environ
    base = base_url or environ.get(AI_BASE_URL_ENV) or None
    if base is None:
        return None
    key = environ.get(key_env) or None
    return Gateway(parse_base_url(base), key, key_env, default_model)


_gateway: Gateway | None = None


def configure(gateway: Gateway | None) -> None:
    """Set this process's gateway (the server does at start; None: `@ai` is off)."""
    global _gateway
    _gateway = gateway


def current() -> Gateway | None:
    return _gateway


def authorize(url: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` for a request to `url`: with the gateway's key when `url` is the
    gateway's, unchanged otherwise."""
    gateway = _gateway
    if gateway is None or gateway.api_key is None:
        return headers
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL:
        return headers
    if not gateway.covers(target):
        return headers
    kept = [(n, v) for n, v in headers if n.lower() != "authorization"]
    return [*kept, ("authorization", f"Bearer {gateway.api_key}")]
