"""Safe extraction: integrity before unpacking, no escapes, limits."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from hoody_exec.deps import IntegrityMismatch, UnsafeTarball
from hoody_exec.deps.integrity import compute_integrity, parse_integrity
from hoody_exec.deps.tarball import ExtractLimits, extract_tarball, verify_tarball

from .conftest import make_tarball, sri


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", data: bytes = b"x"):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


def test_extracts_and_strips_the_package_prefix(tmp_path: Path) -> None:
    data = make_tarball({"package.json": "{}", "lib/a.js": "1", "bin/cli": b"#!x"})
    extract_tarball("p@1", data, tmp_path / "out")
    assert (tmp_path / "out/lib/a.js").read_text() == "1"
    assert (tmp_path / "out/package.json").exists()
    assert not (tmp_path / "out/package").exists()


def test_top_folder_need_not_be_called_package(tmp_path: Path) -> None:
    data = make_tarball({}, [member("node-thing/index.js")])
    extract_tarball("p@1", data, tmp_path / "out")
    assert (tmp_path / "out/index.js").read_bytes() == b"x"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (member("package/../evil"), "'..'"),
        (member("../evil"), "'..'"),
        (member("/etc/evil"), "absolute"),
        (member("package/link", tarfile.SYMTYPE, "../../outside"), "outside"),
        (member("package/link", tarfile.SYMTYPE, "/etc/passwd"), "absolute"),
        (member("package/hard", tarfile.LNKTYPE, "../../etc/passwd"), "'..'"),
        (member("package/dev", tarfile.CHRTYPE), "device"),
        (member("package/fifo", tarfile.FIFOTYPE), "device"),
    ],
)
def test_escapes_are_refused(tmp_path: Path, entry, problem: str) -> None:
    data = make_tarball({"package.json": "{}"}, [entry])
    with pytest.raises(UnsafeTarball, match=problem) as info:
        extract_tarball("evil@1.0.0", data, tmp_path / "out")
    assert info.value.package == "evil@1.0.0"
    assert not (tmp_path / "evil").exists()
    assert not (tmp_path / "outside").exists()


def test_symlinked_folder_cannot_be_used_to_escape(tmp_path: Path) -> None:
    data = make_tarball(
        {},
        [
            member("package/dir", tarfile.SYMTYPE, "."),
            member("package/dir/up", tarfile.SYMTYPE, ".."),
            member("package/up/evil"),
        ],
    )
    with pytest.raises(UnsafeTarball, match="outside"):
        extract_tarball("evil@1", data, tmp_path / "out")
    assert not (tmp_path / "evil").exists()


def test_links_inside_the_package_work(tmp_path: Path) -> None:
    data = make_tarball(
        {"lib/a.js": "A"},
        [
            member("package/alias.js", tarfile.SYMTYPE, "lib/a.js"),
            member("package/copy.js", tarfile.LNKTYPE, "package/lib/a.js"),
        ],
    )
    extract_tarball("p@1", data, tmp_path / "out")
    assert (tmp_path / "out/alias.js").read_text() == "A"
    assert (tmp_path / "out/copy.js").read_text() == "A"
    assert not (tmp_path / "out/copy.js").is_symlink()


def test_size_limits(tmp_path: Path) -> None:
    data = make_tarball({"a.js": b"a" * 1000, "b.js": b"b" * 1000})
    with pytest.raises(UnsafeTarball, match="per-file limit"):
        extract_tarball("big@1", data, tmp_path / "one", ExtractLimits(max_file_bytes=999))
    with pytest.raises(UnsafeTarball, match="more than 1500 bytes"):
        extract_tarball("big@1", data, tmp_path / "two", ExtractLimits(max_total_bytes=1500))


def test_garbage_is_not_a_tarball(tmp_path: Path) -> None:
    with pytest.raises(UnsafeTarball, match="not a readable tarball"):
        extract_tarball("junk@1", b"\x1f\x8b not really gzip", tmp_path / "out")


def test_integrity() -> None:
    data = b"tarball bytes"
    verify_tarball("p@1", data, sri(data))
    with pytest.raises(IntegrityMismatch, match="p@1") as info:
        verify_tarball("p@1", data + b"!", sri(data))
    assert info.value.expected == sri(data)
    # The strongest listed algorithm decides; shasum is the fallback when no SRI is given.
    both = f"sha1-{str(compute_integrity(b'other', 'sha1'))[5:]} {sri(data)}"
    assert parse_integrity(both) == parse_integrity(sri(data))
    legacy = parse_integrity(None, compute_integrity(data, "sha1").hexdigest)
    assert legacy is not None and legacy.algorithm == "sha1"
    verify_tarball("p@1", data, str(legacy))
    assert parse_integrity("md5-abc") is None


def test_extract_handles_plain_tar(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info, data = member("package/x.js")
        archive.addfile(info, io.BytesIO(data))
    extract_tarball("p@1", buffer.getvalue(), tmp_path / "out")
    assert (tmp_path / "out/x.js").exists()
