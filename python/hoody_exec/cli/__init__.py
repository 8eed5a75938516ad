"""`hoody-exec` command line (typer). Heavy imports happen inside the commands so
`hoody-exec routes` and `--help` answer instantly and need no V8."""

from hoody_exec.cli.main import app, main

__all__ = ["app", "main"]
