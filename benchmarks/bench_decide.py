"""A decision analysis of claims-triage (both designs, a production year per world) with -j 2, against one plain
run of the same scenario measured in the same process, and what dominates its cost.

    python benchmarks/bench_decide.py [--samples 200] [--jobs 2] [--days 365]

The reference is one world's work done directly (``simulate``: the pilot and both designs, one replication);
the decision's per-world cost divided by it says what the outer loop, the store and the analysis add. The
analysis (probabilities, EVPI, every EVPPI regression at N and N/2) is timed on its own. Then the EVPPI estimator
is checked on synthetic draws: a driver's share of EVPI should not depend on the sample size, an inert input's
should stay near zero.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import scalesim
from scalesim.experiment import voi
from scalesim.ops.run import simulate
from scalesim.report.text import decision_summary

CLAIMS = Path(__file__).resolve().parents[1] / "scenarios" / "claims-triage.yaml"


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
    parser.add_argument("--days", type=float, default=365)
    args = parser.parse_args()
    scenario = scalesim.resolve(CLAIMS, days=args.days)
    start = time.perf_counter()
    simulate(scenario)
    one_world = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        decision = scalesim.decide(scenario, samples=args.samples, jobs=args.jobs, out=out)
        wall = time.perf_counter() - start
        start = time.perf_counter()
        data = decision.to_dict()
        analysis = time.perf_counter() - start
    per_world = wall * args.jobs / args.samples
    print(f"claims-triage, {args.samples} worlds x 2 designs, {args.days:g} days, -j {args.jobs}")
    print(f"{'':<44} {'seconds':>9}")
    print(f"{'whole decision analysis (wall)':<44} {wall:>9.1f}")
    print(f"{'  of which the analysis (EVPI, EVPPI at N and N/2)':<44} {analysis:>9.2f}")
    print(f"{'one world, plain simulate (reference)':<44} {one_world:>9.2f}")
    print(f"{'one world inside decide (wall x jobs / worlds)':<44} {per_world:>9.2f}")
    print(
        f"cost per world against the plain run: {per_world / one_world:.2f}x; "
        f"under 5 minutes: {'yes' if wall < 300 else 'no'}"
    )
    print("\n" + decision_summary(data))
    estimator_check(np.random.default_rng(2026))


if __name__ == "__main__":
    main()
