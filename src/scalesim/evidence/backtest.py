"""Does the calibrated model reproduce the process it came from? Simulate the as-is design and compare it with the
log, measure by measure, each with a stated tolerance and a pass / warn verdict.

Both sides are measured from events in the same way, so a difference is the model's, not the measurement's:

- **cycle time** of a case: first start to last end, in days (mean, median, p90 within 20 %; the two
  distributions' Kolmogorov-Smirnov distance at most 0.2 and their Wasserstein distance reported as a share of the
  real mean);
- **throughput**: cases finished per day with any finish (within 10 %);
- per team, **processing**: working hours per visit (a run of consecutive work of a case at the team, as
  ``calibrate`` fits it; within 15 %); **waiting**: from the end of the case's last work finished before the
  visit started to its start, in days (within 25 % or an hour; parallel branches wait from the work before the
  split); **utilisation**: working hours over staff x open hours across the days observed (within 0.10).

Parallel work (teams whose visits to a case overlap) is simulated as parallel steps of the route when
``calibrate`` found them; a process whose order varies from case to case shows here as longer cycle times and
waits, with warnings.

The simulation runs the scenario's production environment under the design (``as_is`` from ``calibrate``) for at
least four weeks, with its simulated event log on; pieces of work that belong to no case (training, reviews)
are left out, since a log of cases has none.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scalesim.errors import ScenarioError
from scalesim.evidence.discover import case_slices, ticks, visits, week_start, working_hours
from scalesim.evidence.log import Log
from scalesim.evidence.write import team_name
from scalesim.ops.calendar import WorkCalendar
from scalesim.ops.run import simulate
from scalesim.scenario.schema import Scenario

MIN_DAYS = 28
TOLERANCE = {
    "cycle time": ("relative", 0.20),
    "cycle time KS distance": ("at most", 0.20),
    "throughput per day": ("relative", 0.10),
    "processing hours": ("relative", 0.15),
    "waiting days": ("relative or an hour", 0.25),
    "utilisation": ("absolute", 0.10),
}


@dataclass(frozen=True)
class Measure:
    measure: str
    team: str
    real: float
    simulated: float
    tolerance: str
    verdict: str


@dataclass(frozen=True)
class Backtest:
    scenario: str
    design: str
    log: str
    days: float
    seed: int
    measures: list[Measure]
    real_cycle: np.ndarray
    simulated_cycle: np.ndarray
    wasserstein_share: float
    simulated_scenario: Scenario

    @property
    def warnings(self) -> int:
        return sum(m.verdict == "warn" for m in self.measures)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(m) for m in self.measures])

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "design": self.design,
            "log": self.log,
            "simulated_days": self.days,
            "seed": self.seed,
            "passed": len(self.measures) - self.warnings,
            "warned": self.warnings,
            "wasserstein_share_of_mean_cycle_time": self.wasserstein_share,
            "measures": [asdict(m) for m in self.measures],
        }


def backtest(scenario: Scenario, log: Log, design: str) -> Backtest:
    """Simulate ``design`` in the scenario's production environment and compare it with ``log``."""
    if design not in scenario.designs:
        raise ScenarioError(
            f"--design {design!r}: no such design in {scenario.name!r}; designs: {', '.join(scenario.designs)} "
            "(calibrate writes the as-is process as 'as_is')"
        )
    real = log.events.assign(team=log.events["team"].map(team_name))
    unknown = sorted(set(real["team"]) - set(scenario.production.teams))
    if unknown:
        raise ScenarioError(
            f"{log.source}: team {unknown[0]!r} of the log is not a team of {scenario.name!r} "
            f"(teams: {', '.join(scenario.production.teams)}); was the scenario calibrated from this log?"
        )
    span = (real["end"].max() - real["start"].min()).total_seconds() / 86400.0
    days = float(max(MIN_DAYS, math.ceil(span)))
    run = scenario.run.model_copy(update={"horizon_days": days, "warmup_days": 0.0})
    simulated_scenario = scenario.model_copy(update={"run": run})
    result = simulate(simulated_scenario, [design], event_log=True)
    events = result.event_log_table()
    events = events[(events["environment"] == "production") & (events["case_id"] >= 0)]
    simulated = pd.DataFrame(
        {
            "case": events["case_id"].astype(str),
            "activity": events["activity"],
            "start": events["start_time"],
            "end": events["end_time"],
            "resource": events["resource"],
            "team": events["team"],
        }
    )
    calendars = {name: WorkCalendar(team.calendar) for name, team in scenario.production.teams.items()}
    staff = {
        name: team.staff + scenario.designs[design].added_staff.get(name, 0)
        for name, team in scenario.production.teams.items()
    }
    real_cycle, sim_cycle = _cycle_times(real), _cycle_times(simulated)
    measures = _compare_cycle(real_cycle, sim_cycle)
    measures.append(_relative("throughput per day", "", _throughput(real), _throughput(simulated)))
    real_teams, sim_teams = _teams(real, calendars, staff), _teams(simulated, calendars, staff)
    for team in sorted(real_teams):
        r, s = (
            real_teams[team],
            sim_teams.get(team, {"processing": math.nan, "waiting": math.nan, "utilisation": math.nan}),
        )
        measures.append(_relative("processing hours", team, r["processing"], s["processing"]))
        measures.append(_waiting(team, r["waiting"], s["waiting"]))
        measures.append(_absolute("utilisation", team, r["utilisation"], s["utilisation"]))
    wasserstein = float(stats.wasserstein_distance(real_cycle, sim_cycle)) / max(float(real_cycle.mean()), 1e-12)
    return Backtest(
        scenario.name,
        design,
        log.source,
        days,
        scenario.run.seed,
        measures,
        real_cycle,
        sim_cycle,
        wasserstein,
        simulated_scenario,
    )


