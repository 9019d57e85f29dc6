"""Does the emulated decision give the full run's answer? claims-triage and stall-demo, 200 worlds, -j 2.

    python benchmarks/bench_decide.py [--samples 200] [--jobs 2]

For each scenario, ``decide`` runs twice in fresh folders: as it does by default (a first batch of worlds, then a
Gaussian-process emulator with full runs of every world it is unsure of) and with ``--full`` (every world run).
It prints what the answers must share — the probability each design is best (within 2 points), EVPI (within
10 %), the input to measure first and the board sentence — with the wall and CPU time of each. Then the EVPPI
estimator is checked on synthetic draws: a driver's share of EVPI should not depend on the sample size, an inert
input's should stay near zero.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import scalesim
from scalesim.experiment import voi

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_decision(path: Path, samples: int, jobs: int, full: bool) -> tuple[dict[str, Any], float, float]:
    with tempfile.TemporaryDirectory() as folder:
        started, before = time.perf_counter(), cpu()
        data = scalesim.decide(path, samples=samples, jobs=jobs, full=full, out=folder).to_dict()
        return data, time.perf_counter() - started, cpu() - before


def leader(data: dict[str, Any]) -> str:
    inputs = [item for item in data["evppi"] if item["kind"] == "input"]
    material = [item for item in inputs if item["share_of_evpi"] >= 0.05]
    return material[0]["label"] if material else "(none material)"


def compare(name: str, samples: int, jobs: int) -> None:
    path = SCENARIOS / f"{name}.yaml"
    fast, fast_wall, fast_cpu = timed_decision(path, samples, jobs, full=False)
    full, full_wall, full_cpu = timed_decision(path, samples, jobs, full=True)
    print(f"\n{name}: {samples} worlds, -j {jobs}")
    print(f"  emulated: simulated {fast['simulated_worlds']} worlds, wall {fast_wall:.0f} s, CPU {fast_cpu:.0f} s")
    print(f"  full:     simulated {full['simulated_worlds']} worlds, wall {full_wall:.0f} s, CPU {full_cpu:.0f} s")
    for design in full["design_names"]:
        a, b = fast["designs"][design]["probability_best"], full["designs"][design]["probability_best"]
        print(
            f"  P(best) {design:<12} {a:6.1%} vs {b:6.1%}  {'ok' if abs(a - b) <= 0.02 else 'MISS'} (within 2 points)"
        )
    gap = abs(fast["evpi"] - full["evpi"]) / full["evpi"] if full["evpi"] else abs(fast["evpi"])
    print(
        f"  EVPI {fast['evpi']:,.0f} vs {full['evpi']:,.0f}: {gap:.1%} {'ok' if gap <= 0.10 else 'MISS'} (within 10%)"
    )
    same = leader(fast) == leader(full)
    print(f"  measure first: {leader(fast)} vs {leader(full)}: {'ok' if same else 'MISS'}")
    print(f"  emulated: {fast['headline']}\n  full:     {full['headline']}")


def estimator_check(rng: np.random.Generator) -> None:
    print("\nEVPPI estimator on synthetic draws (noise sd 1, driver effect +-1.5; 200 repeats):")
    print(f"{'draws':>6} {'driver share of EVPI':>22} {'inert share: mean':>18} {'p90':>6}")
    for n in (32, 64, 200):
        driver, inert = [], []
        for _ in range(200):
            x = rng.random((n, 2))
            delta = rng.normal(0, 1, n) + 3 * (x[:, 0] - 0.5)
            nb = np.column_stack([np.zeros(n), delta])
            total = voi.evpi(nb)
            driver.append(voi.evppi(nb, x[:, [0]]) / total)
            inert.append(voi.evppi(nb, x[:, [1]]) / total)
        print(f"{n:>6} {np.mean(driver):>22.3f} {np.mean(inert):>18.3f} {np.percentile(inert, 90):>6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    for name in ("claims-triage", "stall-demo"):
        compare(name, args.samples, args.jobs)
    estimator_check(np.random.default_rng(11))


if __name__ == "__main__":
    main()
