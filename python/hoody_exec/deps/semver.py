"""npm's semantic versioning: versions, ranges, `satisfies` and `max_satisfying`.

Follows node-semver (v7, non-loose, `includePrerelease` off): ranges desugar into
sets of primitive comparators joined by `||`, and a prerelease version only
matches a set in which some comparator names the same `[major, minor, patch]`
with a prerelease of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering

__all__ = [
    "Comparator",
    "InvalidRange",
    "InvalidVersion",
    "Range",
    "Version",
    "max_satisfying",
    "satisfies",
]

_NUM = r"0|[1-9]\d*"
_IDENT = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)"
_VERSION_RE = re.compile(
    rf"^v?(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
_XR = r"(?:x|X|\*|0|[1-9]\d*)"
_PARTIAL_RE = re.compile(
    rf"^v?(?P<major>{_XR})(?:\.(?P<minor>{_XR})(?:\.(?P<patch>{_XR})"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?$"
)
_HYPHEN_RE = re.compile(r"^\s*(\S+)\s+-\s+(\S+)\s*$")
_OPERATOR_RE = re.compile(r"^(~>|~|\^|>=|<=|>|<|=)?\s*(.*)$")
# NOTE: node-semver lets whitespace sit between an operator and its version
# (`>= 1.2.3`); glue them together before splitting a set on whitespace.
_GLUE_RE = re.compile(r"(~>|~|\^|>=|<=|>|<|=)\s+")
_MAX_LENGTH = 256


class InvalidVersion(ValueError):
    """A string that is not a semantic version."""


class InvalidRange(ValueError):
    """A string that is not an npm version range."""


@total_ordering
@dataclass(frozen=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()
    build: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION_RE.match(text.strip().lstrip("="))
        if match is None or len(text) > _MAX_LENGTH:
            raise InvalidVersion(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
        pre = match["pre"]
        build = match["build"]
        return cls(
            int(match["major"]),
            int(match["minor"]),
            int(match["patch"]),
            tuple(_identifier(part) for part in pre.split(".")) if pre else (),
            tuple(build.split(".")) if build else (),
        )

    @classmethod
    def try_parse(cls, text: str) -> Version | None:
        try:
            return cls.parse(text)
        except InvalidVersion:
            return None

    @property
    def release(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def _key(self) -> tuple[tuple[int, int, int], int, tuple[tuple[int, int | str], ...]]:
        # NOTE: a version without prerelease sorts above all its prereleases;
        # numeric identifiers sort below alphanumeric ones.
        pre = tuple((0, p) if isinstance(p, int) else (1, p) for p in self.prerelease)
        return (self.release, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(str(p) for p in self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text


def _identifier(part: str) -> int | str:
    return int(part) if part.isdigit() else part


@dataclass(frozen=True, slots=True)
class Comparator:
    """`op version`; op `""` with no version matches every release (`*`)."""

    op: str
    version: Version | None

    def test(self, version: Version) -> bool:
        if self.version is None:
            return True
        v = self.version
        match self.op:
            case "<":
                return version < v
            case "<=":
                return version <= v
            case ">":
                return version > v
            case ">=":
                return version >= v
            case _:
                return version == v

    def __str__(self) -> str:
        return "*" if self.version is None else f"{self.op}{self.version}"


_ANY = Comparator("", None)
_NOTHING = Comparator("<", Version(0, 0, 0, (0,)))


@dataclass(frozen=True, slots=True)
class Range:
    raw: str
    sets: tuple[tuple[Comparator, ...], ...]

    @classmethod
    def parse(cls, text: str) -> Range:
        if len(text) > _MAX_LENGTH:
            raise InvalidRange(f"range {text[:40]!r}… is longer than {_MAX_LENGTH} characters")
        sets = tuple(_parse_set(part, text) for part in text.split("||"))
        return cls(text, sets)

    @classmethod
    def try_parse(cls, text: str) -> Range | None:
        try:
            return cls.parse(text)
        except InvalidRange:
            return None

    def test(self, version: Version) -> bool:
        return any(_test_set(comparators, version) for comparators in self.sets)

    def __str__(self) -> str:
        return " || ".join(" ".join(str(c) for c in s) for s in self.sets)


def _test_set(comparators: tuple[Comparator, ...], version: Version) -> bool:
    if not all(c.test(version) for c in comparators):
        return False
    if not version.prerelease:
        return True
    # NOTE: npm's prerelease rule: `1.3.0-beta` satisfies `>=1.3.0-alpha` but not
    # `>=1.2.0`; a range opts into the prereleases of one exact release only.
    return any(
        c.version is not None and c.version.prerelease and c.version.release == version.release
        for c in comparators
    )


def _parse_set(text: str, whole: str) -> tuple[Comparator, ...]:
    text = text.strip()
    hyphen = _HYPHEN_RE.match(text)
    if hyphen:
        return _hyphen(hyphen[1], hyphen[2], whole)
    tokens = _GLUE_RE.sub(r"\1", text).split()
    if not tokens:
        return (_ANY,)
    comparators: list[Comparator] = []
    for token in tokens:
        comparators.extend(_desugar(token, whole))
    return tuple(comparators)


@dataclass(frozen=True, slots=True)
class _Partial:
    major: int | None
    minor: int | None
    patch: int | None
    prerelease: tuple[int | str, ...]

    def floor(self) -> Version:
        return Version(self.major or 0, self.minor or 0, self.patch or 0, self.prerelease)


def _partial(text: str, whole: str) -> _Partial:
    match = _PARTIAL_RE.match(text)
    if match is None:
        raise InvalidRange(f"{whole!r} is not a version range: cannot read {text!r}")

    def number(group: str) -> int | None:
        value = match[group]
        return None if value is None or value in ("x", "X", "*") else int(value)

    major, minor, patch = number("major"), number("minor"), number("patch")
    # NOTE: once a part is a wildcard, every later part is one too (`1.x.3` = `1.x`).
    if major is None:
        minor = patch = None
    if minor is None:
        patch = None
    pre = match["pre"]
    prerelease = tuple(_identifier(p) for p in pre.split(".")) if pre and patch is not None else ()
    return _Partial(major, minor, patch, prerelease)


def _upper(major: int, minor: int = 0, patch: int = 0) -> Comparator:
    # `<2.0.0-0` keeps 2.0.0's prereleases out of `^1.x` (node-semver does the same).
    return Comparator("<", Version(major, minor, patch, (0,)))


def _desugar(token: str, whole: str) -> list[Comparator]:
    match = _OPERATOR_RE.match(token)
    assert match is not None
    op, rest = match[1] or "", match[2]
    p = _partial(rest, whole)
    if op in ("~", "~>"):
        return _tilde(p)
    if op == "^":
        return _caret(p)
    if p.major is None:
        return [_NOTHING] if op in ("<", ">") else [_ANY]
    if p.minor is None or p.patch is None:
        return _x_primitive(op, p)
    return [Comparator(op or "=", p.floor())]


def _x_primitive(op: str, p: _Partial) -> list[Comparator]:
    assert p.major is not None
    if p.minor is None:
        nxt = (p.major + 1, 0)
        bump = Version(p.major + 1, 0, 0)
    else:
        nxt = (p.major, p.minor + 1)
        bump = Version(p.major, p.minor + 1, 0)
    floor = p.floor()
    match op:
        case "" | "=":
            return [Comparator(">=", floor), _upper(*nxt)]
        case ">":
            return [Comparator(">=", bump)]
        case ">=":
            return [Comparator(">=", floor)]
        case "<":
            return [Comparator("<", Version(*floor.release, (0,)))]
        case _:  # "<="
            return [_upper(*nxt)]


def _tilde(p: _Partial) -> list[Comparator]:
    if p.major is None:
        return [_ANY]
    if p.minor is None:
        return [Comparator(">=", p.floor()), _upper(p.major + 1)]
    return [Comparator(">=", p.floor()), _upper(p.major, p.minor + 1)]


def _caret(p: _Partial) -> list[Comparator]:
    if p.major is None:
        return [_ANY]
    floor = Comparator(">=", p.floor())
    if p.minor is None:
        return [floor, _upper(p.major + 1)]
    if p.major > 0:
        return [floor, _upper(p.major + 1)]
    if p.patch is None or p.minor > 0:
        return [floor, _upper(0, p.minor + 1)]
    return [floor, _upper(0, 0, p.patch + 1)]


def _hyphen(low: str, high: str, whole: str) -> tuple[Comparator, ...]:
    lo, hi = _partial(low, whole), _partial(high, whole)
    comparators: list[Comparator] = []
    if lo.major is not None:
        comparators.append(Comparator(">=", lo.floor()))
    if hi.major is not None:
        if hi.minor is None:
            comparators.append(_upper(hi.major + 1))
        elif hi.patch is None:
            comparators.append(_upper(hi.major, hi.minor + 1))
        else:
            comparators.append(Comparator("<=", hi.floor()))
    return tuple(comparators) or (_ANY,)


def satisfies(version: str | Version, range_: str | Range) -> bool:
    """True when `version` is in `range_`; a string that does not parse satisfies nothing."""
    v = version if isinstance(version, Version) else Version.try_parse(version)
    r = range_ if isinstance(range_, Range) else Range.try_parse(range_)
    return v is not None and r is not None and r.test(v)


def max_satisfying(versions: Iterable[str | Version], range_: str | Range) -> Version | None:
    """The highest of `versions` in `range_` (unparseable versions are skipped)."""
    r = range_ if isinstance(range_, Range) else Range.parse(range_)
    best: Version | None = None
    for item in versions:
        v = item if isinstance(item, Version) else Version.try_parse(item)
        if v is not None and r.test(v) and (best is None or v > best):
            best = v
    return best
