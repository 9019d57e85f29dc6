"""Portfolio replications through the experiment layer: same executors, same store, same statistics.

Also the link between the two models: an initiative in production lives one of the operations model's runs of
the design its readiness implies. Each use case's operations scenario runs ``variants`` times, each with its own
draw of the ``vary`` fields and its own seed, every design on common random numbers; the runs are shared by every
initiative and replication (each initiative picks one at random). It lives here, not in the
portfolio package, because it *runs* a model: the models import nothing above them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import stats

from scalesim.errors import ScenarioError
from scalesim.experiment.executors import Runner, run_tasks
from scalesim.experiment.parts import PartStore, complete
from scalesim.experiment.stats import CONFIDENCE, mean_ci, paired_difference
from scalesim.experiment.store import Writer, finish, new_manifest, read_manifest, result_folder
from scalesim.experiment.tasks import TaskOutput, replication_seed, task_key
from scalesim.ops.check import CASE_PASS_IN_PROBES, Batch, case_pass_seconds, estimate
from scalesim.ops.run import simulate
from scalesim.ops.streams import Streams
from scalesim.portfolio.measures import (
    FIGURES,
    SURVIVAL_DAYS,
    SURVIVAL_FIGURES,
    archive_series,
    figures,
    initiative_frame,
    simulate_portfolio,
    survival,
)
from scalesim.portfolio.model import Operation, Operations
from scalesim.portfolio.schema import OperationsLink, PortfolioScenario
from scalesim.scenario.load import load_scenario
from scalesim.scenario.schema import Scenario, UncertainParameter

SERIES, PERIOD = "monthly", "month"
T = TypeVar("T")


def operations_by_design(spec: PortfolioScenario, base_dir: Path, runner: Runner | None = None) -> Operations:
    """The operations each use case's designs may live, from the scenarios the portfolio names (relative to
    ``base_dir``). Every use case is checked (its scenario, designs and every end of every range) before the first
    (long) run starts, so a fault in the last one is found in seconds, not after the others ran. The runs go to
    ``runner``'s workers (this process without one); each variant has its own seed, so where they run never
    changes them. A use case already run in this process is not run again (a paired ``--against``)."""
    keys = [_key(link, base_dir, spec.run.seed) for link in spec.use_cases]
    planned = {key: _in_use_case(spec, k, partial(_plans, *key)) for k, key in enumerate(keys)}
    tasks = [
        OperationTask(key, variant, scenario, plan)
        for key, plans in planned.items()
        if key not in _RAN
        for variant, (scenario, plan) in enumerate(plans)
    ]
    runner = runner or Runner(1)
    outputs = sorted(run_tasks(tasks, runner.jobs, runner.scheduler, fn=execute_operation), key=lambda o: o[:2])
    for key in planned:
        if key not in _RAN:
            ran = [by for k, _, by in outputs if k == key]
            _RAN[key] = {d: tuple(by[d] for by in ran) for d in key[1]}
    while len(_RAN) > 32:  # a long-lived process (the app, a notebook) keeps the last few
        del _RAN[next(iter(_RAN))]
    return {link.name: dict(_RAN[key]) for link, key in zip(spec.use_cases, keys, strict=True)}


OperationsKey = tuple[str, tuple[str, ...], float, int, tuple[str, ...], tuple[tuple[str, str], ...], int]


def _key(link: OperationsLink, base_dir: Path, seed: int) -> OperationsKey:
    """What determines a use case's operations, hashable (they are cached on it)."""
    path = str((base_dir / link.scenario).resolve())
    fixed = tuple(f"{field}={json.dumps(value, sort_keys=True)}" for field, value in link.fixed.items())
    vary = tuple((field, json.dumps(p.model_dump(mode="json"), sort_keys=True)) for field, p in link.vary.items())
    return path, link.designs, link.days, link.variants, fixed, vary, seed


