"""`hoody-exec --version`: the package, the V8 it runs and the TypeScript it checks with."""

from __future__ import annotations

import typer


def version_lines() -> list[str]:
    import hoody_exec
    from hoody_exec.typecheck.install import TYPESCRIPT_VERSION

    return [
        f"hoody-exec {hoody_exec.__version__}",
        f"V8 {_v8_version()} (from the mini-racer wheel)",
        f"TypeScript {TYPESCRIPT_VERSION} (the type checker; installed on first use)",
    ]


def _v8_version() -> str:
    from hoody_exec.runtime.native import EngineError, v8_version

    # NOTE: asks the library it loads, so a mismatched mini-racer shows here.
    try:
        return v8_version()
    except EngineError as error:
        return f"unavailable: {error}"


def show_version(value: bool) -> None:
    if value:
        for line in version_lines():
            typer.echo(line)
        raise typer.Exit()
