"""Experiments: designs x replications x parameter points, run on any executor, stored, resumable, analysed.

An experiment lives in ``<out>/<scenario>/<kind>-<digest>/`` (named by :mod:`scalesim.experiment.store`); the
digest covers what determines its numbers (kind, resolved scenario, designs, grid) but not the number of
replications, so asking for more replications — or re-running an interrupted experiment with the same command —
reuses every run already stored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.experiment.executors import Runner
from scalesim.experiment.parts import PartStore, complete
from scalesim.experiment.stats import CONFIDENCE, mean_ci, paired_difference, relative_precision
from scalesim.experiment.store import Writer, finish, new_manifest, read_manifest, result_folder, scenario_identity
from scalesim.experiment.sweep import as_override, check_point, grid_points
from scalesim.experiment.tasks import Task
from scalesim.ops.check import DEFAULT_MAX_CASES, Estimate, check_pilot, check_size
from scalesim.ops.ledger import EROSION_CAUSES
from scalesim.ops.result import levers_of
from scalesim.ops.run import design_of
from scalesim.scenario.load import ANALYSES, apply_override, validate
from scalesim.scenario.schema import Scenario

Kind = Literal["run", "compare", "sweep", "sensitivity", "decide", "breakeven"]
METRICS = (
    "pilot_value_per_case",
    "production_value_per_case",
    "retention",
    *(f"erosion_{cause}" for cause in EROSION_CAUSES),
    "pilot_value_per_year",
    "production_value_per_year",
    "costs_per_year",
    "net_value_per_year",
    "prevented_loss_per_year",
    "npv",
    "net_value_run",
    "payback_day",
    "time_to_value_days",
    "lead_time_mean",
    "lead_time_p90",
)
MAY_NEVER_COME = ("payback_day", "time_to_value_days")
"""Moments a replication may not reach within its run; their means cover the replications that reached them."""
COMPARED = ("retention", "production_value_per_case", "net_value_per_year", "npv", "lead_time_mean")
VERDICTS = ("scaled", "eroded", "stalled", "undefined", "not_scaled")
SAMPLED = ("sensitivity", "decide", "breakeven")
"""Kinds whose points are drawn or searched (stored as explicit points), not a grid."""
DERIVED = ("decide", "breakeven")
"""Kinds whose points follow from what was asked (a prefix of one sequence, a search), so they are not part of the
folder's identity: more worlds resume the same decision, the same break-even question the same search."""


Grid = tuple[tuple[str, tuple[Any, ...]], ...]
Point = tuple[tuple[str, Any], ...]


def freeze_grid(grid: dict[str, list[Any]] | None) -> Grid:
    return tuple((path, tuple(values)) for path, values in (grid or {}).items())


def freeze_points(points: Sequence[dict[str, Any]]) -> tuple[Point, ...]:
    return tuple(tuple(point.items()) for point in points)


