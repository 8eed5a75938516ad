"""`python -m hoody_exec.cli` (used by the tests to start the exact interpreter)."""

from hoody_exec.cli import main

main()
