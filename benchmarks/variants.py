"""How much a portfolio's survival depends on which operations were drawn, by the number of variants (issue 38).

Every initiative in production lives one of its use case's drawn operations (``operations.variants`` per design).
The intervals a portfolio prints are over replications *given* those operations. This measures the other part:
a pool of ``--pool`` operations per use case is run once (the bundled files' draws, their seeds), split into
disjoint sets of V variants (V = 3, 6, 12, ...), and each set is lived by the same replications of the same
proposals. The standard deviation of a figure across the sets is what a different draw of V operations moves it;
it is printed next to the replications' own standard error, for both bundled practices, and next to what the
grouped jackknife a portfolio prints (``operations_error``) estimates from each set alone (its standard error:
the printed half-width over Student's t).

    python benchmarks/variants.py [--pool 48] [--replications 20] [-j 2]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from scalesim.experiment.executors import Runner
from scalesim.experiment.portfolio import operations_by_design, operations_error
from scalesim.experiment.stats import mean_ci
from scalesim.experiment.tasks import replication_seed
from scalesim.portfolio import load_portfolio
from scalesim.portfolio.measures import figures, initiative_frame, simulate_portfolio

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
PRACTICES = ("portfolio-status-quo", "portfolio-production-first")
SHOWN = ("survival_1y", "survival_2y", "survival_3y")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=48)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    sizes = [v for v in (3, 6, 12, 24) if 2 * v <= args.pool]
    print(f"a pool of {args.pool} operations per use case and design; {args.replications} replications per set\n")
    print(
        "| practice | figure | V | sets | mean | sd across sets | jackknife's standard error (mean over sets) "
        "| replications' standard error |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in PRACTICES:
        path = SCENARIOS / f"{name}.yaml"
        links = load_portfolio(path).use_cases
        sets = [f"operations.{k}.variants={args.pool}" for k in range(len(links))]
        spec = load_portfolio(path, sets)
        pool = operations_by_design(spec, SCENARIOS, Runner(args.jobs))
        for v in sizes:
            per_set: dict[str, list[float]] = {f: [] for f in SHOWN}
            errors: dict[str, list[float]] = {f: [] for f in SHOWN}
            jackknifed: dict[str, list[float]] = {f: [] for f in SHOWN}
            for s in range(args.pool // v):
                chosen = {u: {d: ops[s * v : (s + 1) * v] for d, ops in by.items()} for u, by in pool.items()}
                seeds = [replication_seed(spec.run.seed, r) for r in range(args.replications)]
                lives = [simulate_portfolio(spec, chosen, seed) for seed in seeds]
                runs = [figures(spec, life) for life in lives]
                table = pd.concat(
                    [initiative_frame(life).assign(replication=r) for r, life in enumerate(lives)], ignore_index=True
                )
                t = float(stats.t.ppf(0.975, v - 1))
                for f, half in operations_error(table, v).items():
                    values = np.array([run[f] for run in runs], dtype=float)
                    ci = mean_ci(values)
                    per_set[f].append(ci["mean"])
                    errors[f].append(float(np.nanstd(values, ddof=1) / np.sqrt(ci["n"])))
                    jackknifed[f].append(half / t)
            for f in SHOWN:
                mean, spread = 100 * statistics.mean(per_set[f]), 100 * statistics.stdev(per_set[f])
                error, jack = 100 * statistics.mean(errors[f]), 100 * statistics.mean(jackknifed[f])
                cells = [name, f, str(v), str(len(per_set[f])), f"{mean:.1f} %", f"{spread:.2f} points"]
                print("| " + " | ".join([*cells, f"{jack:.2f} points", f"{error:.2f} points"]) + " |", flush=True)


if __name__ == "__main__":
    main()
