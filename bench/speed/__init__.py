"""The speed and scale benchmark suite: ``python -m bench.speed`` (see docs/benchmarks.md)."""