def _in_use_case(spec: PortfolioScenario, k: int, work: Callable[[], T]) -> T:
    """``work()``, its refusal naming the use case when the portfolio has several."""
    try:
        return work()
    except ScenarioError as error:
        if not isinstance(spec.operations, list):
            raise
        where = f"operations.{k} ({spec.use_cases[k].name}): "
        raise ScenarioError(where + str(error).removeprefix("operations: ").removeprefix("operations.")) from None


REPLICATION_IN_PROBES = 2.0
"""CPU of one portfolio replication (its initiatives over the years), in units of the machine probe
(:func:`scalesim.ops.check.probe`): ~0.05 s at a 26 ms probe for the bundled portfolios."""


def portfolio_batch(spec: PortfolioScenario, base_dir: Path, replications: int, workers: int) -> Batch:
    """What a portfolio will cost on this machine: its operations' production runs, then the replications, both on
    the workers. Every use case is checked first (as :func:`operations_by_design` does), so a fault is said
    before an estimate of work that will not run."""
    operations = 0.0
    for k, link in enumerate(spec.use_cases):
        planned = _in_use_case(spec, k, partial(_plans, *_key(link, base_dir, spec.run.seed)))
        operations += sum(estimate(scenario, list(link.designs)).seconds for scenario, _ in planned)
    per = REPLICATION_IN_PROBES * case_pass_seconds() / CASE_PASS_IN_PROBES
    drawn = " + ".join(
        f"{link.variants} {link.name} operations x {len(link.designs)} designs x {link.days:g} days"
        for link in spec.use_cases
    )
    what = f"portfolio {spec.name}: {drawn}, then {replications} replications"
    variants = sum(link.variants for link in spec.use_cases)
    return Batch(what, replications, per, workers, before_seconds=operations, before_tasks=variants)


OperationsData = dict[str, dict[str, list[dict[str, Any]]]]


def operations_as_data(operations: Operations) -> OperationsData:
    """The operations as JSON-ready data (the manifest keeps them, so a stored result re-runs without them)."""
    return {u: {d: [asdict(op) for op in ops] for d, ops in by.items()} for u, by in operations.items()}


def operations_from_data(data: OperationsData) -> Operations:
    return {
        u: {
            d: tuple(Operation(tuple(op["weekly_retention"]), op["stall_day"], op["verdict"]) for op in ops)
            for d, ops in by.items()
        }
        for u, by in data.items()
    }


def retention_by_design(operations: Operations) -> dict[str, dict[str, float]]:
    """Each use case's designs' mean retention over their operations (what the text output and report show)."""
    return {
        u: {d: float(np.mean([op.retention for op in ops])) for d, ops in by.items()} for u, by in operations.items()
    }


def stalls_by_design(operations: Operations) -> dict[str, dict[str, float]]:
    """Each use case's designs' share of operations that stalled."""
    return {
        u: {d: float(np.mean([op.stall_day is not None for op in ops])) for d, ops in by.items()}
        for u, by in operations.items()
    }


def _draw(rng: np.random.Generator, parameter: UncertainParameter) -> str:
    """One value of a ``vary`` field, as the text of an override."""
    if parameter.values is not None:
        return json.dumps(parameter.values[int(rng.integers(len(parameter.values)))])
    low, high = parameter.low, parameter.high
    assert low is not None and high is not None  # a range when there are no values (validated)
    return repr(float(rng.uniform(low, high)))


def _load(path: str, overrides: list[str]) -> Scenario:
    try:
        return load_scenario(path, overrides)
    except ScenarioError as error:
        raise ScenarioError(f"operations: {error}") from None


