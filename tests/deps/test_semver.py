"""npm semver: node-semver's documented examples as tables, plus properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hoody_exec.deps.semver import (
    InvalidRange,
    InvalidVersion,
    Range,
    Version,
    max_satisfying,
    satisfies,
)

# (range, version) pairs that must match — from node-semver's README and range-include fixtures.
INCLUDED = [
    ("1.0.0 - 2.0.0", "1.2.3"),
    ("^1.2.3+build", "1.2.3"),
    ("^1.2.3+build", "1.3.0"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3-pre.2"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "2.4.3-alpha"),
    ("1.2.3+asdf - 2.4.3+asdf", "1.2.3"),
    ("1.0.0", "1.0.0"),
    (">=*", "0.2.4"),
    ("", "1.0.0"),
    ("*", "1.2.3"),
    (">=1.0.0", "1.0.0"),
    (">=1.0.0", "1.1.0"),
    (">1.0.0", "1.0.1"),
    ("<=2.0.0", "2.0.0"),
    ("<=2.0.0", "0.2.9"),
    ("<2.0.0", "1.9999.9999"),
    (">= 1.0.0", "1.0.0"),
    (">=  1.0.0", "1.0.1"),
    ("<=  2.0.0", "1.9999.9999"),
    ("0.1.20 || 1.2.4", "1.2.4"),
    (">=0.2.3 || <0.0.1", "0.0.0"),
    (">=0.2.3 || <0.0.1", "0.2.3"),
    ("||", "1.3.4"),
    ("2.x.x", "2.1.3"),
    ("1.2.x", "1.2.3"),
    ("1.2.x || 2.x", "2.1.3"),
    ("1.2.x || 2.x", "1.2.3"),
    ("x", "1.2.3"),
    ("2.*.*", "2.1.3"),
    ("1.2.*", "1.2.3"),
    ("2", "2.1.2"),
    ("2.3", "2.3.1"),
    ("~0.0.1", "0.0.1"),
    ("~0.0.1", "0.0.2"),
    ("~x", "0.0.9"),
    ("~2", "2.0.9"),
    ("~2.4", "2.4.0"),
    ("~2.4", "2.4.5"),
    ("~>3.2.1", "3.2.2"),
    ("~1", "1.2.3"),
    ("~>1", "1.2.3"),
    ("~ 1.0", "1.0.2"),
    ("~ 1.0.3", "1.0.12"),
    (">=1", "1.0.0"),
    (">= 1", "1.0.0"),
    ("<1.2", "1.1.1"),
    ("< 1.2", "1.1.1"),
    ("~v0.5.4-pre", "0.5.5"),
    ("~v0.5.4-pre", "0.5.4"),
    ("=0.7.x", "0.7.2"),
    ("<=0.7.x", "0.7.2"),
    (">=0.7.x", "0.7.2"),
    ("<=0.7.x", "0.6.2"),
    ("~1.2.1 >=1.2.3", "1.2.3"),
    ("~1.2.1 =1.2.3", "1.2.3"),
    ("~1.2.1 1.2.3", "1.2.3"),
    (">=1.2.1 1.2.3", "1.2.3"),
    ("1.2.3 >=1.2.1", "1.2.3"),
    (">=1.2.3 >=1.2.1", "1.2.3"),
    (">=1.2.1 >=1.2.3", "1.2.3"),
    (">=1.2", "1.2.8"),
    ("^1.2.3", "1.8.1"),
    ("^0.1.2", "0.1.2"),
    ("^0.1", "0.1.2"),
    ("^0.0.1", "0.0.1"),
    ("^1.2", "1.4.2"),
    ("^1.2 ^1", "1.4.2"),
    ("^1.2.3-alpha", "1.2.3-pre"),
    ("^1.2.0-alpha", "1.2.0-pre"),
    ("^0.0.1-alpha", "0.0.1-beta"),
    ("^0.0.1-alpha", "0.0.1"),
    ("^0.1.1-alpha", "0.1.1-beta"),
    ("^x", "1.2.3"),
    ("x - 1.0.0", "0.9.7"),
    ("x - 1.x", "0.9.7"),
    ("1.0.0 - x", "1.9.7"),
    ("1.x - x", "1.9.7"),
    ("<=7.x", "7.9.9"),
    ("2.x", "2.0.0"),
    ("^0.0.x", "0.0.5"),
    ("^0.x", "0.9.0"),
    ("1.2.3 - 2.3", "2.3.9"),
    ("1.2 - 2.3.4", "1.2.0"),
    (">1", "2.0.0"),
    (">1.2", "1.3.0"),
    ("<=1", "1.9.9"),
    ("=1.2.3", "1.2.3"),
    ("v1.2.3", "1.2.3"),
]

# (range, version) pairs that must not match — node-semver's range-exclude fixtures.
EXCLUDED = [
    ("1.0.0 - 2.0.0", "2.2.3"),
    ("1.2.3+asdf - 2.4.3+asdf", "1.2.3-pre.2"),
    ("1.2.3+asdf - 2.4.3+asdf", "2.4.3-alpha"),
    ("^1.2.3+build", "2.0.0"),
    ("^1.2.3+build", "1.2.0"),
    ("^1.2.3", "1.2.3-pre"),
    ("^1.2", "1.2.0-pre"),
    (">1.2", "1.3.0-beta"),
    ("<=1.2.3", "1.2.3-beta"),
    ("^1.2.3", "1.2.3-beta"),
    ("=0.7.x", "0.7.0-asdf"),
    (">=0.7.x", "0.7.0-asdf"),
    ("<=0.7.x", "0.7.0-asdf"),
    ("1", "1.0.0beta"),
    ("<1", "1.0.0beta"),
    ("< 1", "1.0.0beta"),
    ("1.0.0", "1.0.1"),
    (">=1.0.0", "0.0.0"),
    (">=1.0.0", "0.0.1"),
    (">=1.0.0", "0.1.0"),
    (">1.0.0", "0.0.1"),
    (">1.0.0", "0.1.0"),
    ("<=2.0.0", "3.0.0"),
    ("<=2.0.0", "2.9999.9999"),
    ("<=2.0.0", "2.2.9"),
    ("<2.0.0", "2.9999.9999"),
    ("<2.0.0", "2.2.9"),
    (">=0.1.97", "0.1.93"),
    ("0.1.20 || 1.2.4", "1.2.3"),
    (">=0.2.3 || <0.0.1", "0.0.3"),
    (">=0.2.3 || <0.0.1", "0.2.2"),
    ("2.x.x", "1.1.3"),
    ("2.x.x", "3.1.3"),
    ("1.2.x", "1.3.3"),
    ("1.2.x || 2.x", "3.1.3"),
    ("1.2.x || 2.x", "1.1.3"),
    ("2.*.*", "1.1.3"),
    ("2.*.*", "3.1.3"),
    ("1.2.*", "1.3.3"),
    ("2", "1.1.2"),
    ("2.3", "2.4.1"),
    ("~0.0.1", "0.1.0-alpha"),
    ("~0.0.1", "0.1.0"),
    ("~2.4", "2.5.0"),
    ("~2.4", "2.3.9"),
    ("~>3.2.1", "3.3.2"),
    ("~>3.2.1", "3.2.0"),
    ("~1", "0.2.3"),
    ("~>1", "2.2.3"),
    ("~1.0", "1.1.0"),
    ("<1", "1.0.0"),
    (">=1.2", "1.1.1"),
    ("~v0.5.4-beta", "0.5.4-alpha"),
    ("=0.7.x", "0.8.2"),
    (">=0.7.x", "0.6.2"),
    ("<0.7.x", "0.7.2"),
    ("<1.2.3", "1.2.3-beta"),
    ("=1.2.3", "1.2.3-beta"),
    (">1.2", "1.2.8"),
    ("^0.0.1", "0.0.2-alpha"),
    ("^0.0.1", "0.0.2"),
    ("^1.2.3", "2.0.0-alpha"),
    ("^1.2.3", "1.2.2"),
    ("^1.2", "1.1.9"),
    ("*", "1.2.3-foo"),
    ("^1.0.0", "2.0.0-rc1"),
    ("1 - 2", "2.0.0-pre"),
    ("1 - 2", "1.0.0-pre"),
    ("1.1.x", "1.0.0-a"),
    ("1.1.x", "1.1.0-a"),
    ("1.1.x", "1.2.0-a"),
    ("1.x", "1.0.0-a"),
    ("1.x", "1.1.0-a"),
    ("1.x", "1.2.0-a"),
    (">=1.0.0 <1.1.0", "1.1.0"),
    (">=1.0.0 <1.1.0", "1.1.0-pre"),
    (">=1.0.0 <1.1.0-pre", "1.1.0-pre"),
    ("2.x", "3.0.0-pre.0"),
    ("^1.0.0", "1.0.0-rc1"),
    ("^1.2.3-rc2", "2.0.0"),
    (">*", "1.0.0"),
    ("<*", "1.0.0"),
    ("^0.x", "1.0.0"),
    ("^0.0.x", "0.1.0"),
    ("1.2.3 - 2.3", "2.4.0"),
    ("1.2.3 - 2.3", "2.4.0-0"),
]


@pytest.mark.parametrize(("range_", "version"), INCLUDED)
def test_included(range_: str, version: str) -> None:
    assert satisfies(version, range_), (
        f"{version} should satisfy {range_!r} ({Range.parse(range_)})"
    )


@pytest.mark.parametrize(("range_", "version"), EXCLUDED)
def test_excluded(range_: str, version: str) -> None:
    assert not satisfies(version, range_), f"{version} must not satisfy {range_!r}"


# Desugaring, as node-semver's README writes it.
@pytest.mark.parametrize(
    ("range_", "comparators"),
    [
        ("1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4"),
        ("1.2 - 2.3.4", ">=1.2.0 <=2.3.4"),
        ("1.2.3 - 2.3", ">=1.2.3 <2.4.0-0"),
        ("1.2.3 - 2", ">=1.2.3 <3.0.0-0"),
        ("*", "*"),
        ("1.x", ">=1.0.0 <2.0.0-0"),
        ("1.2.x", ">=1.2.0 <1.3.0-0"),
        ("1", ">=1.0.0 <2.0.0-0"),
        ("1.2", ">=1.2.0 <1.3.0-0"),
        ("~1.2.3", ">=1.2.3 <1.3.0-0"),
        ("~1.2", ">=1.2.0 <1.3.0-0"),
        ("~1", ">=1.0.0 <2.0.0-0"),
        ("~0.2.3", ">=0.2.3 <0.3.0-0"),
        ("~0.2", ">=0.2.0 <0.3.0-0"),
        ("~0", ">=0.0.0 <1.0.0-0"),
        ("~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0"),
        ("^1.2.3", ">=1.2.3 <2.0.0-0"),
        ("^0.2.3", ">=0.2.3 <0.3.0-0"),
        ("^0.0.3", ">=0.0.3 <0.0.4-0"),
        ("^1.2.3-beta.2", ">=1.2.3-beta.2 <2.0.0-0"),
        ("^0.0.3-beta", ">=0.0.3-beta <0.0.4-0"),
        ("^1.2.x", ">=1.2.0 <2.0.0-0"),
        ("^0.0.x", ">=0.0.0 <0.1.0-0"),
        ("^0.0", ">=0.0.0 <0.1.0-0"),
        ("^1.x", ">=1.0.0 <2.0.0-0"),
        ("^0.x", ">=0.0.0 <1.0.0-0"),
        (">1", ">=2.0.0"),
        ("<=1.2", "<1.3.0-0"),
        ("<1.2", "<1.2.0-0"),
        ("1.2.3 || >=2 <3", "=1.2.3 || >=2.0.0 <3.0.0-0"),
    ],
)
def test_desugaring(range_: str, comparators: str) -> None:
    assert str(Range.parse(range_)) == comparators


def test_prerelease_rule_allows_same_tuple_only() -> None:
    assert satisfies("1.2.3-alpha.7", ">1.2.3-alpha.3")
    assert not satisfies("3.4.5-alpha.9", ">1.2.3-alpha.3")
    assert satisfies("3.4.5", ">1.2.3-alpha.3")


def test_version_ordering_follows_semver() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ]
    assert sorted(ordered, key=Version.parse) == ordered
    assert Version.parse("1.0.0+build.1") == Version.parse("1.0.0+other")
    assert str(Version.parse("v1.2.3-rc.1+b.5")) == "1.2.3-rc.1+b.5"


@pytest.mark.parametrize("bad", ["1", "1.2", "01.2.3", "1.2.3-", "1.2.3-01", "a.b.c", "1.2.3.4"])
def test_invalid_versions(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        Version.parse(bad)


@pytest.mark.parametrize("bad", ["blerg", ">=x.y", "1.2.3 - ", "^a", "1.2.3 >> 2"])
def test_invalid_ranges(bad: str) -> None:
    with pytest.raises(InvalidRange):
        Range.parse(bad)


def test_max_satisfying() -> None:
    versions = ["1.2.3", "1.2.4", "1.3.0-beta.1", "1.9.0", "2.0.0-rc.1", "2.0.0", "junk"]
    assert str(max_satisfying(versions, "~1.2")) == "1.2.4"
    assert str(max_satisfying(versions, "^1")) == "1.9.0"
    assert str(max_satisfying(versions, "^1.3.0-beta.0")) == "1.9.0"
    assert str(max_satisfying(versions, "2.0.0-rc.0 - 2.0.0-rc.5")) == "2.0.0-rc.1"
    assert str(max_satisfying(versions, "*")) == "2.0.0"
    assert max_satisfying(versions, "^3") is None


# ---------------------------------------------------------------- properties

_num = st.integers(min_value=0, max_value=30)
_ident = st.one_of(_num, st.sampled_from(["alpha", "beta", "rc", "x-1", "pre"]))
versions = st.builds(
    Version,
    _num,
    _num,
    _num,
    st.lists(_ident, max_size=3).map(tuple),
    st.just(()),
)


@given(versions)
def test_version_round_trip(v: Version) -> None:
    assert Version.parse(str(v)) == v


@given(versions, versions)
def test_ordering_is_total_and_consistent(a: Version, b: Version) -> None:
    assert (a < b) + (a == b) + (a > b) == 1
    assert (a < b) == (b > a)


@given(versions)
def test_exact_and_caret_contain_their_version(v: Version) -> None:
    assert satisfies(v, f"={v}")
    assert satisfies(v, f"^{v}")
    assert satisfies(v, f"~{v}")
    assert satisfies(v, f">={v}")
    assert not satisfies(v, f">{v}")


@given(versions, versions)
def test_caret_keeps_the_left_most_non_zero_part(base: Version, v: Version) -> None:
    if not satisfies(v, f"^{base}"):
        return
    assert v >= base
    if base.major:
        assert v.major == base.major
    elif base.minor:
        assert (v.major, v.minor) == (0, base.minor)
    else:
        assert v.release == base.release
    if v.prerelease:
        assert v.release == base.release and base.prerelease


@given(versions, versions, versions)
def test_hyphen_equals_two_comparators(lo: Version, hi: Version, v: Version) -> None:
    assert satisfies(v, f"{lo} - {hi}") == satisfies(v, f">={lo} <={hi}")


@given(st.lists(versions, max_size=12), st.sampled_from(["*", "^1", "~2.3", ">=3 <10", "0.x"]))
def test_max_satisfying_is_the_max_of_the_matches(vs: list[Version], range_: str) -> None:
    matches = [v for v in vs if satisfies(v, range_)]
    assert max_satisfying(vs, range_) == (max(matches) if matches else None)
