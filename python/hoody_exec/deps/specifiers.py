"""What an import specifier asks for: an npm package (name, range, subpath), a
Node built-in, or something local (relative paths, URLs) the installer ignores.

    'zod'               -> zod, latest
    '@scope/pkg/sub'    -> @scope/pkg, latest, subpath 'sub'
    'ms@2'              -> ms, 2
    'npm:@scope/pkg@^1' -> @scope/pkg, ^1
    'node:fs' / 'fs'    -> the Node built-in fs
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hoody_exec.deps.errors import InvalidSpecifier
from hoody_exec.deps.semver import Range

__all__ = [
    "DEFAULT_TAG",
    "NODE_BUILTINS",
    "BuiltinSpecifier",
    "PackageSpecifier",
    "is_dist_tag",
    "parse_package_request",
    "parse_specifier",
    "validate_package_name",
]

DEFAULT_TAG = "latest"

_BUILTINS_TEXT = """
assert async_hooks buffer child_process cluster console constants crypto dgram
diagnostics_channel dns domain events fs http http2 https inspector module net os
path perf_hooks process punycode querystring readline repl stream string_decoder
sys timers tls trace_events tty url util v8 vm wasi worker_threads zlib
"""
NODE_BUILTINS = frozenset(_BUILTINS_TEXT.split())

_NAME_RE = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")
_TAG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_LOCAL_PREFIXES = ("./", "../", "/", ".", "#")
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class PackageSpecifier:
    name: str
    range: str  # an npm range or a dist-tag; DEFAULT_TAG when the import names none
    subpath: str = ""  # "" or e.g. "fp/map" for 'lodash/fp/map'

    @property
    def explicit_range(self) -> bool:
        return self.range != DEFAULT_TAG

    def __str__(self) -> str:
        return self.name if self.range == DEFAULT_TAG else f"{self.name}@{self.range}"


@dataclass(frozen=True, slots=True)
class BuiltinSpecifier:
    module: str  # without `node:`, e.g. "fs" or "fs/promises"


def parse_specifier(spec: str) -> PackageSpecifier | BuiltinSpecifier | None:
    """Classify an import specifier; None for relative paths, URLs and other schemes."""
    if spec.startswith("node:"):
        return BuiltinSpecifier(spec[5:])
    if spec.split("/", 1)[0] in NODE_BUILTINS:
        return BuiltinSpecifier(spec)
    if spec.startswith("npm:"):
        return _parse_package(spec[4:], spec)
    if spec.startswith(_LOCAL_PREFIXES) or _URL_RE.match(spec):
        return None
    return _parse_package(spec, spec)


def parse_package_request(text: str) -> PackageSpecifier:
    """`name`, `name@range`, `npm:name@range` as typed on a command line or sent to the API.

    Unlike an import, a bare `events` or `buffer` here means the npm package of that name
    (the browser equivalents the bundler installs for built-ins); only `node:x` is refused.
    """
    text = text.strip()
    if text.startswith("node:"):
        raise InvalidSpecifier(text, "is a Node built-in, not an npm package")
    body = text[4:] if text.startswith("npm:") else text
    if body.startswith(_LOCAL_PREFIXES) or _URL_RE.match(body):
        raise InvalidSpecifier(text, "is not an npm package name")
    return _parse_package(body, text)


def _parse_package(body: str, original: str) -> PackageSpecifier:
    if body.startswith("@"):
        scope, slash, rest = body.partition("/")
        if not slash or not rest:
            raise InvalidSpecifier(original, "a scoped name needs @scope/name")
        name_part, rest = _split_name(rest)
        name = f"{scope}/{name_part}"
    else:
        name, rest = _split_name(body)
    range_ = DEFAULT_TAG
    if rest.startswith("@"):
        range_, _, subpath = rest[1:].partition("/")
        if not range_:
            raise InvalidSpecifier(original, "'@' must be followed by a version range or tag")
        if not is_dist_tag(range_) and Range.try_parse(range_) is None:
            raise InvalidSpecifier(original, f"{range_!r} is not a version range or dist-tag")
    else:
        subpath = rest[1:] if rest.startswith("/") else rest
    validate_package_name(name, original)
    if any(part in ("", ".", "..") for part in subpath.split("/")) and subpath:
        raise InvalidSpecifier(original, f"bad subpath {subpath!r}")
    return PackageSpecifier(name, range_, subpath)


def _split_name(text: str) -> tuple[str, str]:
    """Split 'pkg@1/sub' into ('pkg', '@1/sub') and 'pkg/sub' into ('pkg', '/sub')."""
    cut = len(text)
    for sep in ("@", "/"):
        index = text.find(sep)
        if index != -1:
            cut = min(cut, index)
    return text[:cut], text[cut:]


def validate_package_name(name: str, original: str | None = None) -> None:
    if not name or len(name) > 214:
        raise InvalidSpecifier(original or name, "a package name has 1 to 214 characters")
    if not _NAME_RE.match(name.lower()):
        raise InvalidSpecifier(
            original or name,
            f"{name!r} is not a valid npm package name "
            "(lowercase letters, digits, '-', '.', '_', '~'; optional @scope/)",
        )


def is_dist_tag(text: str) -> bool:
    """`latest`, `next`, `beta` — a tag rather than a range (ranges never start with a letter
    other than the wildcards x/X and the leading v of `v1.2.3`)."""
    return bool(_TAG_RE.match(text)) and Range.try_parse(text) is None
