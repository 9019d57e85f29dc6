"""Sensitivity analysis: which lever and which assumption move the key figure most.

Samplers and estimators are SALib's (Morris elementary effects, Sobol' indices with bootstrap confidence
intervals); one-at-a-time (OAT) low/high swings need no library. Every sample point is a run of the experiment
layer, so runs are parallel, resumable and stored like any experiment; all points share replication seeds
(common random numbers), so the differences between points are the parameters', not the noise's.
A discrete lever (``values``) is sampled as a continuous index in [0, k) and rounded down to an option.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from scalesim.errors import ScenarioError
from scalesim.experiment import atomic
from scalesim.experiment.executors import Runner
from scalesim.experiment.experiment import METRICS, ExperimentResult, ExperimentSpec, freeze_points, run_experiment
from scalesim.experiment.store import Writer, finish
from scalesim.limits import DEFAULT_MAX_RUNS
from scalesim.ops.check import Batch, check_batch, estimate
from scalesim.scenario.load import check_analyses
from scalesim.scenario.schema import Scenario, Sensitivity, UncertainParameter

Method = Literal["oat", "morris", "sobol"]
MORRIS_LEVELS = 4


def problem(spec: Sensitivity) -> dict[str, Any]:
    """SALib's problem definition: names and bounds (a discrete lever spans [0, number of options])."""
    bounds = [
        [0.0, float(len(p.values))] if p.values is not None else [p.low, p.high] for p in spec.parameters.values()
    ]
    return {"num_vars": len(spec.parameters), "names": list(spec.parameters), "bounds": bounds}


def to_value(parameter: UncertainParameter, x: float) -> Any:
    if parameter.values is not None:
        return parameter.values[min(int(x), len(parameter.values) - 1)]
    return float(x)


def model_runs(method: Method, spec: Sensitivity, samples: int) -> int:
    """How many points a method evaluates (each point is one run per replication)."""
    n = len(spec.parameters)
    if method == "oat":  # the baseline, then each range at low and high, each lever at each option
        return 1 + sum(len(p.values) if p.values is not None else 2 for p in spec.parameters.values())
    return samples * (n + 1) if method == "morris" else samples * (n + 2)


@dataclass(frozen=True)
class SamplePlan:
    """The sample: SALib's matrix X (empty for OAT) and, for every row, the field values to run."""

    x: np.ndarray
    points: list[dict[str, Any]]


def sample(method: Method, spec: Sensitivity, samples: int, seed: int) -> SamplePlan:
    params = spec.parameters
    if method == "oat":
        points: list[dict[str, Any]] = [{}]
        for path, p in params.items():
            options = p.values if p.values is not None else [p.low, p.high]
            points += [{path: value} for value in options]
        return SamplePlan(np.empty((0, len(params))), points)
    prob = problem(spec)
    if method == "morris":
        x = morris_sample.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        x = sobol_sample.sample(prob, samples, calc_second_order=False, seed=seed)
    names = list(params)
    return SamplePlan(x, [{n: to_value(params[n], v) for n, v in zip(names, row, strict=True)} for row in x])


def analyse(method: Method, spec: Sensitivity, plan: SamplePlan, y: np.ndarray, seed: int) -> pd.DataFrame:
    """A table ranked by influence on the key figure, most influential first."""
    names = list(spec.parameters)
    if method == "oat":
        base = float(y[0])
        rows, i = [], 1
        for path, p in spec.parameters.items():
            k = len(p.values) if p.values is not None else 2
            ys = y[i : i + k]
            options = p.values if p.values is not None else [p.low, p.high]
            moved = ys.max() > ys.min()
            low, high = (int(np.argmin(ys)), int(np.argmax(ys))) if moved else (0, len(options) - 1)
            rows.append(
                {
                    "parameter": path,
                    "low": options[low],
                    "high": options[high],
                    "key_at_low": float(ys.min()),
                    "key_at_high": float(ys.max()),
                    "baseline": base,
                    "swing": float(ys.max() - ys.min()),
                }
            )
            i += k
        return pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    prob = problem(spec)
    if method == "morris":
        res = morris_analyze.analyze(prob, plan.x, y, num_levels=MORRIS_LEVELS, seed=seed)
        table = pd.DataFrame(
            {
                "parameter": names,
                "mu_star": res["mu_star"],
                "mu_star_conf": res["mu_star_conf"],
                "sigma": res["sigma"],
                "mu": res["mu"],
            }
        )
        return table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    res = sobol_analyze.analyze(prob, y, calc_second_order=False, seed=seed)
    table = pd.DataFrame(
        {"parameter": names, "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]}
    )
    return table.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class SensitivityResult:
    """The ranked table of a sensitivity analysis, with the experiment behind it."""

    method: Method
    spec: Sensitivity
    table: pd.DataFrame
    experiment: ExperimentResult
    runs: int
    samples_run: int = 0  # trajectories (Morris) or base samples (Sobol') that ran: fewer than asked on a budget
    samples_asked: int = 0

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
            "samples_run": self.samples_run,
            "samples_asked": self.samples_asked,
            "table": self.table.to_dict(orient="records"),
        }

    @property
    def table_name(self) -> str:
        return f"sensitivity-{self.method}.csv"

    def write(self, folder: Path, manifest: dict[str, Any]) -> None:
        """The ranked table, ``sensitivity-<method>.csv``, next to the runs behind it."""
        atomic.write_text(folder / self.table_name, self.table.to_csv(index=False))

    def reanalysed(self) -> pd.DataFrame:
        """The ranking derived again from the stored runs and the method's sample (drawn again from the seed)."""
        scenario = self.experiment.spec.scenario
        plan = sample(self.method, self.spec, self.samples_asked, scenario.run.seed)
        rows = self.runs // max(self.experiment.replications, 1)
        y = self.experiment.runs.groupby("point", sort=True)[self.spec.key].mean().to_numpy(float)
        return analyse(self.method, self.spec, SamplePlan(plan.x[:rows], plan.points[:rows]), y, scenario.run.seed)

    @classmethod
    def load(cls, folder: str | Path, manifest: dict[str, Any] | None = None) -> SensitivityResult:
        """The analysis stored in ``folder`` (written by :func:`run_sensitivity`)."""
        experiment = ExperimentResult.load(folder, manifest)
        details = experiment.manifest["details"]
        spec = experiment.spec.scenario.sensitivity
        assert spec is not None  # a sensitivity folder's scenario was checked to have one
        method: Method = details["method"]
        table = pd.read_csv(experiment.folder / f"sensitivity-{method}.csv")
        return cls(
            method, spec, table, experiment, len(experiment.runs), details["samples_run"], details["samples_asked"]
        )


