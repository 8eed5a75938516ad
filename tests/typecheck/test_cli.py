"""`hoody-exec validate --types`: exit code and output."""

from __future__ import annotations

from pathlib import Path

import pytest

from integration.conftest import run_cli


@pytest.mark.network
def test_clean_files_pass(folder: Path, typescript_package: Path):
    script = folder / "good.ts"
    script.write_text('import { add } from "./_lib/math";\nreturn { n: add(1, 2) };\n')
    result = run_cli("validate", "--types", str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 file OK"


@pytest.mark.network
def test_type_errors_fail_with_file_line_column(folder: Path, typescript_package: Path):
    good = folder / "good.ts"
    good.write_text("return 1;\n")
    bad = folder / "users" / "[id].ts"
    bad.parent.mkdir()
    bad.write_text('import { greet } from "typed";\nconst n: number = greet(params.id);\n')
    result = run_cli("validate", "--types", str(good), str(bad))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"{bad}:2:7: error TS2322: Type 'string' is not assignable to type 'number'."
    ]


def test_without_the_flag_types_are_not_checked(folder: Path):
    script = folder / "x.ts"
    script.write_text('const n: number = "x";\n')
    result = run_cli("validate", str(script))
    assert result.returncode == 0, result.stderr
