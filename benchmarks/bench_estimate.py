"""The time every batch command says it will take, against the time it took (issue 40, row 5).

Each batch command (compare, sweep, sensitivity, decide, plan, breakeven, portfolio) prints "expect ~X of CPU, ~Y
on N worker(s) on this machine" before it starts. This runs each on two bundled scenarios at a size that takes
seconds to a minute, as a subprocess in a fresh results folder, reads the estimate it printed and measures the CPU
(user + system of the command and its workers) and the wall time. The rule: estimate and measurement within 2x of
each other (a break-even's two estimates, before and once it knows it crosses, are added). Rounds are
interleaved (every command once, then again) and the median and range of the ratio are printed with the
machine's load.

    python benchmarks/bench_estimate.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "days": 86400.0}
ESTIMATE = re.compile(r"expect ~([\d.,]+) (s|min|h|days) of CPU, ~([\d.,]+) (s|min|h|days) on")

COMMANDS: dict[str, list[str]] = {
    "compare claims-triage": ["compare", "claims-triage", "--replications", "6", "--days", "180"],
    "compare stall-demo": ["compare", "stall-demo", "--replications", "6", "--days", "180"],
    "sweep claims-triage": [
        "sweep", "claims-triage", "--grid", "production.accuracy=0.7,0.9", "--replications", "3", "--days", "120",
    ],
    "sweep stall-demo": [
        "sweep", "stall-demo", "--grid", "production.accuracy=0.7,0.9", "--replications", "3", "--days", "120",
    ],
    "sensitivity claims-triage": ["sensitivity", "claims-triage", "--method", "oat", "--days", "120"],
    "sensitivity stall-demo": ["sensitivity", "stall-demo", "--method", "oat", "--days", "120"],
    "decide claims-triage": ["decide", "claims-triage", "--samples", "24", "--days", "120"],
    "decide stall-demo": ["decide", "stall-demo", "--samples", "24", "--days", "120"],
    "plan claims-triage": ["plan", "claims-triage", "--samples", "24", "--days", "120"],
    "plan stall-demo": ["plan", "stall-demo", "--samples", "24", "--days", "120"],
    "breakeven claims-triage": [
        "breakeven", "claims-triage", "--design", "redesigned", "--input", "value.uplift.mean", "--replications", "2",
        "--days", "120",
    ],
    "breakeven stall-demo": [
        "breakeven", "stall-demo", "--design", "redesigned", "--input", "value.uplift.mean", "--replications", "2",
        "--days", "120",
    ],
    "portfolio status-quo": ["portfolio", "portfolio-status-quo", "--replications", "10"],
    "portfolio production-first": ["portfolio", "portfolio-production-first", "--replications", "10"],
}  # fmt: skip


def seconds(number: str, unit: str) -> float:
    return float(number.replace(",", "")) * UNITS[unit]


def measure(argv: list[str], folder: Path) -> tuple[float, float, float, float]:
    """(estimated CPU, estimated wall, measured CPU, measured wall) of one command."""
    command, scenario, *rest = argv
    args = [shutil.which("scalesim") or "scalesim", command, str(SCENARIOS / f"{scenario}.yaml"), *rest]
    args += ["-j", "2", "--out", str(folder), "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    found = ESTIMATE.findall(done.stderr)  # a break-even says a second estimate once it knows it crosses
    if not found:
        raise SystemExit(f"{' '.join(args)} printed no estimate:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    estimated_cpu = sum(seconds(f[0], f[1]) for f in found)
    estimated_wall = sum(seconds(f[2], f[3]) for f in found)
    return estimated_cpu, estimated_wall, cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", action="append", help="a row's name (repeat); default all")
    options = parser.parse_args()
    rows = {name: argv for name, argv in COMMANDS.items() if not options.only or name in options.only}
    ratios: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in rows}
    loads = []
    for _ in range(options.rounds):
        for name, argv in rows.items():
            loads.append(os.getloadavg()[0])
            with tempfile.TemporaryDirectory() as folder:  # nothing reused: each round runs everything
                ratios[name].append(measure(argv, Path(folder)))
            print(f"  {name}: done", file=sys.stderr, flush=True)
    print(f"load average during the rounds: {min(loads):.1f}-{max(loads):.1f}; {options.rounds} round(s); -j 2\n")
    print(
        "| command | estimated CPU | measured CPU (median, range) | measured/estimated | estimated wall | "
        "measured wall | within 2x? |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, found in ratios.items():
        est_cpu = statistics.median(f[0] for f in found)
        cpu = [f[2] for f in found]
        wall = [f[3] for f in found]
        ratio = [f[2] / f[0] for f in found]
        ok = all(0.5 <= r <= 2.0 for r in ratio)
        print(
            f"| `{name}` | {est_cpu:.0f} s | {statistics.median(cpu):.1f} s ({min(cpu):.1f}-{max(cpu):.1f}) | "
            f"{statistics.median(ratio):.2f}x ({min(ratio):.2f}-{max(ratio):.2f}) | "
            f"{statistics.median(f[1] for f in found):.0f} s | {statistics.median(wall):.1f} s | "
            f"{'yes' if ok else '**no**'} |"
        )


if __name__ == "__main__":
    main()
