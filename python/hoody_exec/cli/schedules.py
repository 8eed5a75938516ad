"""`hoody-exec schedules [DIR]`: the `@schedule` scripts of a folder and their next runs.

Read from the files and the folder's run history, so it works whether or not a
server is running on the folder.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hoody_exec.routing import build_route_table
from hoody_exec.schedules import cron
from hoody_exec.schedules.scan import read_schedule
from hoody_exec.schedules.store import ScheduleStore
from hoody_exec.scripts import load_allowed_env

NEXT_RUNS = 3


def print_schedules(root: Path, env_names: tuple[str, ...]) -> int:
    """Print the table; the number of scripts whose schedule has problems."""
    env = load_allowed_env(root, env_names)
    store = ScheduleStore(root)
    rows: list[tuple[str, str, str, str, str]] = []
    problems: list[str] = []
    now = cron.now()
    for route in build_route_table(root).routes:
        found = read_schedule(root, route.file, env)
        if found is None:
            continue
        if isinstance(found, list):
            problems.extend(
                f"{p.file}:{p.line}: {p.message}" if p.line else f"{p.file}: {p.message}"
                for p in found
            )
            continue
        last = store.last(route.file)
        rows.append(
            (
                route.file,
                found.expression,
                cron.zone_of(found),
                ", ".join(cron.iso(t) for t in cron.next_runs(found, now, NEXT_RUNS)),
                "-" if last is None else f"{last.outcome} ({last.started_at or last.scheduled_at})",
            )
        )
    if not rows:
        typer.echo("  (no @schedule scripts)")
    else:
        header = ("SCRIPT", "SCHEDULE", "ZONE", "NEXT RUNS (UTC)", "LAST RUN")
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
        for row in (header, *rows):
            typer.echo(
                "  "
                + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
                + "  "
                + row[4]
            )
    for problem in problems:
        typer.echo(f"  ! {problem}", err=True)
    return len(problems)
