"""Installer errors: each names the package and says what went wrong."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DependencyError",
    "IntegrityMismatch",
    "InvalidSpecifier",
    "NoMatchingVersion",
    "PackageNotFound",
    "RegistryError",
    "RegistryUnreachable",
    "ResolutionConflict",
    "UnsafeTarball",
]


class DependencyError(Exception):
    """Base class. `package` is the npm name (or specifier) concerned; `reason` a short kind."""

    reason = "error"

    def __init__(self, package: str, message: str) -> None:
        super().__init__(f"{package}: {message}")
        self.package = package
        self.message = message


class InvalidSpecifier(DependencyError):
    reason = "invalid specifier"

    def __init__(self, specifier: str, problem: str) -> None:
        super().__init__(specifier, f"invalid package specifier: {problem}")


class PackageNotFound(DependencyError):
    reason = "not found"

    def __init__(self, package: str, registry: str) -> None:
        super().__init__(package, f"not found in the registry {registry} (404)")
        self.registry = registry


class NoMatchingVersion(DependencyError):
    reason = "no matching version"

    def __init__(
        self, package: str, wanted: str, available: Sequence[str], *, tags: bool = False
    ) -> None:
        newest = ", ".join(available[:8]) if available else "none"
        more = f" (and {len(available) - 8} more)" if len(available) > 8 else ""
        if tags:
            message = f"no dist-tag {wanted!r}; its tags: {newest}"
        else:
            message = f"no version matches {wanted!r}; newest published: {newest}{more}"
        super().__init__(package, message)
        self.wanted = wanted
        self.available = list(available)


class RegistryError(DependencyError):
    reason = "registry error"


class RegistryUnreachable(RegistryError):
    reason = "registry unreachable"

    def __init__(self, package: str, url: str, cause: str) -> None:
        super().__init__(package, f"registry unreachable at {url}: {cause}")
        self.url = url


class IntegrityMismatch(DependencyError):
    reason = "integrity mismatch"

    def __init__(self, package: str, expected: str, actual: str) -> None:
        super().__init__(
            package,
            f"tarball integrity mismatch: the registry promised {expected} but the download "
            f"hashes to {actual}; nothing was installed",
        )
        self.expected = expected
        self.actual = actual


class UnsafeTarball(DependencyError):
    reason = "unsafe tarball"

    def __init__(self, package: str, member: str, problem: str) -> None:
        super().__init__(package, f"refused tarball entry {member!r}: {problem}")
        self.member = member


class ResolutionConflict(DependencyError):
    reason = "resolution conflict"
