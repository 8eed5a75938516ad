"""Verifying and unpacking npm tarballs without trusting them.

The integrity check runs on the downloaded bytes before anything is unpacked.
Unpacking strips the first path component (`package/`, as npm does), and refuses
absolute paths, `..`, links that lead outside the package, device files and
FIFOs, and archives whose files exceed the size limits. Files get npm's modes
(0644, or 0755 when any execute bit is set); owners and times are not restored.
Nothing in the package is ever executed.
"""

from __future__ import annotations

import io
import os
import posixpath
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from hoody_exec.deps.errors import IntegrityMismatch, UnsafeTarball
from hoody_exec.deps.integrity import compute_integrity, parse_integrity

__all__ = ["ExtractLimits", "extract_tarball", "verify_tarball"]


@dataclass(frozen=True, slots=True)
class ExtractLimits:
    max_total_bytes: int = 512 * 1024 * 1024
    max_file_bytes: int = 128 * 1024 * 1024
    max_entries: int = 50_000


def verify_tarball(package: str, data: bytes, integrity: str) -> None:
    """Raise IntegrityMismatch unless `data` hashes to `integrity` (an SRI string)."""
    expected = parse_integrity(integrity)
    if expected is None:
        raise IntegrityMismatch(package, integrity or "(none)", "no usable hash to compare")
    actual = compute_integrity(data, expected.algorithm)
    if actual.digest != expected.digest:
        raise IntegrityMismatch(package, str(expected), str(actual))


def extract_tarball(
    package: str, data: bytes, destination: Path, limits: ExtractLimits | None = None
) -> None:
    """Unpack a (gzipped) npm tarball into `destination`, which must not exist yet."""
    limits = limits or ExtractLimits()
    destination.mkdir(parents=True)
    root = os.path.realpath(destination)
    total = 0
    hardlinks: list[tuple[str, str, str]] = []
    checked: dict[str, str] = {}  # folder inside the package → its verified real path
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for count, member in enumerate(archive, start=1):
                if count > limits.max_entries:
                    raise UnsafeTarball(
                        package, member.name, f"more than {limits.max_entries} entries"
                    )
                relative = _relative_name(package, member.name)
                if relative is None:
                    continue  # the top folder itself (`package/`)
                if member.isfile():
                    if member.size > limits.max_file_bytes:
                        raise UnsafeTarball(
                            package,
                            member.name,
                            f"{member.size} bytes is over the {limits.max_file_bytes} byte "
                            "per-file limit",
                        )
                    total += member.size
                    if total > limits.max_total_bytes:
                        raise UnsafeTarball(
                            package,
                            member.name,
                            f"the package unpacks to more than {limits.max_total_bytes} bytes",
                        )
                    target = _safe_target(package, member.name, root, relative, checked)
                    source = archive.extractfile(member)
                    assert source is not None
                    if os.path.lexists(target):
                        os.unlink(target)
                    mode = 0o755 if member.mode & 0o111 else 0o644
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
                    with os.fdopen(fd, "wb") as out:
                        shutil.copyfileobj(source, out, 1024 * 1024)
                elif member.isdir():
                    target = _safe_target(package, member.name, root, relative, checked)
                    os.makedirs(target, 0o755, exist_ok=True)
                elif member.issym():
                    _symlink(package, member, root, relative, checked)
                elif member.islnk():
                    link = _relative_name(package, member.linkname)
                    if link is None or not _inside(link):
                        raise UnsafeTarball(
                            package,
                            member.name,
                            f"hard link to {member.linkname!r} is outside the package",
                        )
                    hardlinks.append((member.name, relative, link))
                elif member.type in (tarfile.XHDTYPE, tarfile.XGLTYPE):
                    continue
                else:
                    raise UnsafeTarball(
                        package,
                        member.name,
                        "device files, FIFOs and other special entries are not allowed",
                    )
            for name, relative, link in hardlinks:
                source_path = _safe_target(package, name, root, link, checked)
                target = _safe_target(package, name, root, relative, checked)
                if not os.path.isfile(source_path) or os.path.islink(source_path):
                    raise UnsafeTarball(package, name, "hard link to a missing file")
                shutil.copyfile(source_path, target, follow_symlinks=False)
    except (tarfile.TarError, zlib.error, EOFError, OSError) as error:
        raise UnsafeTarball(package, "(archive)", f"not a readable tarball: {error}") from None


def _relative_name(package: str, name: str) -> str | None:
    """`package/lib/x.js` → `lib/x.js`; refuses absolute paths and `..`."""
    if name.startswith("/") or "\x00" in name or "\\" in name or (len(name) > 1 and name[1] == ":"):
        raise UnsafeTarball(package, name, "absolute paths are not allowed")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeTarball(package, name, "'..' would write outside the package")
    if len(parts) <= 1:
        return None
    return "/".join(parts[1:])


def _inside(relative: str) -> bool:
    normal = posixpath.normpath(relative)
    return not (normal.startswith("../") or normal == ".." or posixpath.isabs(normal))


def _safe_target(
    package: str, member: str, root: str, relative: str, checked: dict[str, str]
) -> str:
    """The real path to write `relative` to, after checking no link on the way leads out.
    `checked` remembers verified folders; creating a symlink clears it."""
    parent_rel, _, base = relative.rpartition("/")
    real_parent = checked.get(parent_rel)
    if real_parent is None:
        parent = os.path.join(root, parent_rel) if parent_rel else root
        os.makedirs(parent, 0o755, exist_ok=True)
        real_parent = os.path.realpath(parent)
        if real_parent != root and not real_parent.startswith(root + os.sep):
            raise UnsafeTarball(package, member, "a link on its path leads outside the package")
        checked[parent_rel] = real_parent
    return os.path.join(real_parent, base)


def _symlink(
    package: str, member: tarfile.TarInfo, root: str, relative: str, checked: dict[str, str]
) -> None:
    link = member.linkname
    if not link or link.startswith("/") or "\x00" in link:
        raise UnsafeTarball(package, member.name, f"symlink to absolute path {link!r}")
    parent_rel = posixpath.dirname(relative)
    if not _inside(posixpath.join(parent_rel, link)):
        raise UnsafeTarball(package, member.name, f"symlink to {link!r} points outside the package")
    target = _safe_target(package, member.name, root, relative, checked)
    if os.path.lexists(target):
        os.unlink(target)
    os.symlink(link, target)
    checked.clear()  # a folder path may now run through this link
    resolved = os.path.realpath(target)
    if resolved != root and not resolved.startswith(root + os.sep):
        os.unlink(target)
        raise UnsafeTarball(package, member.name, f"symlink to {link!r} points outside the package")