def run_sensitivity(
    scenario: Scenario,
    method: Method,
    samples: int,
    replications: int,
    out: str | Path,
    runner: Runner,
    command: Sequence[str],
    announce: Callable[[str], None] | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
    budget: float | None = None,
    writers: Sequence[Writer] = (),
    sources: dict[str, str] | None = None,
) -> SensitivityResult:
    """Rank the scenario's ``sensitivity.parameters`` by their effect on ``sensitivity.key`` for its design.

    ``announce`` receives one line with the number of model runs before any run starts. With ``budget``
    (seconds), Morris trajectories (or Sobol' base samples) run a batch at a time until it is spent, and the
    ranking is of those that ran: each is a whole sample of the method's design, so the analysis is the method's
    own on fewer samples, and its confidence intervals say how precise it is.
    """
    started = time.monotonic()
    spec = scenario.sensitivity
    if spec is None:
        raise ScenarioError(
            f"scenario {scenario.name!r} has no 'sensitivity' block: add one with design, key and "
            "parameters (see docs/how-to/sensitivity.md)"
        )
    check_analyses(scenario, scenario.name, ("sensitivity",))
    if spec.key not in METRICS:
        raise ScenarioError(f"sensitivity.key {spec.key!r}: not a reported figure; choose one of {', '.join(METRICS)}")
    if method != "oat" and samples < 2:
        raise ScenarioError(f"--samples {samples}: {method} needs at least 2")
    points = model_runs(method, spec, samples)
    what = (
        f"sensitivity --samples {samples:,}: {method} of {len(spec.parameters)} parameters, {points:,} points x "
        f"{replications} replication(s)"
    )
    cost = Batch(what, points * replications, estimate(scenario, [spec.design]).seconds, runner.workers)
    check_batch(cost, max_runs, points * replications, announce)
    plan = sample(method, spec, samples, scenario.run.seed)
    exp_spec = ExperimentSpec(
        "sensitivity",
        scenario,
        (spec.design,),
        max(replications, 1),
        keep_weekly=False,
        explicit_points=freeze_points(plan.points),
    )
    exp_spec.largest_run()  # a sampled horizon or rate must not make one run too big to finish
    size = len(spec.parameters) + (1 if method == "morris" else 2)  # rows of one trajectory or base sample
    groups = len(plan.points) // size if method != "oat" else 1
    batch = groups if budget is None or method == "oat" else max(1, groups // 8)
    ran = 0
    while True:
        ran = min(groups, ran + batch)
        rows = ran * size if method != "oat" else len(plan.points)
        details = {"method": method, "samples_asked": groups, "samples_run": ran, "sources": sources or {}}
        result = run_experiment(exp_spec, out, runner, command, only=range(rows), details=details, last=False)
        if ran >= groups or (budget is not None and time.monotonic() - started > budget):
            break
    y = result.runs.groupby("point", sort=True)[spec.key].mean().to_numpy(float)
    done = SamplePlan(plan.x[:rows], plan.points[:rows])
    table = analyse(method, spec, done, y, scenario.run.seed)
    analysis = SensitivityResult(method, spec, table, result, rows * max(replications, 1), ran, groups)
    finish(result.folder, result.manifest, [analysis.write, *writers])
    return analysis