@lru_cache(maxsize=32)
def _plans(
    path: str,
    designs: tuple[str, ...],
    days: float,
    variants: int,
    fixed: tuple[str, ...],
    vary: tuple[tuple[str, str], ...],
    seed: int,
) -> tuple[tuple[Scenario, tuple[str, ...]], ...]:
    """Each variant's scenario and the overrides it drew, every end of every range and every draw checked."""
    rng = Streams(seed).generator("portfolio:operations")
    parameters = [(field, UncertainParameter.model_validate_json(text)) for field, text in vary]
    ends = [(field, end) for field, p in parameters for end in (p.values or [p.low, p.high])]
    for field, end in ends:
        _load(path, [*fixed, f"{field}={json.dumps(end)}"])
    plans = [tuple(f"{field}={_draw(rng, p)}" for field, p in parameters) for _ in range(variants)]
    drawn = [_load(path, [f"run.horizon_days={days}", *fixed, *plan]) for plan in plans]
    unknown = [d for d in designs if d not in drawn[0].designs]
    if unknown:
        raise ScenarioError(
            f"operations.rules: design {unknown[0]!r} is not in {path}; designs there: {', '.join(drawn[0].designs)}"
        )
    return tuple(zip(drawn, plans, strict=True))


_RAN: dict[OperationsKey, dict[str, tuple[Operation, ...]]] = {}
"""Operations run in this process, by what determines them."""


@dataclass(frozen=True)
class OperationTask:
    """One drawn operation of a use case: its scenario with the variant's draws, run for every design."""

    key: OperationsKey
    variant: int
    scenario: Scenario
    plan: tuple[str, ...]


def execute_operation(task: OperationTask) -> tuple[OperationsKey, int, dict[str, Operation]]:
    """Run one drawn operation (a module-level function, so worker processes can run it): each design's weekly
    retention over the pilot's value for the same cases, and its stall."""
    path, designs = task.key[0], task.key[1]  # (the fixed fields and the draws are in the task's scenario)
    result = simulate(task.scenario, designs, replication_seed(task.scenario.run.seed, task.variant))
    weekly = result.weekly_table()
    lived = {}
    for d in designs:
        rows = weekly[weekly["design"] == d]
        promised = float(rows["pilot_value"].mean())
        if not promised > 0:
            raise ScenarioError(
                f"operations.rules: design {d!r} of {path}: the pilot's value is not above zero "
                f"(operation {task.variant}: {', '.join(task.plan) or 'as written'}), so nothing can be retained"
            )
        stall = result.design_summary(d)["stall"]
        lived[d] = Operation(
            weekly_retention=tuple(float(v) for v in rows["production_value"] / promised),
            stall_day=stall["day"] if stall["verdict"] == "stalled" else None,
            verdict=(stall["reason"] if stall["verdict"] == "stalled" else None) or stall["verdict"],
        )
    return task.key, task.variant, lived


@dataclass(frozen=True)
class PortfolioTask:
    replication: int
    scenario: PortfolioScenario
    operations: Operations

    @property
    def key(self) -> str:
        return task_key(0, self.replication)


def execute_portfolio(task: PortfolioTask) -> TaskOutput:
    """One replication of a portfolio (a module-level function, so worker processes can run it)."""
    spec = task.scenario
    initiatives = simulate_portfolio(spec, task.operations, replication_seed(spec.run.seed, task.replication))
    row = {"key": task.key, "replication": task.replication, "design": spec.name} | figures(spec, initiatives)
    series = archive_series(spec, initiatives).assign(replication=task.replication, design=spec.name)
    table = initiative_frame(initiatives).drop(columns="waits")
    table.insert(0, "initiative", range(len(table)))
    table.insert(0, "replication", task.replication)
    return TaskOutput(task.key, pd.DataFrame([row]), series, {"initiatives": table})