def _cycle_times(events: pd.DataFrame) -> np.ndarray:
    grouped = events.groupby("case")
    return (grouped["end"].max() - grouped["start"].min()).dt.total_seconds().to_numpy(dtype=float) / 86400.0


def _throughput(events: pd.DataFrame) -> float:
    finished = events.groupby("case")["end"].max().dt.normalize()
    return float(finished.value_counts().mean())


def _teams(
    events: pd.DataFrame, calendars: dict[str, WorkCalendar], staff: dict[str, int]
) -> dict[str, dict[str, float]]:
    ordered = visits(events.assign(hours=working_hours(events, calendars)))
    waiting = _waits(ordered)
    monday = week_start(ordered["start"].min())
    first = math.floor((ordered["start"].min() - monday).total_seconds() / 86400.0)
    last = math.ceil((ordered["end"].max() - monday).total_seconds() / 86400.0)
    out = {}
    for team, rows in ordered.assign(waiting=waiting).groupby("team"):
        calendar = calendars[str(team)]
        capacity = staff[str(team)] * calendar.open_hours(first, last)
        out[str(team)] = {
            "processing": float(rows["hours"].mean()),
            "waiting": float(rows["waiting"].mean()) if rows["waiting"].notna().any() else math.nan,
            "utilisation": float(rows["hours"].sum() / capacity) if capacity > 0 else math.nan,
        }
    return out


def _waits(ordered: pd.DataFrame) -> pd.Series:
    """Days from the end of the case's last work finished before a visit started to that start (NaN where no
    earlier work had finished: the case's first visit, or the first branches of parallel work)."""
    start, end = ticks(ordered["start"]), ticks(ordered["end"])
    out = np.full(len(ordered), np.nan)
    for lo, hi in case_slices(ordered["case"].to_numpy()):
        for i in range(lo + 1, hi):
            finished = end[lo:i][end[lo:i] <= start[i]]
            if len(finished):
                out[i] = (start[i] - finished.max()) / 86400e9
    return pd.Series(out, index=ordered.index)


def _compare_cycle(real: np.ndarray, simulated: np.ndarray) -> list[Measure]:
    measures = [_relative("cycle time", "mean (days)", float(real.mean()), float(simulated.mean()))]
    for q, label in ((0.5, "median (days)"), (0.9, "p90 (days)")):
        measures.append(_relative("cycle time", label, float(np.quantile(real, q)), float(np.quantile(simulated, q))))
    ks = float(stats.ks_2samp(real, simulated).statistic)
    limit = TOLERANCE["cycle time KS distance"][1]
    measures.append(Measure("cycle time KS distance", "", 0.0, ks, f"<= {limit:g}", "pass" if ks <= limit else "warn"))
    return measures


def _relative(name: str, team: str, real: float, simulated: float) -> Measure:
    limit = TOLERANCE[name][1]
    ok = math.isfinite(simulated) and abs(simulated - real) <= limit * abs(real)
    return Measure(name, team, real, simulated, f"within {limit:.0%}", "pass" if ok else "warn")


def _waiting(team: str, real: float, simulated: float) -> Measure:
    limit = TOLERANCE["waiting days"][1]
    if not math.isfinite(real):
        return Measure("waiting days", team, real, simulated, "first step: no wait in a log", "pass")
    ok = math.isfinite(simulated) and abs(simulated - real) <= max(limit * abs(real), 1.0 / 24.0)
    return Measure("waiting days", team, real, simulated, f"within {limit:.0%} or an hour", "pass" if ok else "warn")


def _absolute(name: str, team: str, real: float, simulated: float) -> Measure:
    limit = TOLERANCE[name][1]
    ok = math.isfinite(simulated) and abs(simulated - real) <= limit
    return Measure(name, team, real, simulated, f"within {limit:g}", "pass" if ok else "warn")
