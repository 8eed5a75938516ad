"""Which bare imports of a folder's scripts are not installed (yet)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hoody_exec.deps.errors import InvalidSpecifier
from hoody_exec.deps.install import installed_version
from hoody_exec.deps.semver import satisfies
from hoody_exec.deps.specifiers import PackageSpecifier, is_dist_tag, parse_specifier

__all__ = [
    "PROVIDED_PACKAGES",
    "SCRIPT_SUFFIXES",
    "MissingImport",
    "find_missing",
    "iter_scripts",
    "missing_packages",
    "package_imports",
    "unsatisfied_ranges",
    "why_missing",
]

SCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
# Packages the runtime provides (the pre-bundled AI SDK, hoody_exec/ai): an import of
# exactly this name is served by the runtime's copy, never from node_modules.
PROVIDED_PACKAGES: tuple[str, ...] = ("ai", "@ai-sdk/openai-compatible")


@dataclass(frozen=True, slots=True)
class MissingImport:
    file: Path
    specifier: str  # as written in the import
    package: str  # name@range as it would be installed
    reason: str  # "not installed", "installed 1.0.0, wants ^2", "invalid specifier: …"


def iter_scripts(folder: Path) -> Iterator[Path]:
    """Script files under `folder`, skipping node_modules and dot-folders, in path order."""
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if d != "node_modules" and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(SCRIPT_SUFFIXES) and not name.endswith(".d.ts"):
                yield Path(directory) / name


def package_imports(source: str, filename: str) -> list[str]:
    """Import specifiers of a script, as the native transpiler lists them."""
    from hoody_exec import transpile

    return list(transpile(source, filename).imports)


def find_missing(folder: Path) -> tuple[list[MissingImport], list[str]]:
    """Missing package imports, and problems reading scripts (file: message)."""
    from hoody_exec import TranspileError

    missing: list[MissingImport] = []
    problems: list[str] = []
    for file in iter_scripts(folder):
        try:
            imports = package_imports(file.read_text(encoding="utf-8"), file.name)
        except (OSError, UnicodeDecodeError, TranspileError) as error:
            problems.append(f"{file}: {error}")
            continue
        missing.extend(_missing_among(folder, file, imports))
    return missing, problems


def _missing_among(folder: Path, file: Path, imports: Iterable[str]) -> Iterator[MissingImport]:
    for spec in imports:
        if spec in PROVIDED_PACKAGES:
            continue
        try:
            parsed = parse_specifier(spec)
        except InvalidSpecifier as error:
            yield MissingImport(file, spec, spec, error.message)
            continue
        if isinstance(parsed, PackageSpecifier):
            reason = why_missing(folder, parsed)
            if reason is not None:
                yield MissingImport(file, spec, str(parsed), reason)


def unsatisfied_ranges(folder: Path, sources: Iterable[tuple[Path, str]]) -> list[MissingImport]:
    """Imports naming a range (`ms@^3`) whose installed version is outside it. The bundler
    takes whatever `node_modules` holds; this is how a build notices it must install."""
    found: list[MissingImport] = []
    for file, source in sources:
        for spec in package_imports(source, file.name):
            try:
                parsed = parse_specifier(spec)
            except InvalidSpecifier:
                continue  # the bundler reports those itself
            if isinstance(parsed, PackageSpecifier) and parsed.explicit_range:
                reason = why_missing(folder, parsed)
                if reason is not None:
                    found.append(MissingImport(file, spec, str(parsed), reason))
    return found


def missing_packages(folder: Path, specifiers: Iterable[str]) -> list[PackageSpecifier]:
    """The package imports among `specifiers` that `folder` cannot serve yet — what to pass
    to `Installer.install` (cheap: reads a few package.json files, no lock, no network)."""
    wanted: dict[str, PackageSpecifier] = {}
    for spec in specifiers:
        if spec in PROVIDED_PACKAGES:
            continue
        parsed = parse_specifier(spec)
        if isinstance(parsed, PackageSpecifier) and why_missing(folder, parsed) is not None:
            wanted.setdefault(parsed.name, PackageSpecifier(parsed.name, parsed.range))
    return list(wanted.values())


def why_missing(folder: Path, spec: PackageSpecifier) -> str | None:
    """Why `folder` cannot serve `spec` yet ("not installed", a version outside its
    range), or None if it can."""
    version = installed_version(folder / "node_modules" / spec.name)
    if version is None:
        return "not installed"
    if spec.explicit_range and not is_dist_tag(spec.range) and not satisfies(version, spec.range):
        return f"installed {version}, the import wants {spec.range}"
    return None
