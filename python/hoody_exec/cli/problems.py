"""What `hoody-exec serve` prints about scripts that will not load: every one at
start, then the saved file on each save (and when a broken one loads again).

NOTE: checked with swc and the magic-comment parser (no V8) by the serve process
at start and by one watcher process for saves, once however many workers there
are; the workers still build and answer with the same errors. Missing packages
are named here; with automatic installs on, the workers install them when the
script is first built (so the script is not counted as broken).
"""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import typer

from hoody_exec.cli.checking import file_problems, missing_package_problems
from hoody_exec.deps.check import SCRIPT_SUFFIXES, iter_scripts
from hoody_exec.scripts import load_allowed_env

READY = b"watching\n"
READY_TIMEOUT_S = 15.0


class ProblemReporter:
    def __init__(
        self,
        root: Path,
        env_names: tuple[str, ...],
        *,
        auto_install: bool,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.env_names = env_names
        self.auto_install = auto_install
        self.echo = echo or (lambda line: typer.echo(line, err=True))
        self._broken: set[str] = set()

    def check_all(self) -> int:
        """Report the problems of every script (helpers too); the number of broken ones."""
        env = load_allowed_env(self.root, self.env_names)
        for file in iter_scripts(self.root):
            self._check(file.relative_to(self.root).as_posix(), env)
        return len(self._broken)

    def saved(self, relative: str) -> None:
        self._check(relative, load_allowed_env(self.root, self.env_names))

    def _check(self, relative: str, env: dict[str, str]) -> None:
        file = self.root / relative
        if not file.is_file():
            self._broken.discard(relative)
            return
        problems = file_problems(file, env, relative)
        missing = missing_package_problems(self.root, file, relative)
        if missing and self.auto_install:
            missing = [f"{line} (installed when the script is first built)" for line in missing]
        elif missing:
            missing = [
                f"{line} (automatic installs are off: hoody-exec deps install)" for line in missing
            ]
        lines = problems + missing
        if problems or (missing and not self.auto_install):
            self._broken.add(relative)
        elif relative in self._broken:
            self._broken.discard(relative)
            self.echo(f"  ok {relative}: loads again")
        for line in lines:
            self.echo(f"  ! {line}")


def report_at_start(
    root: Path, env_names: tuple[str, ...], auto_install: bool, reload: bool
) -> subprocess.Popen[bytes] | None:
    """Print every script's problems now; with reload, start the save watcher and
    return once it watches (a save from then on is reported)."""
    reporter = ProblemReporter(root, env_names, auto_install=auto_install)
    watcher = None
    if reload:  # started first: its start-up overlaps the check below
        try:
            watcher = start_save_watcher(root, env_names, auto_install=auto_install)
        except OSError as error:
            reporter.echo(f"  (saved scripts are not checked: no watcher process: {error})")
    broken = reporter.check_all()
    if broken:
        s = "s" if broken != 1 else ""
        reporter.echo(f"  {broken} script{s} will not load until fixed (above)")
    if watcher is not None and not _wait_ready(watcher):
        reporter.echo("  (the save watcher is not watching yet; saves are applied all the same)")
    return watcher


def _wait_ready(watcher: subprocess.Popen[bytes]) -> bool:
    assert watcher.stdout is not None
    ready, _, _ = select.select([watcher.stdout], [], [], READY_TIMEOUT_S)
    return bool(ready) and watcher.stdout.readline() == READY


def watch_saves(
    reporter: ProblemReporter, stop: threading.Event, ready: Callable[[], None] | None
) -> None:
    """Report each saved script's problems until `stop` is set; `ready` is called
    once the file watch is in place."""
    import watchfiles

    from hoody_exec.server.reload import ScriptsFilter

    root = reporter.root
    for changes in watchfiles.watch(
        root,
        watch_filter=ScriptsFilter(root),
        stop_event=stop,
        debounce=50,
        recursive=True,
        raise_interrupt=False,
        # NOTE: an empty batch after each quiet second: the first one says the
        # watch is in place (the serve process waits for that before it serves).
        yield_on_timeout=True,
        rust_timeout=1000,
    ):
        if ready is not None:
            ready()
            ready = None
        for relative in sorted({_relative(root, Path(path)) for _, path in changes}):
            if is_script(relative):
                try:
                    reporter.saved(relative)
                except Exception as error:  # a report must never stop the watching
                    reporter.echo(f"  ! {relative}: could not be checked: {error}")


def start_save_watcher(
    root: Path, env_names: tuple[str, ...], *, auto_install: bool
) -> subprocess.Popen[bytes]:
    """The save watcher, in a process of its own (`python -m hoody_exec.cli.problems`).

    NOTE: not a thread of the serve process: Granian forks its workers from that
    process (at start and for every replacement), and a fork while a thread holds
    a lock (stderr's, the allocator's) leaves the child waiting on it forever.
    It stops when its stdin closes, so it never outlives a killed serve process.
    """
    command = [sys.executable, "-m", "hoody_exec.cli.problems", str(root)]
    command += [f"--env={name}" for name in env_names]
    command += [] if auto_install else ["--no-auto-install"]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def stop_save_watcher(watcher: subprocess.Popen[bytes]) -> None:
    if watcher.stdin is not None:
        watcher.stdin.close()  # its signal to stop
    try:
        watcher.wait(timeout=5)
    except subprocess.TimeoutExpired:
        watcher.kill()
        watcher.wait(timeout=5)


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return ""


def is_script(relative: str) -> bool:
    """A script file (routable or a helper) as `iter_scripts` finds them."""
    parts = relative.split("/")
    return (
        relative.endswith(SCRIPT_SUFFIXES)
        and not relative.endswith(".d.ts")
        and not any(p == "node_modules" or p.startswith(".") for p in parts[:-1])
    )


def _main(argv: list[str]) -> None:
    root = Path(argv[0])
    env_names = tuple(a.removeprefix("--env=") for a in argv[1:] if a.startswith("--env="))
    # Ctrl-C reaches the whole process group: the serve process stops it (stdin).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    auto_install = "--no-auto-install" not in argv
    # Which scripts are broken now (the serve process printed them): a fix then says so.
    reporter = ProblemReporter(root, env_names, auto_install=auto_install, echo=lambda _: None)
    reporter.check_all()
    reporter.echo = lambda line: typer.echo(line, err=True)
    stop = threading.Event()

    def until_stdin_closes() -> None:
        sys.stdin.buffer.read()
        stop.set()

    def announce() -> None:
        sys.stdout.buffer.write(READY)
        sys.stdout.buffer.flush()

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    watch_saves(reporter, stop, announce)


if __name__ == "__main__":
    _main(sys.argv[1:])