@dataclass(frozen=True)
class ExperimentSpec:
    """What an experiment runs, immutable all the way down (the grid and sample points are tuples).

    ``scenario`` is resolved (overrides applied); the grid, or explicit sample points (sensitivity), vary it.
    """

    kind: Kind
    scenario: Scenario
    designs: tuple[str, ...]
    replications: int
    grid: Grid = ()
    keep_weekly: bool = True
    explicit_points: tuple[Point, ...] = ()
    search: Point = ()  # what a search (a break-even) was asked, which determines its points

    @property
    def seed(self) -> int:
        return self.scenario.run.seed

    @property
    def point_noun(self) -> str:
        """What a point is called in messages: a drawn world of a decision, or a grid or sample point."""
        return {"decide": "world", "breakeven": "evaluation"}.get(self.kind, "grid point")

    @property
    def grid_map(self) -> dict[str, list[Any]]:
        return {path: list(values) for path, values in self.grid}

    @property
    def parameters(self) -> list[str]:
        return [path for path, _ in self.grid]

    def points(self) -> list[tuple[dict[str, Any], Scenario]]:
        """Each grid point with its validated scenario; any bad value, or a pilot that cannot serve its cases
        at some point, is reported before anything runs. Validated once per spec (the size check, the count of
        runs and the experiment all ask for them)."""
        return list(self._points)

    @cached_property
    def _points(self) -> list[tuple[dict[str, Any], Scenario]]:
        # a point's scenario is only simulated: the analysis blocks stay with the experiment's own scenario (their
        # ranges and tails were checked against it, not against every point)
        base = self.scenario.model_dump(mode="json", by_alias=True, exclude=set(ANALYSES))
        explicit = [dict(point) for point in self.explicit_points]
        points = []
        for i, params in enumerate(explicit or grid_points(self.grid_map)):
            if not params:
                points.append((params, self.scenario))
                continue
            raw = json.loads(json.dumps(base))
            for path, value in params.items():
                apply_override(raw, as_override(path, value), option="--grid")
            points.append((params, validate(raw, source=f"{self.point_noun} {i} ({_describe(params)})")))
        for i, (params, scenario) in enumerate(points):
            try:
                check_pilot(scenario)
            except ScenarioError as exc:
                where = f"{self.point_noun} {i} ({_describe(params)}): " if params else ""
                raise ScenarioError(f"{where}{exc}") from None
        return points

    def largest_run(self, max_cases: int = DEFAULT_MAX_CASES) -> Estimate:
        """The biggest run of any point (a grid may raise the rate or the horizon); refused beyond ``max_cases``."""
        checked = []
        for i, (params, scenario) in enumerate(self.points()):
            try:
                checked.append(check_size(scenario, self.designs, max_cases))
            except ScenarioError as exc:
                where = f"{self.point_noun} {i} ({_describe(params)}): " if params else ""
                raise ScenarioError(f"{where}{exc}") from None
        return max(checked, key=lambda estimate: estimate.seconds)

    def identity(self) -> dict[str, Any]:
        """What determines the numbers, and so the folder. A decision's worlds are a prefix of one quasi-random
        sequence drawn from its scenario's beliefs, so their number is left out: asking for 200 worlds after 64
        finds the 64 already run. A break-even's evaluations follow from its ``search`` (which is in)."""
        return {
            "kind": self.kind,
            "scenario": scenario_identity(self.scenario),
            "designs": list(self.designs),
            "grid": self.grid_map,
            "points": [] if self.kind in DERIVED else [dict(p) for p in self.explicit_points],
            **({"search": dict(self.search)} if self.search else {}),
        }

    def folder(self, out: str | Path) -> Path:
        return result_folder(out, self.scenario.name, self.kind, self.identity())


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


