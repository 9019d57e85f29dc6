"""How cost grows with run length: cases/second and peak memory at 10k, 100k and 1M cases, ledger on and off.

    python benchmarks/bench_scale.py [--sizes 10000 100000 1000000]

Each measurement runs in a fresh interpreter, so its peak resident memory is its own. "Ledger on" also builds the
per-case ledger table and writes it to Parquet, as `scalesim run` does; "ledger off" keeps only the summaries
(`--no-ledger`). The model is claims-triage's production flow under `redesigned` (pilot included).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CLAIMS = Path(__file__).resolve().parents[1] / "scenarios" / "claims-triage.yaml"

CHILD = r"""
import json, resource, sys, tempfile, time
import scalesim
from scalesim.experiment.store import write_run
cases, ledger = int(sys.argv[1]), sys.argv[2] == "on"
days = cases / 150.0  # claims-triage arrives at 150 cases a day
start = time.perf_counter()
result = scalesim.run(sys.argv[3], ["redesigned"], days=days)
result.summary()
with tempfile.TemporaryDirectory() as out:
    write_run(result, out, ledger=ledger)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cases": result.cases.count, "seconds": seconds, "peak_mb": peak_mb}))
"""


def measure(cases: int, ledger: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(cases), ledger, str(CLAIMS)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    baseline = measure(1_200, "off")["peak_mb"]  # 8 days: the shortest horizon a scenario allows is a week
    print(f"claims-triage, pilot + redesigned; interpreter with scalesim loaded: {baseline:.0f} MB")
    print(f"{'cases':>10} {'ledger':>7} {'cases/s (2 envs)':>17} {'peak MB':>8} {'bytes/case':>11}")
    for size in args.sizes:
        for ledger in ("off", "on"):
            m = measure(size, ledger)
            per_case = (m["peak_mb"] - baseline) * 1024 * 1024 / m["cases"]
            print(
                f"{m['cases']:>10,} {ledger:>7} {2 * m['cases'] / m['seconds']:>17,.0f} {m['peak_mb']:>8.0f} "
                f"{per_case:>11,.0f}"
            )


if __name__ == "__main__":
    main()
