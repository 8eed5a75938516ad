"""The progress line: redrawn on a terminal, silent otherwise."""

import io
import time

from hoody_exec.cli.progress import TICK_S, Progress


def test_live_progress_draws_and_clears_its_line():
    stream = io.StringIO()
    with Progress("installing into /srv", stream=stream, live=True) as shown:
        shown.update("zod@3.23.8")
        deadline = time.monotonic() + 30
        while "zod@3.23.8" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(TICK_S)
    text = stream.getvalue()
    assert "installing into /srv: zod@3.23.8 (" in text
    assert text.endswith("\r\x1b[K")


def test_progress_off_a_terminal_prints_nothing():
    stream = io.StringIO()
    with Progress("installing", stream=stream, live=False) as shown:
        shown.update("something")
        time.sleep(TICK_S * 3)
    assert stream.getvalue() == ""
