"""Portfolio replications through the experiment layer: same executors, same resumable store, same statistics."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import simpy

from scalesim.experiment import atomic
from scalesim.experiment.parts import PartStore, complete
from scalesim.experiment.stats import CONFIDENCE, mean_ci, paired_difference
from scalesim.experiment.store import dumps, versions
from scalesim.experiment.tasks import TaskOutput, replication_seed, task_key
from scalesim.ops.streams import Streams
from scalesim.portfolio.model import EXPLICIT_KILLS, FATES, QUIET_STALLS, Initiative, Portfolio
from scalesim.portfolio.schema import PortfolioScenario

FIGURES = (
    "proposed",
    "started",
    "demoed",
    "endorsed",
    "reached_production",
    "delivering",
    "explicit_kills",
    "quiet_stalls",
    "share_reaching_production",
    "time_to_production_mean",
    "time_to_production_median",
    "time_to_production_p90",
    "money_spent",
    "money_never_produced",
    "value_per_year",
)


@dataclass(frozen=True)
class PortfolioTask:
    replication: int
    scenario: PortfolioScenario
    retention: tuple[tuple[str, float], ...]

    @property
    def key(self) -> str:
        return task_key(0, self.replication)


def simulate_portfolio(spec: PortfolioScenario, retention: dict[str, float], seed: Any) -> list[Initiative]:
    env = simpy.Environment()
    portfolio = Portfolio(env, spec, retention, Streams(seed))
    env.run(until=spec.run.years * 365.0 + spec.run.follow_up_days)
    return portfolio.finish()


def figures(spec: PortfolioScenario, initiatives: list[Initiative]) -> dict[str, float]:
    """The funnel, conversion, time to production, money and value of one replication."""
    end = spec.run.years * 365.0 + spec.run.follow_up_days
    frame = (
        pd.DataFrame([vars(x) for x in initiatives]) if initiatives else pd.DataFrame(columns=[*vars(Initiative(0.0))])
    )
    started = frame["pilot_start"].notna()
    produced = frame["production"].notna()
    ttp = (frame["production"] - frame["pilot_start"])[produced]
    live_until = frame["fate_day"].where(frame["fate"] == "decommissioned", end)
    years_live = ((live_until - frame["production"]) / 365.0).where(produced, 0.0).clip(lower=0)
    value = (frame["pilot_value_per_year"] * frame["retention"].fillna(0.0) * years_live).sum()
    return {
        "proposed": len(frame),
        "started": int(started.sum()),
        "demoed": int(frame["demo"].notna().sum()),
        "endorsed": int(frame["endorsed"].notna().sum()),
        "reached_production": int(produced.sum()),
        "delivering": int((frame["fate"] == "delivering").sum()),
        "explicit_kills": int(frame["fate"].isin(EXPLICIT_KILLS).sum()),
        "quiet_stalls": int(frame["fate"].isin(QUIET_STALLS).sum()),
        "share_reaching_production": float(produced[started].mean()) if started.any() else math.nan,
        "time_to_production_mean": float(ttp.mean()) if len(ttp) else math.nan,
        "time_to_production_median": float(ttp.median()) if len(ttp) else math.nan,
        "time_to_production_p90": float(ttp.quantile(0.9)) if len(ttp) else math.nan,
        "money_spent": float(frame["spent"].sum()),
        "money_never_produced": float(frame.loc[~produced, "spent"].sum()),
        "value_per_year": float(value / (end / 365.0)),
    } | {f"fate_{f}": int((frame["fate"] == f).sum()) for f in FATES}


def archive_series(spec: PortfolioScenario, initiatives: list[Initiative]) -> pd.DataFrame:
    """Per month: initiatives archived so far, in production so far, pilots started so far."""
    months = math.ceil((spec.run.years * 365.0 + spec.run.follow_up_days) / 30.0)
    edges = np.arange(1, months + 1) * 30.0
    archived = np.array([x.fate_day for x in initiatives if x.fate == "archived"])
    produced = np.array([x.production for x in initiatives if not math.isnan(x.production)])
    started = np.array([x.pilot_start for x in initiatives if not math.isnan(x.pilot_start)])
    return pd.DataFrame(
        {
            "month": np.arange(1, months + 1),
            "archived": [int((archived <= e).sum()) for e in edges],
            "in_production": [int((produced <= e).sum()) for e in edges],
            "pilots_started": [int((started <= e).sum()) for e in edges],
        }
    )


def execute_portfolio(task: PortfolioTask) -> TaskOutput:
    """One replication of a portfolio (a module-level function, so worker processes can run it)."""
    spec = task.scenario
    initiatives = simulate_portfolio(spec, dict(task.retention), replication_seed(spec.run.seed, task.replication))
    row = {"key": task.key, "replication": task.replication, "design": spec.name} | figures(spec, initiatives)
    series = archive_series(spec, initiatives).assign(replication=task.replication, design=spec.name)
    table = pd.DataFrame([vars(x) for x in initiatives]).drop(columns="waits")
    table.insert(0, "initiative", range(len(table)))
    table.insert(0, "replication", task.replication)
    return TaskOutput(task.key, pd.DataFrame([row]), series.rename(columns={"month": "week"}), {"initiatives": table})


@dataclass
class PortfolioResult:
    scenario: PortfolioScenario
    retention: dict[str, float]
    folder: Path
    runs: pd.DataFrame
    monthly: pd.DataFrame
    initiatives: pd.DataFrame
    ran: int

    def summary(self) -> dict[str, Any]:
        return {name: mean_ci(self.runs[name].to_numpy(float)) for name in FIGURES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "portfolio",
            "scenario": self.scenario.name,
            "seed": self.scenario.run.seed,
            "replications": len(self.runs),
            "confidence": CONFIDENCE,
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
    out: str | Path = "results",
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = True,
    command: list[str] | None = None,
) -> PortfolioResult:
    identity = {"scenario": spec.model_dump(mode="json", by_alias=True), "retention": retention}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:10]
    folder = Path(out) / spec.name / f"portfolio-{digest}"
    store = PartStore(folder)
    manifest = {
        "kind": "portfolio",
        "scenario": spec.name,
        "seed": spec.run.seed,
        "replications": replications,
        "seeds": [{"replication": r, "entropy": spec.run.seed, "spawn_key": [r]} for r in range(replications)],
        "retention_by_design": retention,
        "command": command if command is not None else sys.argv,
        "versions": versions(),
        "files": ["manifest.json", "runs.parquet", "weekly.parquet", "initiatives.parquet"],
        "resolved_scenario": spec.model_dump(mode="json", by_alias=True),
    }
    tasks = [PortfolioTask(r, spec, tuple(retention.items())) for r in range(replications)]
    runs, monthly, tables, ran = complete(
        store,
        tasks,
        fn=execute_portfolio,
        jobs=jobs,
        scheduler=scheduler,
        quiet=quiet,
        label="portfolio",
        extra={"initiatives": ["initiative"]},
    )
    keep = runs["replication"] < replications
    runs = runs[keep].reset_index(drop=True)
    monthly = monthly[monthly["replication"] < replications].rename(columns={"week": "month"}).reset_index(drop=True)
    initiatives = tables["initiatives"]
    initiatives = initiatives[initiatives["replication"] < replications].reset_index(drop=True)
    atomic.write_text(folder / "manifest.json", dumps(manifest | {"status": "complete"}))
    return PortfolioResult(spec, retention, folder, runs, monthly, initiatives, ran)
