"""Speed-up of a 20-run experiment with a process pool (-j 2) and a dask LocalCluster over serial execution.

    python benchmarks/bench_parallel.py [--runs 20] [--days 365] [--no-dask]

Each run here is one replication of the claims scenario's production year, both designs (one task). The three
executors produce identical run tables (checked below, and in tests/test_experiments.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

import scalesim

CLAIMS = Path(__file__).resolve().parents[1] / "scenarios" / "claims-triage.yaml"


def timed(runs: int, days: float, **executor: object) -> tuple[float, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = scalesim.replicate(CLAIMS, replications=runs, days=days, out=out, **executor)
        return time.perf_counter() - start, result.runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    serial, reference = timed(args.runs, args.days, jobs=1)
    print(f"{args.runs} runs of claims-triage ({args.days:g} days, 2 designs each)")
    print(f"{'executor':<22} {'seconds':>8} {'speed-up':>9}")
    print(f"{'serial (-j 1)':<22} {serial:>8.1f} {1.0:>8.2f}x")
    executors = {"process pool (-j 2)": {"jobs": 2}}
    if not args.no_dask:
        executors["dask LocalCluster (2)"] = {"jobs": 2, "scheduler": "local"}
    for name, options in executors.items():
        seconds, runs = timed(args.runs, args.days, **options)
        pd.testing.assert_frame_equal(runs, reference)
        print(f"{name:<22} {seconds:>8.1f} {serial / seconds:>8.2f}x")


if __name__ == "__main__":
    main()
