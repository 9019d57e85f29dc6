"""Portfolio replications through the experiment layer: same executors, same store, same statistics.

Also the link between the two models: an initiative's production retention is the operations model's retention
for the design its readiness implies. The operations scenario named by the portfolio runs once per distinct
design (a few replications on common random numbers) and the mean is reused for every initiative with that
design. It lives here, not in the portfolio package, because it *runs* a model: the models import nothing above
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.experiment.executors import Runner
from scalesim.experiment.parts import PartStore, complete
from scalesim.experiment.stats import CONFIDENCE, mean_ci, paired_difference
from scalesim.experiment.store import finish, new_manifest, read_manifest, result_folder
from scalesim.experiment.tasks import TaskOutput, replication_seed, task_key
from scalesim.ops.run import simulate
from scalesim.portfolio.measures import FIGURES, archive_series, figures, simulate_portfolio
from scalesim.portfolio.schema import PortfolioScenario
from scalesim.scenario.load import load_scenario

SERIES, PERIOD = "monthly", "month"


def retention_by_design(spec: PortfolioScenario, base_dir: Path) -> dict[str, float]:
    """Each design's mean retention from the operations scenario the portfolio names (relative to ``base_dir``)."""
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


@dataclass(frozen=True)
class PortfolioTask:
    replication: int
    scenario: PortfolioScenario
    retention: tuple[tuple[str, float], ...]

    @property
    def key(self) -> str:
        return task_key(0, self.replication)


def execute_portfolio(task: PortfolioTask) -> TaskOutput:
    """One replication of a portfolio (a module-level function, so worker processes can run it)."""
    spec = task.scenario
    initiatives = simulate_portfolio(spec, dict(task.retention), replication_seed(spec.run.seed, task.replication))
    row = {"key": task.key, "replication": task.replication, "design": spec.name} | figures(spec, initiatives)
    series = archive_series(spec, initiatives).assign(replication=task.replication, design=spec.name)
    table = pd.DataFrame([vars(x) for x in initiatives]).drop(columns="waits")
    table.insert(0, "initiative", range(len(table)))
    table.insert(0, "replication", task.replication)
    return TaskOutput(task.key, pd.DataFrame([row]), series, {"initiatives": table})


@dataclass(frozen=True)
class PortfolioResult:
    """Every replication of a portfolio scenario: figures per replication, monthly series, initiatives."""

    scenario: PortfolioScenario
    retention: dict[str, float]
    folder: Path
    runs: pd.DataFrame
    monthly: pd.DataFrame
    initiatives: pd.DataFrame
    ran: int
    confidence: float = CONFIDENCE

    @classmethod
    def load(cls, folder: str | Path) -> PortfolioResult:
        """The result stored in ``folder`` (written by :func:`run_portfolio`)."""
        folder = Path(folder)
        manifest = read_manifest(folder)
        if manifest["kind"] != "portfolio":
            raise ScenarioError(f"{folder}: holds a {manifest['kind']} result, not a portfolio")
        return cls(
            PortfolioScenario.model_validate(manifest["resolved_scenario"]),
            manifest["details"]["retention_by_design"],
            folder,
            pd.read_parquet(folder / "runs.parquet"),
            pd.read_parquet(folder / f"{SERIES}.parquet"),
            pd.read_parquet(folder / "initiatives.parquet"),
            ran=0,
            confidence=manifest["details"]["confidence"],
        )

    def summary(self) -> dict[str, Any]:
        return {name: mean_ci(self.runs[name].to_numpy(float)) for name in FIGURES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "portfolio",
            "scenario": self.scenario.name,
            "seed": self.scenario.run.seed,
            "replications": len(self.runs),
            "confidence": self.confidence,
            "currency": self.scenario.currency,
            "years": self.scenario.run.years,
            "retention_by_design": self.retention,
            "figures": self.summary(),
        }


def compare_portfolios(a: PortfolioResult, b: PortfolioResult) -> list[dict[str, Any]]:
    """Paired differences b - a per figure, replication by replication (the same proposals and draws)."""
    merged = a.runs.merge(b.runs, on="replication", suffixes=("_a", "_b"))
    return [
        {
            "figure": f,
            "baseline": a.scenario.name,
            "scenario": b.scenario.name,
            **paired_difference(merged[f"{f}_a"].to_numpy(float), merged[f"{f}_b"].to_numpy(float)),
        }
        for f in FIGURES
    ]


def run_portfolio(
    spec: PortfolioScenario,
    retention: dict[str, float],
    replications: int,
    out: str | Path,
    runner: Runner,
    command: Sequence[str],
) -> PortfolioResult:
    """Run (or resume) ``replications`` of a portfolio and store them."""
    resolved = spec.model_dump(mode="json", by_alias=True)
    folder = result_folder(out, spec.name, "portfolio", {"scenario": resolved, "retention": retention})
    store = PartStore(folder, SERIES, PERIOD)
    tasks = [PortfolioTask(r, spec, tuple(retention.items())) for r in range(replications)]
    runs, monthly, tables, ran = complete(
        store, tasks, runner, fn=execute_portfolio, label="portfolio", extra={"initiatives": ["initiative"]}
    )
    runs = runs[runs["replication"] < replications].reset_index(drop=True)
    monthly = monthly[monthly["replication"] < replications].reset_index(drop=True)
    initiatives = tables["initiatives"]
    initiatives = initiatives[initiatives["replication"] < replications].reset_index(drop=True)
    manifest = new_manifest(
        "portfolio",
        spec.name,
        resolved,
        seed=spec.run.seed,
        replications=replications,
        designs=list(retention),
        command=command,
        executor=runner.describe(),
        details={"retention_by_design": retention, "confidence": CONFIDENCE},
    )
    finish(folder, manifest)
    return PortfolioResult(spec, retention, folder, runs, monthly, initiatives, ran)