@dataclass(frozen=True)
class PortfolioResult:
    """Every replication of a portfolio scenario: figures per replication, monthly series, initiatives."""

    scenario: PortfolioScenario
    operations: Operations
    folder: Path
    runs: pd.DataFrame
    monthly: pd.DataFrame
    initiatives: pd.DataFrame
    ran: int
    confidence: float = CONFIDENCE

    @classmethod
    def load(cls, folder: str | Path, manifest: dict[str, Any] | None = None) -> PortfolioResult:
        """The result stored in ``folder`` (written by :func:`run_portfolio`)."""
        folder = Path(folder)
        manifest = manifest or read_manifest(folder)
        if manifest["kind"] != "portfolio":
            raise ScenarioError(f"{folder}: holds a {manifest['kind']} result, not a portfolio")
        return cls(
            PortfolioScenario.model_validate(manifest["resolved_scenario"]),
            operations_from_data(manifest["details"]["operations"]),
            folder,
            pd.read_parquet(folder / "runs.parquet"),
            pd.read_parquet(folder / f"{SERIES}.parquet"),
            pd.read_parquet(folder / "initiatives.parquet"),
            ran=0,
            confidence=manifest["details"]["confidence"],
        )

    @property
    def retention(self) -> dict[str, dict[str, float]]:
        return retention_by_design(self.operations)

    @property
    def stalls(self) -> dict[str, dict[str, float]]:
        return stalls_by_design(self.operations)

    def summary(self) -> dict[str, Any]:
        """Each figure's mean and interval over replications; the survival figures also with how much a different
        draw of the operations would move them (``operations_half_width``, :func:`operations_error`)."""
        out = {name: mean_ci(self.runs[name].to_numpy(float)) for name in FIGURES}
        for name, error in operations_error(self.initiatives, _drawn_variants(self)).items():
            out[name] = out[name] | {"operations_half_width": error}
        return out

    def survival_curve(self, every_days: float = 365.0 / 12.0) -> pd.DataFrame:
        """The share still in production by days after go-live: each replication's Kaplan-Meier estimate on a
        grid, then their mean and interval over replications (as every other figure; where a replication's data
        end before a day, it does not count there, and ``n`` says how many do)."""
        longest = max(
            (float(op.days) for by in self.operations.values() for ops in by.values() for op in ops), default=0.0
        )
        days = np.arange(0.0, longest + 0.5 * every_days, every_days)
        curves = np.array(
            [survival(rows, tuple(days)) for _, rows in self.initiatives.groupby("replication", sort=True)]
        ).reshape(-1, len(days))
        band = [mean_ci(curves[:, k]) for k in range(len(days))]
        frame = pd.DataFrame({"day": days, **{key: [b[key] for b in band] for key in ("mean", "half_width", "n")}})
        return frame.assign(month=np.round(frame["day"] / (365.0 / 12.0), 6))

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
            "stalls_by_design": self.stalls,
            "figures": self.summary(),
        }


def operations_error(initiatives: pd.DataFrame, variants: int) -> dict[str, float]:
    """How much which operations were drawn moves each survival figure: the 95 % half-width of a grouped
    (delete-one-variant) jackknife (Quenouille 1956; Efron & Tibshirani 1993, ch. 11, for clusters).

    Every initiative lives one of ``variants`` drawn operations (the same index across designs and use cases is
    one group); the intervals over replications hold that draw fixed. Leaving out every initiative that lived
    group g and estimating again (survival is a ratio: the rest stand for the whole) gives ``variants``
    estimates whose spread, times ``(G - 1) / G``, is the variance of the estimate over draws of the operations;
    its interval uses Student's t with G - 1 degrees of freedom. NaN with fewer than two variants, or where a
    left-out estimate is undefined. Checked against the spread over disjoint draws in ``benchmarks/variants.py``.
    """
    if variants < 2 or initiatives.empty:
        return dict.fromkeys(SURVIVAL_FIGURES, math.nan)
    return _jackknife_half_widths(_left_out(initiatives, variants))


