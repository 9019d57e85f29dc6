"""Experiments: designs x replications x parameter points, run on any executor, stored, resumable, analysed.

An experiment lives in ``<out>/<scenario>/<kind>-<digest>/``; the digest covers what determines its numbers
(kind, resolved scenario, designs, grid) but not the number of replications, so asking for more replications —
or re-running an interrupted experiment with the same command — reuses every run already stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.experiment import atomic
from scalesim.experiment.parts import PartStore, complete
from scalesim.experiment.stats import CONFIDENCE, mean_ci, paired_difference, relative_precision
from scalesim.experiment.store import dumps, versions
from scalesim.experiment.sweep import as_override, grid_points
from scalesim.experiment.tasks import Task
from scalesim.ops.check import check_pilot
from scalesim.ops.ledger import EROSION_CAUSES
from scalesim.scenario.load import apply_override, validate
from scalesim.scenario.schema import Scenario

Kind = Literal["run", "compare", "sweep", "sensitivity"]
METRICS = (
    "pilot_value_per_case",
    "production_value_per_case",
    "retention",
    *(f"erosion_{cause}" for cause in EROSION_CAUSES),
    "net_value_per_year",
    "lead_time_mean",
    "lead_time_p90",
)
COMPARED = ("retention", "production_value_per_case", "net_value_per_year", "lead_time_mean")
VERDICTS = ("scaled", "eroded", "stalled", "undefined")


@dataclass(frozen=True)
class ExperimentSpec:
    """What an experiment runs. ``scenario`` is resolved (overrides applied); the grid varies it further."""

    kind: Kind
    scenario: Scenario
    designs: tuple[str, ...]
    replications: int
    grid: dict[str, list[Any]] = field(default_factory=dict)
    keep_weekly: bool = True
    explicit_points: tuple[dict[str, Any], ...] = ()  # sample points (sensitivity) instead of a grid

    @property
    def seed(self) -> int:
        return self.scenario.run.seed

    def points(self) -> list[tuple[dict[str, Any], Scenario]]:
        """Each grid point with its validated scenario; any bad value is reported before anything runs."""
        base = self.scenario.model_dump(mode="json", by_alias=True)
        points = []
        for i, params in enumerate(self.explicit_points or grid_points(self.grid)):
            if not params:
                points.append((params, self.scenario))
                continue
            raw = json.loads(json.dumps(base))
            for path, value in params.items():
                apply_override(raw, as_override(path, value), option="--grid")
            points.append((params, validate(raw, source=f"grid point {i} ({_describe(params)})")))
        for i, (params, scenario) in enumerate(points):
            try:
                check_pilot(scenario)
            except ScenarioError as exc:
                where = f"grid point {i} ({_describe(params)}): " if params else ""
                raise ScenarioError(f"{where}{exc}") from None
        return points

    def identity(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scenario": self.scenario.model_dump(mode="json", by_alias=True),
            "designs": list(self.designs),
            "grid": self.grid,
            "points": list(self.explicit_points),
        }

    def folder(self, out: str | Path) -> Path:
        digest = hashlib.sha256(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()[:10]
        return Path(out) / self.scenario.name / f"{self.kind}-{digest}"


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


@dataclass
class ExperimentResult:
    """Every run of an experiment (one row per point, replication and design) and what follows from them."""

    spec: ExperimentSpec
    folder: Path
    runs: pd.DataFrame
    weekly: pd.DataFrame
    replications: int
    ran: int
    reused: int
    precision: dict[str, Any] | None = None

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.grid)

    def groups(self) -> list[tuple[dict[str, Any], str, pd.DataFrame]]:
        """(parameters, design, rows) for every point and design, in grid and design order."""
        out = []
        for _, rows in self.runs.groupby("point", sort=True):
            params = {p: rows[p].iloc[0] for p in self.parameters}
            for design in self.spec.designs:
                out.append((params, design, rows[rows["design"] == design].sort_values("replication")))
        return out

    def to_dict(self) -> dict[str, Any]:
        points = []
        for params, design, rows in self.groups():
            if not points or points[-1]["parameters"] != params:
                points.append({"parameters": params, "designs": {}, "_rows": {}})
            points[-1]["designs"][design] = design_stats(rows)
            points[-1]["_rows"][design] = rows
        for point in points:
            rows_by_design = point.pop("_rows")
            if self.spec.kind == "compare" and len(self.spec.designs) > 1:
                point["comparisons"] = paired_comparisons(rows_by_design, self.spec.designs)
        out: dict[str, Any] = {
            "kind": self.spec.kind,
            "scenario": self.spec.scenario.name,
            "seed": self.spec.seed,
            "replications": self.replications,
            "confidence": CONFIDENCE,
            "currency": self.spec.scenario.currency,
            "design_names": list(self.spec.designs),
        }
        if self.precision is not None:
            out["precision"] = self.precision
        if self.spec.kind == "sweep":
            out["grid"] = self.spec.grid
            out["points"] = points
        else:
            out |= {k: v for k, v in points[0].items() if k != "parameters"}
        return out


def design_stats(rows: pd.DataFrame) -> dict[str, Any]:
    """Mean and 95% half-width of every figure over a design's replications, and the share of each verdict."""
    stats: dict[str, Any] = {metric: mean_ci(rows[metric].to_numpy(dtype=float)) for metric in METRICS}
    stats["retention"]["undefined"] = int(rows["retention"].isna().sum())
    shares = rows["stall_verdict"].value_counts(normalize=True)
    stats["stall_verdicts"] = {v: float(shares.get(v, 0.0)) for v in VERDICTS}
    return stats


