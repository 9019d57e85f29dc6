"""The kinds of result a folder holds: for each, the files it must have, how it loads and how it is re-run.

Every command writes one kind of folder (:mod:`scalesim.experiment.store` names it and writes its manifest once).
This module is the one place that knows them all, so the report, the app, ``reproduce --check`` and a notebook
read a folder the same way: :func:`load` gives the stored result as an object (a :class:`StoredRun`, an
:class:`ExperimentResult`, a :class:`Decision`, ...), :func:`verify` runs part of it again from its manifest —
the resolved scenario and the seed — and says what differs.

A replicated run is stored by the experiment layer under the manifest kind ``run``, like a single run; what tells
them apart is whether the run holds its cases' count (a single run's ``details``), and :func:`kind_of` is the only
place that looks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.evidence.backtest import Backtest, simulated_cycle_times, simulated_log_csv
from scalesim.experiment import atomic
from scalesim.experiment.breakeven import BREAKEVEN, evaluation
from scalesim.experiment.decide import DECISION, Decision
from scalesim.experiment.experiment import ExperimentResult
from scalesim.experiment.portfolio import PortfolioResult, PortfolioTask, execute_portfolio
from scalesim.experiment.sensitivity import SensitivityResult
from scalesim.experiment.store import (
    MANIFEST,
    Call,
    Writer,
    dumps,
    finish,
    library_call,
    new_manifest,
    read_manifest,
    result_folder,
)
from scalesim.experiment.tasks import Task, execute
from scalesim.ops.run import simulate
from scalesim.ops.summary import RunSummary
from scalesim.scenario.load import validate
from scalesim.scenario.schema import Scenario


@dataclass(frozen=True)
class StoredRun:
    """A single run as stored: its summary and tables, read when first asked for."""

    folder: Path
    manifest: dict[str, Any]

    @cached_property
    def summary(self) -> RunSummary:
        data: RunSummary = json.loads((self.folder / "summary.json").read_text())
        return data

    def table(self, name: str) -> pd.DataFrame:
        """``summary``, ``teams``, ``weekly``, ``weekly_teams``, ``events`` or ``money`` (the run's CSV files)."""
        return pd.read_csv(self.folder / f"{name}.csv")

    @property
    def scenario(self) -> Scenario:
        return validate(self.manifest["resolved_scenario"], source=str(self.folder / MANIFEST))


@dataclass(frozen=True)
class StoredBacktest:
    """A back-test as stored: its verdicts, its measures and both cycle-time samples."""

    folder: Path
    manifest: dict[str, Any]

    @cached_property
    def data(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads((self.folder / "backtest.json").read_text())
        return found

    @property
    def measures(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "measures.csv")

    @cached_property
    def cycles(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "cycle_times.csv")

    def cycle_times(self, source: str) -> np.ndarray:
        """``log`` or ``simulated``: each case's cycle time in days."""
        return self.cycles.loc[self.cycles["source"] == source, "cycle_time_days"].to_numpy(float)


@dataclass(frozen=True)
class StoredDecision:
    """A decision as stored: its analysis (``decision.json``) and its worlds (``worlds.csv``), read as written —
    :func:`verify` derives them again from the runs (:meth:`Decision.load`)."""

    folder: Path
    manifest: dict[str, Any]

    @cached_property
    def data(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads((self.folder / DECISION).read_text())
        return found

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "worlds.csv")


@dataclass(frozen=True)
class StoredBreakeven:
    """A break-even as stored: its answer (``breakeven.json``) and the experiment of its evaluations."""

    folder: Path
    manifest: dict[str, Any]

    @cached_property
    def data(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads((self.folder / BREAKEVEN).read_text())
        return found

    @cached_property
    def experiment(self) -> ExperimentResult:
        return ExperimentResult.load(self.folder, self.manifest)


Stored = (
    StoredRun
    | ExperimentResult
    | SensitivityResult
    | StoredDecision
    | StoredBacktest
    | PortfolioResult
    | StoredBreakeven
)


@dataclass(frozen=True)
class Kind:
    """One kind of result folder: the files it must hold, how it loads, and how part of it is run again."""

    name: str
    title: str
    files: tuple[str, ...]
    load: Callable[[Path, dict[str, Any]], Stored]
    rerun: Callable[[Any, Sequence[int]], list[str]]


def kind_of(manifest: dict[str, Any]) -> Kind:
    """The kind of a folder from its manifest (a ``run`` with its cases' count is a single run)."""
    name = manifest["kind"]
    if name == "run" and "cases" not in manifest["details"]:
        name = "replications"
    if name not in KINDS:
        raise ScenarioError(f"a {name!r} result: this version of scalesim knows {', '.join(KINDS)}")
    return KINDS[name]


def load(folder: str | Path, manifest: dict[str, Any] | None = None) -> Stored:
    """The result stored in ``folder``; ``manifest`` is its manifest-to-be when a writer (the report) reads the
    folder before the manifest is written. A folder missing one of its kind's files is refused by name."""
    folder = Path(folder)
    manifest = manifest or read_manifest(folder)
    kind = kind_of(manifest)
    missing = [name for name in kind.files if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(
            f"{folder}: a {kind.name} result without {', '.join(missing)}; run its command again: "
            f"{' '.join(manifest['command'])}"
        )
    return kind.load(folder, manifest)


def verify(folder: str | Path, replications: Sequence[int] = (0,)) -> list[str]:
    """Run part of a stored result again from its manifest (``replications`` of its first point); return what
    differs from what is stored (empty: reproduced). Analyses (a decision, a sensitivity ranking) are derived
    again from the stored runs too."""
    manifest = read_manifest(folder)
    return kind_of(manifest).rerun(load(folder, manifest), replications)


def _rerun_run(stored: StoredRun, replications: Sequence[int]) -> list[str]:
    manifest = stored.manifest
    table = simulate(stored.scenario, manifest["designs"], manifest["seed"]).summary_table()
    return compare_tables(table, stored.table("summary"), stored.folder)


def _rerun_experiment(stored: ExperimentResult, replications: Sequence[int]) -> list[str]:
    spec = stored.spec
    params, point_scenario = spec.points()[0]
    fresh = [
        execute(Task(0, r, point_scenario, spec.designs, spec.seed, tuple(params.items()))).rows for r in replications
    ]
    return compare_tables(pd.concat(fresh, ignore_index=True), stored.runs, stored.folder)


def _rerun_sensitivity(stored: SensitivityResult, replications: Sequence[int]) -> list[str]:
    problems = _rerun_experiment(stored.experiment, replications)
    ranking = compare_tables(
        stored.reanalysed(), stored.table, stored.experiment.folder / stored.table_name, ("parameter",)
    )
    return problems + [f"{problem} (the ranking derived again from the runs)" for problem in ranking]


def _rerun_decision(stored: StoredDecision, replications: Sequence[int]) -> list[str]:
    decision = Decision.load(stored.folder, stored.manifest)
    problems = _rerun_experiment(decision.experiment, replications)
    if dumps(decision.to_dict()) != (stored.folder / DECISION).read_text():
        problems.append(f"{stored.folder}: {DECISION} differs from the analysis of its worlds")
    return problems


def _rerun_breakeven(stored: StoredBreakeven, replications: Sequence[int]) -> list[str]:
    """The first evaluation run again, and every evaluation derived again from the stored runs."""
    experiment = stored.experiment
    problems = _rerun_experiment(experiment, replications)
    data = stored.data
    stored_values = {e["value"]: e for e in data["evaluations"]}
    for point, params in enumerate(experiment.spec.explicit_points):
        value = float(dict(params)[data["input"]])
        again = evaluation(experiment.runs, point, value, data["design"], data["against"], data["metric"])
        kept = stored_values.get(value)
        if kept is None or not np.allclose(
            [again.mean, again.half_width], [kept["mean"], kept["half_width"]], rtol=1e-12
        ):
            problems.append(f"{stored.folder}: the evaluation at {data['input']}={value:g} differs from its runs")
    return problems


def _rerun_backtest(stored: StoredBacktest, replications: Sequence[int]) -> list[str]:
    """The simulated side: what the scenario and seed determine (the log is the user's data, kept elsewhere)."""
    scenario = validate(stored.manifest["resolved_scenario"], source=str(stored.folder / MANIFEST))
    data = stored.data
    first, last = pd.Timestamp(data["first_start"]), pd.Timestamp(data["last_end"])
    window = data["distances"]["window"]
    runs = int(data["distances"]["runs"])
    fresh = simulated_cycle_times(scenario, data["design"], first, last, int(data["cases"]), window, runs)
    kept = stored.cycle_times("simulated")
    if fresh.shape != kept.shape or not np.allclose(fresh, kept, rtol=1e-12, atol=0):
        return [f"{stored.folder}: the simulated cycle times differ from the stored ones"]
    return []


def _rerun_portfolio(stored: PortfolioResult, replications: Sequence[int]) -> list[str]:
    operations = stored.operations
    fresh = [execute_portfolio(PortfolioTask(r, stored.scenario, operations)).rows for r in replications]
    return compare_tables(pd.concat(fresh, ignore_index=True), stored.runs, stored.folder)


def compare_tables(
    fresh: pd.DataFrame, stored: pd.DataFrame, folder: Path, keys_from: Sequence[str] = ("key", "design")
) -> list[str]:
    """Every column of ``fresh`` against the stored rows with the same keys, to 12 significant digits."""
    keys = [c for c in keys_from if c in fresh.columns]
    merged = fresh.merge(stored, on=keys, suffixes=("", "__stored"), how="left")
    problems = []
    for column in fresh.columns:
        if column in keys or f"{column}__stored" not in merged:
            continue
        a, b = merged[column], merged[f"{column}__stored"]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            same = np.allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, atol=0, equal_nan=True)
        else:
            same = a.fillna("").astype(str).tolist() == b.fillna("").astype(str).tolist()
        if not same:
            problems.append(f"{folder}: {column} differs from the stored value")
    return problems


RUN_FILES = ("summary.json", "summary.csv", "teams.csv", "weekly.csv", "weekly_teams.csv", "events.csv", "money.csv")
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("run", "Run", RUN_FILES, StoredRun, _rerun_run),
        Kind("replications", "Replications", ("runs.parquet",), ExperimentResult.load, _rerun_experiment),
        Kind("compare", "Comparison", ("runs.parquet",), ExperimentResult.load, _rerun_experiment),
        Kind("sweep", "Sweep", ("runs.parquet",), ExperimentResult.load, _rerun_experiment),
        Kind("sensitivity", "Sensitivity analysis", ("runs.parquet",), SensitivityResult.load, _rerun_sensitivity),
        Kind("decide", "Decision analysis", ("runs.parquet", DECISION, "worlds.csv"), StoredDecision, _rerun_decision),
        Kind(
            "backtest",
            "Back-test",
            ("backtest.json", "measures.csv", "cycle_times.csv"),
            StoredBacktest,
            _rerun_backtest,
        ),
        Kind(
            "breakeven",
            "Break-even",
            ("runs.parquet", BREAKEVEN, "evaluations.csv"),
            StoredBreakeven,
            _rerun_breakeven,
        ),
        Kind(
            "portfolio",
            "Portfolio",
            ("runs.parquet", "initiatives.parquet"),
            PortfolioResult.load,
            _rerun_portfolio,
        ),
    )
}


def write_backtest(
    result: Backtest, out: str | Path, command: Sequence[str] | None = None, writers: Sequence[Writer] = ()
) -> Path:
    """A back-test's folder: ``backtest.json``, ``measures.csv``, both cycle-time samples, what ``writers`` add
    (the figure, the report), and the manifest last."""
    scenario = result.simulated_scenario
    resolved = scenario.model_dump(mode="json", by_alias=True)
    identity = {
        "scenario": resolved,
        "log": result.log,
        "design": result.design,
        "first": result.first,
        "cases": result.heldout.cases,
        "runs": result.heldout.runs,
        "window": result.heldout.window,
        "floor": result.heldout.floor,
    }
    folder = result_folder(out, scenario.name, "backtest", identity)
    manifest = new_manifest(
        "backtest",
        folder,
        scenario.name,
        resolved,
        seed=result.seed,
        replications=result.heldout.runs,
        designs=[result.design],
        command=command or library_call("write_backtest", _backtest_call(result, scenario), str(out)),
        details={
            "log": result.log,
            "simulated_days": result.days,
            "first_start": result.first,
            "cases": result.heldout.cases,
            "runs": result.heldout.runs,
            "split": result.heldout.split,
            "sources": result.sources,
        },
    )

    def fill(temporary: Path) -> None:
        (temporary / "backtest.json").write_text(dumps(result.to_dict()))
        result.table().to_csv(temporary / "measures.csv", index=False)
        cycles = pd.concat(
            [
                pd.DataFrame({"source": "log", "cycle_time_days": result.real_cycle}),
                pd.DataFrame({"source": "simulated", "cycle_time_days": result.simulated_cycle}),
            ]
        )
        cycles.to_csv(temporary / "cycle_times.csv", index=False)
        logs = temporary / "simulated"
        logs.mkdir()
        for run, log in enumerate(result.simulated_logs, 1):  # every simulated log, for anyone to check with any tool
            path = logs / f"run-{run:02d}.csv.gz"  # gzip without a time stamp: a re-run writes the same bytes
            simulated_log_csv(log).to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})
        finish(temporary, manifest, writers, final=folder)

    return atomic.write_folder(folder, fill)


def _backtest_call(result: Backtest, scenario: Scenario) -> Call:
    """The library call that makes this back-test again (``write_backtest`` of it makes the folder)."""
    return Call("backtest", (scenario, result.log), {"mapping": result.mapping, "design": result.design})
