"""Experiments: random streams per run, results store (and, as it grows, replications and executors)."""
