"""What each mechanism of a life in production does to the bundled portfolios' survival (issue 38).

The bundled status quo and production-first portfolios, 20 replications each on the same proposals, as written and
with one mechanism switched off at a time: the owner leaving, rescue, keeping systems at low value, monitoring in
the redesign, drift. Mechanisms of a life (the first three) reuse the drawn operations; monitoring and drift change
the operations, which are drawn again from the same streams (drift's range is set to almost nothing, so every
other field draws the same values). Prints survival 1 / 2 / 3 years after go-live (mean over replications) per variant.

    python benchmarks/portfolio_attribution.py [--replications 20] [-j 2]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from scalesim.experiment.executors import Runner
from scalesim.experiment.portfolio import operations_by_design
from scalesim.experiment.tasks import replication_seed
from scalesim.portfolio import load_portfolio
from scalesim.portfolio.measures import SURVIVAL_FIGURES, figures, simulate_portfolio
from scalesim.portfolio.schema import PortfolioScenario
from scalesim.scenario.schema import UncertainParameter

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
PRACTICES = ("portfolio-status-quo", "portfolio-production-first")
DRIFT = "production.dynamics.drift.per_year"
OWNER, RESCUE, KEEP = "life.owner_lost_per_year=0", "life.rescue_probability=0", "review.decommission_probability=1"
LIFE = {
    "as bundled": [],
    "owner never leaves": [OWNER],
    "no rescue": [RESCUE],
    "every failing review decommissions": [KEEP],
    "none of the three": [OWNER, RESCUE, KEEP],
}


def without(spec: PortfolioScenario, what: str) -> PortfolioScenario:
    """The portfolio with monitoring (the fixed fields) or drift (its range set to zero) taken out of every use
    case's operations."""
    links = []
    for link in spec.use_cases:
        if what == "monitoring":
            links.append(link.model_copy(update={"fixed": {}}))
        else:
            # a range of (almost) nothing: one uniform draw each, as before, so every other field draws the same
            vary = dict(link.vary) | {DRIFT: UncertainParameter(low=0.0, high=1e-12)}
            links.append(link.model_copy(update={"vary": vary}))
    return spec.model_copy(update={"operations": links})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    runner = Runner(args.jobs)
    print("| variant | practice | survival 1 / 2 / 3 years | delivering | retired | relaunched | lost owner |")
    print("|---|---|---|---|---|---|---|")
    rows = [(label, sets, None) for label, sets in LIFE.items()]
    rows += [("no monitoring in the redesign", [], "monitoring"), ("no drift", [], "drift")]
    for label, sets, taken in rows:
        for name in PRACTICES:
            spec = load_portfolio(SCENARIOS / f"{name}.yaml", sets)
            spec = spec if taken is None else without(spec, taken)
            operations = operations_by_design(spec, SCENARIOS, runner)
            runs = [
                figures(spec, simulate_portfolio(spec, operations, replication_seed(spec.run.seed, r)))
                for r in range(args.replications)
            ]

            def mean(key: str, runs: list[dict[str, float]] = runs) -> float:
                values = np.array([run[key] for run in runs], dtype=float)
                return float(values[~np.isnan(values)].mean()) if (~np.isnan(values)).any() else math.nan

            survival = " / ".join(f"{100 * mean(f):.1f} %" for f in SURVIVAL_FIGURES)
            counts = " | ".join(f"{mean(k):.1f}" for k in ("delivering", "retired", "relaunched", "owner_lost"))
            print(f"| {label} | {name.removeprefix('portfolio-')} | {survival} | {counts} |", flush=True)


if __name__ == "__main__":
    main()