@dataclass(frozen=True)
class ExperimentResult:
    """Every run of an experiment (one row per point, replication and design) and what follows from them.

    An experiment returns one; :meth:`load` gives the same object back from its results folder, so reports and
    notebooks read exactly what was computed.
    """

    spec: ExperimentSpec
    folder: Path
    runs: pd.DataFrame
    weekly: pd.DataFrame
    replications: int
    ran: int
    reused: int
    precision: dict[str, Any] | None = None
    confidence: float = CONFIDENCE
    manifest: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def parameters(self) -> list[str]:
        return self.spec.parameters

    @classmethod
    def load(cls, folder: str | Path, manifest: dict[str, Any] | None = None) -> ExperimentResult:
        """The result stored in ``folder`` (written by :func:`run_experiment`); ``manifest`` is the folder's, when
        a writer reads the folder before its manifest is written."""
        folder = Path(folder)
        manifest = manifest or read_manifest(folder)
        if manifest["kind"] not in ("run", "compare", "sweep", *SAMPLED) or manifest["details"].get("cases"):
            raise ScenarioError(f"{folder}: holds a {manifest['kind']} result, not an experiment")
        details = manifest["details"]
        spec = ExperimentSpec(
            manifest["kind"],
            validate(manifest["resolved_scenario"], source=str(folder / "manifest.json")),
            tuple(manifest["designs"]),
            manifest["replications"],
            freeze_grid(details["grid"]),
            keep_weekly=(folder / "weekly.parquet").exists(),
            explicit_points=freeze_points(details["points"]) if manifest["kind"] in SAMPLED else (),
            search=tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in details.get("search", {}).items()),
        )
        runs = pd.read_parquet(folder / "runs.parquet")
        weekly = pd.read_parquet(folder / "weekly.parquet") if spec.keep_weekly else pd.DataFrame()
        return cls(
            spec,
            folder,
            runs,
            weekly,
            manifest["replications"],
            ran=0,
            reused=runs["key"].nunique(),
            precision=details.get("precision"),
            confidence=details["confidence"],
            manifest=manifest,
        )

    def groups(self) -> list[tuple[dict[str, Any], str, pd.DataFrame]]:
        """(parameters, design, rows) for every point and design, in grid and design order."""
        out = []
        for _, rows in self.runs.groupby("point", sort=True):
            params = {p: rows[p].iloc[0] for p in self.parameters}
            for design in self.spec.designs:
                out.append((params, design, rows[rows["design"] == design].sort_values("replication")))
        return out

    def point_summaries(self) -> list[dict[str, Any]]:
        """Per parameter point: its parameters, each design's statistics and (compare) the paired differences."""
        summaries = []
        for _, rows in self.runs.groupby("point", sort=True):
            by_design = {d: rows[rows["design"] == d].sort_values("replication") for d in self.spec.designs}
            summary: dict[str, Any] = {
                "parameters": {p: rows[p].iloc[0] for p in self.parameters},
                "designs": {d: design_stats(r) for d, r in by_design.items()},
            }
            if self.spec.kind == "compare" and len(self.spec.designs) > 1:
                summary["comparisons"] = paired_comparisons(by_design, self.spec.designs)
            summaries.append(summary)
        return summaries

    def reference_point(self, against: dict[str, Any] | None = None) -> int:
        """The sweep point the others are paired against: the one whose parameters match ``against`` (the first
        point when ``against`` is not given)."""
        grid = self.spec.grid_map
        if not against:
            return 0
        check_point(grid, against)
        for i, params in enumerate(grid_points(grid)):
            if all(params[path] == value for path, value in against.items()):
                return i
        raise AssertionError("a value of every parameter always names a point")  # pragma: no cover

    def point_differences(self, reference: int) -> list[dict[str, Any]]:
        """Each other sweep point minus the reference point, per design and compared figure, paired by replication:
        every point runs on the same replication streams, so the difference is the parameter's, not luck's."""
        by_point = {point: rows for point, rows in self.runs.groupby("point", sort=True)}
        base = by_point[reference]
        out = []
        for point, rows in by_point.items():
            if point == reference:
                continue
            for design in self.spec.designs:
                a = base[base["design"] == design].sort_values("replication")
                b = rows[rows["design"] == design].sort_values("replication")
                for metric in COMPARED:
                    diff = paired_difference(a[metric].to_numpy(float), b[metric].to_numpy(float))
                    params = {p: rows[p].iloc[0] for p in self.parameters}
                    out.append({"point": point, "parameters": params, "design": design, "metric": metric, **diff})
        return out

    def to_dict(self, against: dict[str, Any] | None = None) -> dict[str, Any]:
        """Everything the command prints; a sweep's points are paired against ``against`` (default: the first)."""
        points = self.point_summaries()
        out: dict[str, Any] = {
            "kind": self.spec.kind,
            "scenario": self.spec.scenario.name,
            "seed": self.spec.seed,
            "replications": self.replications,
            "confidence": self.confidence,
            "currency": self.spec.scenario.currency,
            "horizon_days": self.spec.scenario.run.horizon_days,
            "design_names": list(self.spec.designs),
            "levers": {name: levers_of(design_of(self.spec.scenario, name)) for name in self.spec.designs},
        }
        if self.precision is not None:
            out["precision"] = self.precision
        if self.spec.kind == "sweep":
            out["grid"] = self.spec.grid_map
            out["points"] = points
            reference = self.reference_point(against)
            out["against"] = points[reference]["parameters"]
            out["point_differences"] = self.point_differences(reference)
        else:
            out |= {k: v for k, v in points[0].items() if k != "parameters"}
        return out


