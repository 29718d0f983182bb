"""Benchmarks: run with ``./scripts/bench``; results go to ``bench/results/``."""
