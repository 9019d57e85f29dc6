"""Production retention per design, from the operations model, so a lever means the same thing at both levels.

The operations scenario named by the portfolio runs once per distinct design (a few replications on common
random numbers); the mean retention is reused for every initiative with that design.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from scalesim.errors import ScenarioError
from scalesim.experiment.tasks import replication_seed
from scalesim.ops.run import simulate
from scalesim.portfolio.schema import PortfolioScenario
from scalesim.scenario.load import load_scenario


def retention_by_design(spec: PortfolioScenario, base_dir: Path) -> dict[str, float]:
    link = spec.operations
    path = (base_dir / link.scenario).resolve()
    designs = tuple(dict.fromkeys(rule.design for rule in link.rules))
    return dict(_retention(str(path), designs, link.days, link.replications))


@lru_cache(maxsize=32)
def _retention(path: str, designs: tuple[str, ...], days: float, replications: int) -> tuple[tuple[str, float], ...]:
    scenario = load_scenario(path, [f"run.horizon_days={days}"])
    unknown = [d for d in designs if d not in scenario.designs]
    if unknown:
        raise ScenarioError(
            f"operations.rules: design {unknown[0]!r} is not in {path}; designs there: {', '.join(scenario.designs)}"
        )
    values: dict[str, list[float]] = {d: [] for d in designs}
    for r in range(replications):
        result = simulate(scenario, designs, replication_seed(scenario.run.seed, r))
        for d in designs:
            summary = result.design_summary(d)
            if summary["retention"] is None:
                raise ScenarioError(f"operations.rules: design {d!r} of {path}: retention {summary['retention_note']}")
            values[d].append(summary["retention"])
    return tuple((d, float(np.mean(v))) for d, v in values.items())
