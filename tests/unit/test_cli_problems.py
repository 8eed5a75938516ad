"""What serve prints about scripts that will not load (cli/problems.py), checked on
a folder without a server."""

from pathlib import Path

from hoody_exec.cli import problems
from hoody_exec.cli.problems import ProblemReporter, is_script, report_at_start


def reporter(root: Path, lines: list[str], *, auto_install: bool = True) -> ProblemReporter:
    return ProblemReporter(root, (), auto_install=auto_install, echo=lines.append)


def test_every_script_is_checked_helpers_too(tmp_path: Path):
    (tmp_path / "_lib").mkdir()
    (tmp_path / "_lib" / "db.ts").write_text("export const db = ;\n")
    (tmp_path / "ok.ts").write_text("return 1;\n")
    (tmp_path / "uses.ts").write_text("import ms from 'ms';\nreturn ms(1);\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.ts").write_text("return {;\n")
    lines: list[str] = []
    assert reporter(tmp_path, lines).check_all() == 1
    assert sorted(line.split(":")[0] for line in lines) == ["  ! _lib/db.ts", "  ! uses.ts"]
    assert any(line.startswith("  ! _lib/db.ts:1:") for line in lines)
    assert (
        "  ! uses.ts:1: package ms: not installed (installed when the script is first built)"
        in lines
    )


def test_a_missing_package_breaks_a_script_without_auto_install(tmp_path: Path):
    (tmp_path / "uses.ts").write_text("import ms from 'ms';\nreturn ms(1);\n")
    lines: list[str] = []
    assert reporter(tmp_path, lines, auto_install=False).check_all() == 1
    assert "automatic installs are off: hoody-exec deps install" in lines[0]


def test_a_fixed_script_says_it_loads_again(tmp_path: Path):
    script = tmp_path / "a.ts"
    script.write_text("// @mode turbo\nreturn 1;\n")
    lines: list[str] = []
    shown = reporter(tmp_path, lines)
    shown.check_all()
    script.write_text("return 1;\n")
    shown.saved("a.ts")
    assert lines[-1] == "  ok a.ts: loads again"
    shown.saved("a.ts")  # still fine: nothing more to say
    assert lines[-1] == "  ok a.ts: loads again" and len(lines) == 2


def test_scripts_are_told_from_other_files():
    assert is_script("a.ts") and is_script("_lib/b.mjs") and is_script("users/[id].tsx")
    assert not is_script("types.d.ts") and not is_script("README.md")
    assert not is_script("node_modules/p/index.js") and not is_script(".hoody/x.ts")


def test_serve_goes_on_when_the_watcher_cannot_start(tmp_path: Path, monkeypatch, capsys):
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(8, "Exec format error")

    monkeypatch.setattr(problems, "start_save_watcher", refuse)
    assert report_at_start(tmp_path, (), True, True) is None
    assert "saved scripts are not checked" in capsys.readouterr().err
