"""The library calls behind the CLI, so notebooks and programs take the same path as the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.experiment.experiment import METRICS, ExperimentResult, ExperimentSpec, Kind, run_experiment
from scalesim.experiment.sensitivity import Method, analyse, sample
from scalesim.ops.check import ANNOUNCE_SECONDS, DEFAULT_MAX_CASES, check_size
from scalesim.ops.result import RunResult
from scalesim.ops.run import select_designs, simulate
from scalesim.portfolio.experiment import PortfolioResult, run_portfolio
from scalesim.portfolio.link import retention_by_design
from scalesim.portfolio.load import load_portfolio
from scalesim.scenario.load import apply_override, load_scenario, validate
from scalesim.scenario.schema import Scenario, Sensitivity


def resolve(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
) -> Scenario:
    """Load (if a path) and apply overrides; ``seed`` and ``days`` are overrides of ``run.seed``/``run.horizon_days``.

    They go through the same validation as the file, so ``--days -3`` is reported like a bad field.
    """
    items = list(overrides)
    if seed is not None:
        items.append(f"run.seed={seed}")
    if days is not None:
        items.append(f"run.horizon_days={days}")
    if isinstance(scenario, Scenario):
        raw = scenario.model_dump(mode="json", by_alias=True)
        for item in items:
            apply_override(raw, item)
        return validate(raw, source=f"scenario {scenario.name!r}") if items else scenario
    return load_scenario(scenario, items)


def run(
    scenario: str | Path | Scenario,
    designs: Iterable[str] | None = None,
    *,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    max_cases: int = DEFAULT_MAX_CASES,
) -> RunResult:
    """Run the pilot and each design's production environment over the same cases (one replication).

    Refused (:class:`ScenarioError`) if the pilot cannot serve its cases or the run would exceed ``max_cases``.
    """
    resolved = resolve(scenario, seed=seed, days=days, overrides=overrides)
    check_size(resolved, select_designs(resolved, designs), max_cases)
    return simulate(resolved, designs)


def experiment(
    kind: Kind,
    scenario: str | Path | Scenario,
    designs: Iterable[str] | None = None,
    *,
    replications: int = 10,
    grid: dict[str, list[Any]] | None = None,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = True,
    precision: float | None = None,
    key_metric: str = "retention",
    max_replications: int = 200,
    max_cases: int = DEFAULT_MAX_CASES,
    command: list[str] | None = None,
    announce: Callable[[str], None] | None = None,
) -> ExperimentResult:
    """Run (or resume) an experiment: designs x replications (x grid points), stored under ``out``.

    ``announce`` receives one line with the expected size before a long experiment starts.
    """
    resolved = resolve(scenario, seed=seed, days=days, overrides=overrides)
    names = tuple(select_designs(resolved, designs))
    if kind == "compare" and len(names) < 2:
        raise ScenarioError(
            f"compare needs at least two designs, got {', '.join(names)}; scenario {resolved.name!r} has: "
            f"{', '.join(resolved.designs)} (use run for a single design)"
        )
    if kind == "sweep" and not grid:
        raise ScenarioError("sweep: give at least one --grid path=v1,v2,... (or a sweep file with a grid)")
    if replications < 2:
        raise ScenarioError(f"--replications {replications}: need at least 2 for a confidence interval")
    if key_metric not in METRICS:
        raise ScenarioError(f"--key {key_metric!r}: not a reported figure; choose one of {', '.join(METRICS)}")
    if precision is not None and not 0 < precision < 1:
        raise ScenarioError(f"--precision {precision}: must be a share between 0 and 1, e.g. 0.05")
    spec = ExperimentSpec(kind, resolved, names, replications, dict(grid or {}), keep_weekly=kind != "sweep")
    size = check_size(resolved, names, max_cases)
    runs = len(spec.points()) * replications
    if announce is not None and size.seconds * runs > ANNOUNCE_SECONDS:
        announce(f"{resolved.name}: {runs} runs, each {size.describe()}")
    return run_experiment(
        spec,
        out,
        jobs=jobs,
        scheduler=scheduler,
        quiet=quiet,
        command=command,
        precision=precision,
        key_metric=key_metric,
        max_replications=max_replications,
    )


def replicate(
    scenario: str | Path | Scenario, designs: Iterable[str] | None = None, **options: Any
) -> ExperimentResult:
    """Replications of a run: every figure with a mean and a 95% confidence interval."""
    return experiment("run", scenario, designs, **options)


def compare(scenario: str | Path | Scenario, designs: Iterable[str] | None = None, **options: Any) -> ExperimentResult:
    """Designs on common random numbers, with paired differences against the first design."""
    return experiment("compare", scenario, designs, **options)


def sweep(
    scenario: str | Path | Scenario, grid: dict[str, list[Any]], designs: Iterable[str] | None = None, **options: Any
) -> ExperimentResult:
    """The full grid x designs x replications; one row per run in ``result.runs``."""
    return experiment("sweep", scenario, designs, grid=grid, **options)


def portfolio_experiment(
    scenario: str | Path,
    *,
    replications: int = 20,
    years: float | None = None,
    seed: int | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = True,
    command: list[str] | None = None,
) -> PortfolioResult:
    """Replications of a portfolio scenario: the funnel, conversion, time to production, money and value."""
    items = list(overrides)
    if years is not None:
        items.append(f"run.years={years}")
    if seed is not None:
        items.append(f"run.seed={seed}")
    spec = load_portfolio(scenario, items)
    if replications < 2:
        raise ScenarioError(f"--replications {replications}: need at least 2 for a confidence interval")
    retention = retention_by_design(spec, Path(scenario).resolve().parent)
    return run_portfolio(
        spec, retention, replications, out, jobs=jobs, scheduler=scheduler, quiet=quiet, command=command
    )


@dataclass
class SensitivityResult:
    """The ranked table of a sensitivity analysis, with the experiment behind it."""

    method: Method
    spec: Sensitivity
    table: pd.DataFrame
    experiment: ExperimentResult
    runs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "sensitivity",
            "method": self.method,
            "scenario": self.experiment.spec.scenario.name,
            "design": self.spec.design,
            "key": self.spec.key,
            "points": len(self.experiment.spec.explicit_points),
            "replications": self.experiment.replications,
            "model_runs": self.runs,
            "table": self.table.to_dict(orient="records"),
        }


def sensitivity(
    scenario: str | Path | Scenario,
    method: Method = "morris",
    *,
    samples: int = 16,
    replications: int = 1,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = True,
    announce: Callable[[str], None] | None = None,
    command: list[str] | None = None,
) -> SensitivityResult:
    """Rank the scenario's ``sensitivity.parameters`` by their effect on ``sensitivity.key`` for its design.

    ``announce`` receives one line with the number of model runs before any run starts.
    """
    resolved = resolve(scenario, seed=seed, days=days, overrides=overrides)
    spec = resolved.sensitivity
    if spec is None:
        raise ScenarioError(
            f"scenario {resolved.name!r} has no 'sensitivity' block: add one with design, key and "
            "parameters (see docs/how-to/sensitivity.md)"
        )
    if spec.key not in METRICS:
        raise ScenarioError(f"sensitivity.key {spec.key!r}: not a reported figure; choose one of {', '.join(METRICS)}")
    if method != "oat" and samples < 2:
        raise ScenarioError(f"--samples {samples}: {method} needs at least 2")
    design = sample(method, spec, samples, resolved.run.seed)
    runs = len(design.points) * replications
    if announce is not None:
        announce(
            f"{method}: {len(spec.parameters)} parameters, {len(design.points)} sample points x "
            f"{replications} replication(s) = {runs} model runs"
        )
    exp_spec = ExperimentSpec(
        "sensitivity",
        resolved,
        (spec.design,),
        max(replications, 1),
        keep_weekly=False,
        explicit_points=tuple(design.points),
    )
    result = run_experiment(exp_spec, out, jobs=jobs, scheduler=scheduler, quiet=quiet, command=command)
    y = result.runs.groupby("point", sort=True)[spec.key].mean().to_numpy(float)
    table = analyse(method, spec, design, y, resolved.run.seed)
    return SensitivityResult(method, spec, table, result, runs)
