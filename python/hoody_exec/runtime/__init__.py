"""Running scripts in V8 isolates: loading, modes, limits, host messages.

The only package that imports the native engine (through `runtime.native`).
Submodules are imported explicitly (`hoody_exec.runtime.engine`) so that the
protocol and the dispatch glue stay usable where the native module is absent.
"""
