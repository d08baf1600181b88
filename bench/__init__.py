"""Benchmarks: each bench_*.py module exposes ``run() -> list[dict]`` (name, value, unit, baseline, ratio,
goal, met); the baseline is measured in the same run, so ratios are comparable across machines."""