def _left_out(initiatives: pd.DataFrame, variants: int) -> np.ndarray:
    """Each survival figure (columns) estimated again without the initiatives that lived each group (rows)."""
    relaunch = initiatives.get("relaunch_operation", pd.Series(-1, index=initiatives.index))
    estimates = []
    for group in range(variants):
        kept = initiatives[(initiatives["operation"] != group) & (relaunch != group)]
        per_replication = [survival(rows, SURVIVAL_DAYS) for _, rows in kept.groupby("replication")]
        values = np.array(per_replication, dtype=float).reshape(-1, len(SURVIVAL_DAYS))
        seen = (~np.isnan(values)).sum(axis=0)
        estimates.append(np.where(seen > 0, np.nansum(values, axis=0) / np.maximum(seen, 1), math.nan))
    return np.array(estimates)


def _jackknife_half_widths(theta: np.ndarray) -> dict[str, float]:
    groups = len(theta)
    spread = np.sqrt((groups - 1) / groups * ((theta - theta.mean(axis=0)) ** 2).sum(axis=0))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, groups - 1)) * spread
    return {name: float(h) for name, h in zip(SURVIVAL_FIGURES, half, strict=True)}


def _drawn_variants(result: PortfolioResult) -> int:
    return max((link.variants for link in result.scenario.use_cases), default=1)


def compare_portfolios(a: PortfolioResult, b: PortfolioResult) -> list[dict[str, Any]]:
    """Paired differences b - a per figure, replication by replication (the same proposals and draws); where both
    lived the same drawn operations, the survival differences also with how much another draw would move them."""
    merged = a.runs.merge(b.runs, on="replication", suffixes=("_a", "_b"))
    drawn: dict[str, float] = {}
    if a.operations == b.operations and _drawn_variants(a) > 1:  # the same operations: the draw moves both at once
        variants = _drawn_variants(a)
        drawn = _jackknife_half_widths(_left_out(b.initiatives, variants) - _left_out(a.initiatives, variants))
    return [
        {
            "figure": f,
            "baseline": a.scenario.name,
            "scenario": b.scenario.name,
            **paired_difference(merged[f"{f}_a"].to_numpy(float), merged[f"{f}_b"].to_numpy(float)),
            **({"operations_half_width": drawn[f]} if f in drawn else {}),
        }
        for f in FIGURES
    ]


def run_portfolio(
    spec: PortfolioScenario,
    operations: Operations,
    replications: int,
    out: str | Path,
    runner: Runner,
    command: Sequence[str],
    writers: Sequence[Writer] = (),
    sources: dict[str, str] | None = None,
) -> PortfolioResult:
    """Run (or resume) ``replications`` of a portfolio and store them; ``writers`` add their files (the report)
    before the manifest is written."""
    resolved = spec.model_dump(mode="json", by_alias=True)
    lived = operations_as_data(operations)
    folder = result_folder(out, spec.name, "portfolio", {"scenario": resolved, "operations": lived})
    store = PartStore(folder, SERIES, PERIOD)
    tasks = [PortfolioTask(r, spec, operations) for r in range(replications)]
    runs, monthly, tables, ran = complete(
        store, tasks, runner, fn=execute_portfolio, label="portfolio", extra={"initiatives": ["initiative"]}
    )
    runs = runs[runs["replication"] < replications].reset_index(drop=True)
    monthly = monthly[monthly["replication"] < replications].reset_index(drop=True)
    initiatives = tables["initiatives"]
    initiatives = initiatives[initiatives["replication"] < replications].reset_index(drop=True)
    manifest = new_manifest(
        "portfolio",
        folder,
        spec.name,
        resolved,
        seed=spec.run.seed,
        replications=replications,
        designs=sorted({d for by in operations.values() for d in by}),
        command=command,
        executor=runner.describe(),
        details={
            "retention_by_design": retention_by_design(operations),
            "stalls_by_design": stalls_by_design(operations),
            "confidence": CONFIDENCE,
            "operations": lived,
            "sources": sources or {},
        },
    )
    finish(folder, manifest, writers)
    return PortfolioResult(spec, operations, folder, runs, monthly, initiatives, ran)
