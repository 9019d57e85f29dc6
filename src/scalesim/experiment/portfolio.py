"""Portfolio replications through the experiment layer: same executors, same store, same statistics.

Also the link between the two models: an initiative in production lives one of the operations model's runs of
the design its readiness implies. The operations scenario named by the portfolio runs ``variants`` times, each
with its own draw of the ``vary`` fields and its own seed, every design on common random numbers; the runs are
shared by every initiative and replication (each initiative picks one at random). It lives here, not in the
portfolio package, because it *runs* a model: the models import nothing above them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.experiment.executors import Runner
from scalesim.experiment.parts import PartStore, complete
from scalesim.experiment.stats import CONFIDENCE, mean_ci, paired_difference
from scalesim.experiment.store import Writer, finish, new_manifest, read_manifest, result_folder
from scalesim.experiment.tasks import TaskOutput, replication_seed, task_key
from scalesim.ops.check import CASE_PASS_IN_PROBES, Batch, case_pass_seconds, estimate
from scalesim.ops.run import simulate
from scalesim.ops.streams import Streams
from scalesim.portfolio.measures import FIGURES, archive_series, figures, simulate_portfolio
from scalesim.portfolio.model import Operation
from scalesim.portfolio.schema import PortfolioScenario
from scalesim.scenario.load import load_scenario
from scalesim.scenario.schema import Scenario, UncertainParameter

SERIES, PERIOD = "monthly", "month"


Operations = dict[str, tuple[Operation, ...]]


def operations_by_design(spec: PortfolioScenario, base_dir: Path) -> Operations:
    """The operations each design's initiatives may live, from the scenario the portfolio names (relative to
    ``base_dir``)."""
    link = spec.operations
    path = (base_dir / link.scenario).resolve()
    designs = tuple(dict.fromkeys(rule.design for rule in link.rules))
    vary = tuple((field, json.dumps(p.model_dump(mode="json"), sort_keys=True)) for field, p in link.vary.items())
    return dict(_operations(str(path), designs, link.days, link.variants, vary, spec.run.seed))


REPLICATION_IN_PROBES = 2.0
"""CPU of one portfolio replication (its initiatives over the years), in units of the machine probe
(:func:`scalesim.ops.check.probe`): ~0.05 s at a 26 ms probe for the bundled portfolios."""


def portfolio_batch(spec: PortfolioScenario, base_dir: Path, replications: int, workers: int) -> Batch:
    """What a portfolio will cost on this machine: its operations' production runs (in this process, before the
    replications), then the replications on the workers."""
    link = spec.operations
    scenario = _load(str((base_dir / link.scenario).resolve()), [f"run.horizon_days={link.days}"])
    designs = list(dict.fromkeys(rule.design for rule in link.rules if rule.design in scenario.designs))
    operations = link.variants * estimate(scenario, designs).seconds
    per = REPLICATION_IN_PROBES * case_pass_seconds() / CASE_PASS_IN_PROBES
    what = (
        f"portfolio {spec.name}: {link.variants} operations x {len(designs)} designs, then {replications} replications"
    )
    return Batch(what, replications, per, workers, serial_seconds=operations)


def operations_as_data(operations: Operations) -> dict[str, list[dict[str, Any]]]:
    """The operations as JSON-ready data (the manifest keeps them, so a stored result re-runs without them)."""
    return {d: [asdict(op) for op in ops] for d, ops in operations.items()}


def operations_from_data(data: dict[str, list[dict[str, Any]]]) -> Operations:
    return {
        d: tuple(Operation(tuple(op["weekly_retention"]), op["stall_day"], op["verdict"]) for op in ops)
        for d, ops in data.items()
    }


def retention_by_design(operations: Operations) -> dict[str, float]:
    """Each design's mean retention over its operations (what the text output and report show)."""
    return {d: float(np.mean([op.retention for op in ops])) for d, ops in operations.items()}


def stalls_by_design(operations: Operations) -> dict[str, float]:
    """Each design's share of operations that stalled."""
    return {d: float(np.mean([op.stall_day is not None for op in ops])) for d, ops in operations.items()}


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
def _operations(
    path: str, designs: tuple[str, ...], days: float, variants: int, vary: tuple[tuple[str, str], ...], seed: int
) -> tuple[tuple[str, tuple[Operation, ...]], ...]:
    rng = Streams(seed).generator("portfolio:operations")
    parameters = [(field, UncertainParameter.model_validate_json(text)) for field, text in vary]
    # every end of every range, and every draw, is checked before the first (long) run starts
    ends = [(field, end) for field, p in parameters for end in (p.values or [p.low, p.high])]
    for field, end in ends:
        _load(path, [f"{field}={json.dumps(end)}"])
    plans = [[f"{field}={_draw(rng, p)}" for field, p in parameters] for _ in range(variants)]
    drawn = [_load(path, [f"run.horizon_days={days}", *plan]) for plan in plans]
    unknown = [d for d in designs if d not in drawn[0].designs]
    if unknown:
        raise ScenarioError(
            f"operations.rules: design {unknown[0]!r} is not in {path}; designs there: {', '.join(drawn[0].designs)}"
        )
    runs: dict[str, list[Operation]] = {d: [] for d in designs}
    for k, (scenario, plan) in enumerate(zip(drawn, plans, strict=True)):
        result = simulate(scenario, designs, replication_seed(scenario.run.seed, k))
        weekly = result.weekly_table()
        for d in designs:
            rows = weekly[weekly["design"] == d]
            promised = float(rows["pilot_value"].mean())
            if not promised > 0:
                raise ScenarioError(
                    f"operations.rules: design {d!r} of {path}: the pilot's value is not above zero "
                    f"(operation {k}: {', '.join(plan) or 'as written'}), so nothing can be retained"
                )
            stall = result.design_summary(d)["stall"]
            runs[d].append(
                Operation(
                    weekly_retention=tuple(float(v) for v in rows["production_value"] / promised),
                    stall_day=stall["day"] if stall["verdict"] == "stalled" else None,
                    verdict=(stall["reason"] if stall["verdict"] == "stalled" else None) or stall["verdict"],
                )
            )
    return tuple((d, tuple(ops)) for d, ops in runs.items())


@dataclass(frozen=True)
class PortfolioTask:
    replication: int
    scenario: PortfolioScenario
    operations: tuple[tuple[str, tuple[Operation, ...]], ...]

    @property
    def key(self) -> str:
        return task_key(0, self.replication)


def execute_portfolio(task: PortfolioTask) -> TaskOutput:
    """One replication of a portfolio (a module-level function, so worker processes can run it)."""
    spec = task.scenario
    initiatives = simulate_portfolio(spec, dict(task.operations), replication_seed(spec.run.seed, task.replication))
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
    def retention(self) -> dict[str, float]:
        return retention_by_design(self.operations)

    @property
    def stalls(self) -> dict[str, float]:
        return stalls_by_design(self.operations)

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
            "stalls_by_design": self.stalls,
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
    tasks = [PortfolioTask(r, spec, tuple(operations.items())) for r in range(replications)]
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
        designs=list(operations),
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
