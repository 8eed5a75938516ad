"""npm packages for scripts: specifiers, semver, the registry client, resolution,
safe tarball extraction, the tarball cache, the lockfile and the installer.

Pure Python (httpx + msgspec); no Node.js and no install scripts. See
docs/dependencies.md.
"""

from hoody_exec.deps.cache import PackageCache, default_cache_dir
from hoody_exec.deps.check import missing_packages
from hoody_exec.deps.errors import (
    DependencyError,
    IntegrityMismatch,
    InvalidSpecifier,
    NoMatchingVersion,
    PackageNotFound,
    RegistryError,
    RegistryUnreachable,
    ResolutionConflict,
    UnsafeTarball,
)
from hoody_exec.deps.install import Installer, InstallResult, install, installed_version
from hoody_exec.deps.lockfile import LOCKFILE_NAME, Lockfile, read_lockfile
from hoody_exec.deps.registry import RegistryClient, default_registry
from hoody_exec.deps.semver import Range, Version, max_satisfying, satisfies
from hoody_exec.deps.specifiers import (
    BuiltinSpecifier,
    PackageSpecifier,
    parse_package_request,
    parse_specifier,
)

__all__ = [
    "LOCKFILE_NAME",
    "BuiltinSpecifier",
    "DependencyError",
    "InstallResult",
    "Installer",
    "IntegrityMismatch",
    "InvalidSpecifier",
    "Lockfile",
    "NoMatchingVersion",
    "PackageCache",
    "PackageNotFound",
    "PackageSpecifier",
    "Range",
    "RegistryClient",
    "RegistryError",
    "RegistryUnreachable",
    "ResolutionConflict",
    "UnsafeTarball",
    "Version",
    "default_cache_dir",
    "default_registry",
    "install",
    "installed_version",
    "max_satisfying",
    "missing_packages",
    "parse_package_request",
    "parse_specifier",
    "read_lockfile",
    "satisfies",
]
