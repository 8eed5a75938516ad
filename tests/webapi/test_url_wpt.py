"""The URL parser against WPT's own URL data (urltestdata.json and
setters_tests.json). The files are not kept in this repository: the Rust `url`
crate, which the native build already fetches from the crate registry, ships
them in its package; the test finds them through `cargo metadata`. Node, when
installed, runs the same data: every case node passes must pass here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("conformance") / "wpt_url.js"


def _url_crate_tests() -> Path | None:
    cargo = shutil.which("cargo")
    if cargo is None:
        return None
    manifest = str(ROOT / "Cargo.toml")
    out = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--offline", "--manifest-path", manifest],
        capture_output=True,
        timeout=120,
    )
    if out.returncode != 0:
        return None
    for package in json.loads(out.stdout)["packages"]:
        if package["name"] == "url":
            folder = Path(package["manifest_path"]).parent / "tests"
            if (folder / "urltestdata.json").is_file():
                return folder
    return None


@pytest.fixture(scope="module")
def wpt_program() -> str:
    folder = _url_crate_tests()
    if folder is None:
        pytest.skip("the url crate's test data is not in the cargo registry (run a build first)")
    data = (folder / "urltestdata.json").read_text(encoding="utf-8")
    setters = (folder / "setters_tests.json").read_text(encoding="utf-8")
    return f"const URL_DATA = {data};\nconst SETTERS_DATA = {setters};\n" + RUNNER.read_text(
        encoding="utf-8"
    )


def _in_node(program: str) -> list[Any] | None:
    node = shutil.which("node")
    if node is None:
        return None
    # the program is ~200 kB: too long for an argument, so node reads it from stdin
    wrapped = (
        f"(async () => {{ {program} }})().then((r) => process.stdout.write(JSON.stringify(r)));"
    )
    out = subprocess.run(
        [node, "-"], input=wrapped.encode(), capture_output=True, timeout=120, check=True
    )
    return json.loads(out.stdout)


async def test_wpt_url_data(env, wpt_program):
    ours = await env.js_async(wpt_program)
    failed = {label: why for label, passed, why in ours if not passed}
    reference = _in_node(wpt_program)
    if reference is not None:
        assert [r[0] for r in reference] == [r[0] for r in ours]
        node_passes = {label for label, passed, _ in reference if passed}
        assert {k: v for k, v in failed.items() if k in node_passes} == {}
    assert failed == {}, f"{len(failed)} of {len(ours)} WPT URL cases fail"