def design_stats(rows: pd.DataFrame) -> dict[str, Any]:
    """Mean and 95% half-width of every figure over a design's replications, and the share of each verdict."""
    stats: dict[str, Any] = {metric: mean_ci(rows[metric].to_numpy(dtype=float)) for metric in METRICS}
    stats["retention"]["undefined"] = int(rows["retention"].isna().sum())
    for moment in MAY_NEVER_COME:
        stats[moment]["never"] = int(rows[moment].isna().sum())
    shares = rows["stall_verdict"].value_counts(normalize=True)
    stats["stall_verdicts"] = {v: float(shares.get(v, 0.0)) for v in VERDICTS}
    pays = rows["pays"].dropna()
    stats["pays_share"] = float(pays.mean()) if len(pays) else None  # None: today's process (nothing to pay)
    stalled = rows[rows["stall_verdict"] == "stalled"]
    reasons = stalled["stall_reason"].value_counts(sort=True)
    days = stalled["stall_day"].dropna()
    stats["stalls"] = {
        "reasons": {str(reason): int(count) for reason, count in reasons.items()},
        "reason": str(reasons.index[0]) if len(reasons) else None,  # the most frequent
        "first_day": float(days.min()) if len(days) else None,
        "last_day": float(days.max()) if len(days) else None,
    }
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
    out: str | Path,
    runner: Runner,
    command: Sequence[str],
    *,
    precision: float | None = None,
    key_metric: str = "retention",
    max_replications: int = 200,
    only: Sequence[int] | None = None,
    details: dict[str, Any] | None = None,
    writers: Sequence[Writer] = (),
    last: bool = True,
) -> ExperimentResult:
    """Run (or resume) an experiment and store it; with ``precision``, add replications until the key metric's
    half-width is within that share of its mean for every design and point (or ``max_replications``). With
    ``only``, just those points run (a decision simulates the worlds its emulator is unsure of); ``details`` go
    into the manifest with the kind's own.

    The manifest is written once the experiment is complete, after ``writers`` (the report, the workbook): until
    then the folder holds only parts, so a failure before the first run leaves nothing, and an interrupted
    experiment resumes from its parts. An analysis that runs its experiment in batches (a decision, a budgeted
    sensitivity analysis) passes ``last=False`` until its last one and finishes the folder itself with the
    manifest the result carries.
    """
    points = spec.points()
    folder = spec.folder(out)
    store = PartStore(folder)
    replications, ran = spec.replications, 0
    stored = store.done()
    precision_report = None
    while True:
        chosen = set(range(len(points)) if only is None else only)
        wanted = [
            Task(i, r, scenario, spec.designs, spec.seed, tuple(params.items()), spec.keep_weekly)
            for i, (params, scenario) in enumerate(points)
            if i in chosen
            for r in range(replications)
        ]
        runs, weekly, _, now_ran = complete(store, wanted, runner, runs_per_task=len(spec.designs), label=spec.kind)
        ran += now_ran
        runs = runs[runs["key"].isin({task.key for task in wanted})].reset_index(drop=True)
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
    if len(weekly):
        weekly = weekly[weekly["key"].isin(keys)].reset_index(drop=True)
    details = {
        "grid": spec.grid_map,
        "points": [params for params, _ in points],
        "confidence": CONFIDENCE,
        "precision": precision_report,
        **(details or {}),
    }
    manifest = new_manifest(
        spec.kind,
        folder,
        spec.scenario.name,
        spec.scenario.model_dump(mode="json", by_alias=True),
        seed=spec.seed,
        replications=replications,
        designs=spec.designs,
        command=command,
        executor=runner.describe(),
        details=details,
    )
    result = ExperimentResult(
        spec, folder, runs, weekly, replications, ran, len(keys & stored), precision_report, manifest=manifest
    )
    if last:
        finish(folder, manifest, writers)
    return result
