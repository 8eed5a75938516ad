"""Benchmarks: `pytest benches/ --benchmark-only` (figures in docs/benchmarks.md)."""