def paired_comparisons(rows_by_design: dict[str, pd.DataFrame], designs: tuple[str, ...] | list[str]) -> list[dict]:
    """Paired differences of each design against the first (the baseline), per compared metric, aligned by
    replication."""
    baseline, *others = designs
    base = rows_by_design[baseline].sort_values("replication")
    out = []
    for design in others:
        rows = rows_by_design[design].sort_values("replication")
        for metric in COMPARED:
            diff = paired_difference(base[metric].to_numpy(float), rows[metric].to_numpy(float))
            out.append({"design": design, "baseline": baseline, "metric": metric, **diff})
    return out


def run_experiment(
    spec: ExperimentSpec,
    out: str | Path = "results",
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = True,
    command: list[str] | None = None,
    precision: float | None = None,
    key_metric: str = "retention",
    max_replications: int = 200,
) -> ExperimentResult:
    """Run (or resume) an experiment and store it; with ``precision``, add replications until the key metric's
    half-width is within that share of its mean for every design and point (or ``max_replications``)."""
    points = spec.points()
    folder = spec.folder(out)
    store = PartStore(folder)
    replications, ran = spec.replications, 0
    stored = store.done()
    manifest = _manifest(spec, points, command, jobs, scheduler)
    previous = folder / "manifest.json"
    # The manifest is written once the experiment is complete: until then the folder holds only parts, so a
    # failure before the first run leaves nothing, and an interrupted run is resumed from its parts.
    if previous.exists():  # adding replications to a finished experiment: keep its birth date
        manifest["created_utc"] = json.loads(previous.read_text()).get("created_utc", manifest["created_utc"])
    precision_report = None
    while True:
        wanted = [
            Task(i, r, scenario, spec.designs, spec.seed, tuple(params.items()), spec.keep_weekly)
            for i, (params, scenario) in enumerate(points)
            for r in range(replications)
        ]
        runs, weekly, _, now_ran = complete(
            store, wanted, runs_per_task=len(spec.designs), jobs=jobs, scheduler=scheduler, quiet=quiet, label=spec.kind
        )
        ran += now_ran
        runs = runs[runs["replication"] < replications].reset_index(drop=True)
        if precision is None:
            break
        worst = max(
            relative_precision(rows[key_metric].to_numpy(float)) for _, rows in runs.groupby(["point", "design"])
        )
        precision_report = {
            "target": precision,
            "metric": key_metric,
            "reached": worst,
            "met": worst <= precision,
            "max_replications": max_replications,
        }
        if worst <= precision or replications >= max_replications:
            break
        needed = math.ceil(replications * (worst / precision) ** 2) if math.isfinite(worst) else 2 * replications
        replications = min(max_replications, max(replications + 2, needed))
    keys = set(runs["key"])
    reused = len(keys & stored)
    if len(weekly):
        weekly = weekly[weekly["key"].isin(keys)].reset_index(drop=True)
    manifest |= {
        "replications": replications,
        "seeds": _seeds(spec.seed, replications),
        "status": "complete",
        "updated_utc": _now(),
    }
    if precision_report is not None:
        manifest["precision"] = precision_report
    atomic.write_text(folder / "manifest.json", dumps(manifest))
    return ExperimentResult(spec, folder, runs, weekly, replications, ran, reused, precision_report)


def _seeds(root: int, replications: int) -> list[dict[str, Any]]:
    """How each replication's streams are seeded: ``SeedSequence(entropy, spawn_key)``."""
    return [{"replication": r, "entropy": root, "spawn_key": [r]} for r in range(replications)]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _manifest(
    spec: ExperimentSpec,
    points: list[tuple[dict[str, Any], Scenario]],
    command: list[str] | None,
    jobs: int | None,
    scheduler: str | None,
) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "scenario": spec.scenario.name,
        "designs": list(spec.designs),
        "seed": spec.seed,
        "replications": spec.replications,
        "grid": spec.grid,
        "points": [params for params, _ in points],
        "executor": {"jobs": jobs, "scheduler": scheduler},
        "command": command if command is not None else sys.argv,
        "created_utc": _now(),
        "versions": versions(),
        "files": ["manifest.json", "runs.parquet", *(["weekly.parquet"] if spec.keep_weekly else [])],
        "resolved_scenario": spec.scenario.model_dump(mode="json", by_alias=True),
    }
