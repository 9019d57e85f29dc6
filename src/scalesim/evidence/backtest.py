"""Does the calibrated model reproduce the process it came from? Simulate the as-is design and compare it with the
log, measure by measure, each with a stated tolerance and a pass / warn verdict.

Both sides are measured from events in the same way, so a difference is the model's, not the measurement's:

- **cycle time** of a case: first start to last end, in days (mean, median, p90 within 20 %; the two
  distributions' Kolmogorov-Smirnov distance at most 0.2 and their Wasserstein distance reported as a share of the
  real mean);
- **throughput**: cases finished per day with any finish (within 10 %);
- per team, **processing**: working hours per visit (a run of consecutive work of a case at the team, as
  ``calibrate`` fits it; within 15 %); **waiting**: where the log says when work became available (enable or
  schedule times), from then to the visit's start — the first step's wait included — and otherwise from the end
  of the case's last work finished before the visit started, in days (within 25 % or an hour; parallel branches
  wait from the work before the split); **utilisation**: working hours over staff x open hours across the days
  observed (within 0.10, and within 25 % of the log's where that is tighter: +55 % of a small utilisation is no
  match);
- the **five log distances** of business process simulation (NGD, AEDD, CEDD, REDD, CTDD: Chapela-Campa et al.
  2023, computed as their reference package computes them, :mod:`scalesim.evidence.distances`), as the field
  reports them: the mean and standard deviation over ``runs`` simulated logs, beside the floor (the training log
  against this log, where one is given) and the skill score (:mod:`scalesim.evidence.heldout`), in their own
  table (``Backtest.heldout``): they have no agreed pass mark, so they are reported, not judged.

**The log is read through the model**: each piece of work is the model's by its activity (a process's step, or
for a route of teams the team the log's pools and roles name), so a log the model never saw — a later window, a
held-out part — is measured in the model's own teams. Activities (or teams) the model does not have are named
with their share of the log's work, left out of the team measures, and kept in the distances (the real log is
what it is).

The simulation works as many cases as the log holds, arriving from its first case's start on (the protocol of the
published comparisons), ``runs`` times; each measure's simulated side is over all runs (cycle times pooled, the
rest the mean of the runs: one run's arrivals alone move a busy team's queue), as are the distances.
Cases cut at the log's edges are left out of the log's cycle times (a cut case looks short).

Pieces of simulated work that belong to no case (training, reviews) are left out, since a log of cases has none.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scalesim.errors import ScenarioError
from scalesim.evidence.discover import case_slices, ticks, visits
from scalesim.evidence.distances import wasserstein_distance
from scalesim.evidence.heldout import AUTO, DISJOINT, RUNS, HeldOut, evaluate, observed, simulated_log
from scalesim.evidence.hours import week_start, working_hours
from scalesim.evidence.log import Log
from scalesim.evidence.names import team_name
from scalesim.ops.calendar import Calendars, calendar_of
from scalesim.ops.rota import capacity_hours
from scalesim.ops.route import route_of
from scalesim.ops.run import design_of
from scalesim.scenario.process import Process
from scalesim.scenario.schema import Scenario, Team

MIN_DAYS = 28
TOLERANCE = {
    "cycle time": ("relative", 0.20),
    "cycle time KS distance": ("at most", 0.20),
    "throughput per day": ("relative", 0.10),
    "processing hours": ("relative", 0.15),
    "waiting days": ("relative or an hour", 0.25),
    "utilisation": ("absolute", 0.10),
    "utilisation relative": ("relative", 0.25),
}
INFO = "info"
"""The verdict of a measure that is reported, not judged (the log distances)."""


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
    heldout: HeldOut
    first: str  # the log's first start (ISO 8601): where the simulated cases begin
    last: str  # the log's last end (ISO 8601): where its window ends
    unseen: tuple[str, ...] = ()  # what of the log the model does not have, with its share of the work
    simulated_logs: tuple[pd.DataFrame, ...] = ()
    mapping: str | None = None  # the mapping file the log was read with, to record the back-test's call
    sources: dict[str, str] = field(default_factory=dict)  # what the scenario file cites for each field

    @property
    def warnings(self) -> int:
        return sum(m.verdict == "warn" for m in self.measures)

    @property
    def passed(self) -> int:
        return sum(m.verdict == "pass" for m in self.measures)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(m) for m in self.measures])

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "design": self.design,
            "log": self.log,
            "simulated_days": self.days,
            "seed": self.seed,
            "first_start": self.first,
            "last_end": self.last,
            "cases": self.heldout.cases,
            "passed": self.passed,
            "warned": self.warnings,
            "wasserstein_share_of_mean_cycle_time": self.wasserstein_share,
            "unseen": list(self.unseen),
            "distances": self.heldout.to_dict(),
            "measures": [asdict(m) for m in self.measures],
        }


def through_model(scenario: Scenario, design: str, log: Log) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The log's events with the model's team for each piece (module docstring), and what the model does not
    have, each with its share of the log's work."""
    events = log.events
    route = route_of(scenario.production, design_of(scenario, design))
    if isinstance(route, Process):
        teams = {}
        for name, step in route.steps.items():
            teams[route.activity(name)] = step.team
            teams.update({work.activity: work.team for work in step.parallel})
        approval = design_of(scenario, design).approval
        if approval.team is not None:  # the approval lever's work, by the name the log gives it
            teams[approval.activity or "approval"] = approval.team
        team = events["activity"].map(teams)
        kind = "activity"
        missing = events.loc[team.isna(), "activity"]
    else:
        team = events["team"].map(team_name)
        team = team.where(team.isin(set(scenario.production.teams)))
        kind = "team"
        missing = events.loc[team.isna(), "team"]
    unseen = tuple(
        f"{kind} {name!r}: {share:.1%} of the log's work"
        for name, share in missing.value_counts(normalize=False).div(len(events)).items()
    )
    return events.assign(team=team), unseen


def simulated_cycle_times(
    scenario: Scenario, design: str, first: pd.Timestamp, last: pd.Timestamp, cases: int, window: str, runs: int
) -> np.ndarray:
    """The cycle times of the back-test's simulated logs, run after run, as seen through the log's window (its
    first start to its ``last`` end), in days (what it stores)."""
    seen = pd.DataFrame({"end": [last]})
    made = (simulated_log(scenario, design, first, cases, r) for r in range(runs))
    return np.concatenate([_cycle_times(observed(log, seen, window)) for log in made])


def backtest(
    scenario: Scenario,
    log: Log,
    design: str,
    runs: int = RUNS,
    train: pd.DataFrame | None = None,
    split: str = DISJOINT,
    window: str = AUTO,
) -> Backtest:
    """Simulate ``design`` in the scenario's production environment and compare it with ``log``, read through the
    model; ``train`` (the log the model was calibrated from, in normal form) gives the distances' floor."""
    if design not in scenario.designs:
        raise ScenarioError(
            f"--design {design!r}: no such design in {scenario.name!r}; designs: {', '.join(scenario.designs)} "
            "(calibrate writes the as-is process as 'as_is')"
        )
    events, unseen = through_model(scenario, design, log)
    if events["team"].isna().all():
        raise ScenarioError(
            f"{log.source}: none of the log's work is the model's ({'; '.join(unseen[:3])}); was {scenario.name!r} "
            "calibrated from this process?"
        )
    cases = int(events["case"].nunique())
    first = events["start"].min()
    made = [simulated_log(scenario, design, first, cases, r) for r in range(runs)]
    heldout, simulated_logs = evaluate(scenario, design, events, train, split, logs=made, window=window)
    known = events[events["team"].notna()]
    real = known[~known["case"].isin(log.cut)] if log.cut else known
    calendars = {name: calendar_of(team) for name, team in scenario.production.teams.items()}
    staff = {
        name: team.staff + scenario.designs[design].added_staff.get(name, 0)
        for name, team in scenario.production.teams.items()
    }
    # the model's side of each measure over all its runs (one run's arrivals alone move a busy team's queue)
    real_cycle = _cycle_times(real)
    sim_cycle = np.concatenate([_cycle_times(run) for run in simulated_logs])
    measures = _compare_cycle(real_cycle, sim_cycle)
    throughput = float(np.mean([_throughput(run) for run in simulated_logs]))
    measures.append(_relative("throughput per day", "", _throughput(real), throughput))
    enable = log.has_enable
    teams = scenario.production.teams
    real_teams = _teams(real, calendars, teams, staff, enable)
    span = (real["start"].min(), real["end"].max())
    per_run = [_teams(run, calendars, teams, staff, enable, span) for run in simulated_logs]
    nothing = {"processing": math.nan, "waiting": math.nan, "utilisation": math.nan}
    for team in sorted(real_teams):
        r = real_teams[team]
        s = {key: float(np.mean([run.get(team, nothing)[key] for run in per_run])) for key in nothing}
        measures.append(_relative("processing hours", team, r["processing"], s["processing"]))
        measures.append(_waiting(team, r["waiting"], s["waiting"]))
        measures.append(_utilisation(team, r["utilisation"], s["utilisation"]))
    wasserstein = wasserstein_distance(real_cycle, sim_cycle) / max(float(real_cycle.mean()), 1e-12)
    days = float(np.mean([(run["end"].max() - run["start"].min()).total_seconds() / 86400.0 for run in simulated_logs]))
    return Backtest(
        scenario.name,
        design,
        log.source,
        round(days, 6),
        scenario.run.seed,
        measures,
        real_cycle,
        sim_cycle,
        wasserstein,
        scenario,
        heldout,
        first.isoformat(),
        events["end"].max().isoformat(),
        unseen,
        tuple(simulated_logs),
    )


def _cycle_times(events: pd.DataFrame) -> np.ndarray:
    grouped = events.groupby("case")
    return (grouped["end"].max() - grouped["start"].min()).dt.total_seconds().to_numpy(dtype=float) / 86400.0


def _throughput(events: pd.DataFrame) -> float:
    """Cases finished on the day a case finished, averaged over the cases: each day weighs as many cases as it
    holds, so a sliver of a day at either end of a log (a few cases past midnight, a window that ends at noon)
    does not pass for a day's work, on either side."""
    per_day = events.groupby("case")["end"].max().dt.normalize().value_counts().to_numpy(dtype=float)
    return float((per_day**2).sum() / per_day.sum())


def _teams(
    events: pd.DataFrame,
    calendars: dict[str, Calendars],
    teams: dict[str, Team],
    staff: dict[str, int],
    enable: bool,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> dict[str, dict[str, float]]:
    """Each team's processing, waiting and utilisation; ``enable``: wait from when work became available.
    Utilisation is the work begun over the staff time of the whole days of ``span`` (the log's first start to its
    last end; default these events' own), so a simulated run is measured over the days the log covers."""
    ordered = visits(events.assign(hours=working_hours(events, calendars)))
    waiting = _days(ordered["start"] - ordered["enable"]) if enable else _waits(ordered)
    begin, finish = span if span is not None else (ordered["start"].min(), ordered["end"].max())
    monday = week_start(begin)
    first = math.floor((begin - monday).total_seconds() / 86400.0)
    last = math.ceil((finish - monday).total_seconds() / 86400.0)
    inside = (ordered["start"] >= monday + pd.Timedelta(days=first)) & (
        ordered["start"] < monday + pd.Timedelta(days=last)
    )
    out = {}
    for team, rows in ordered.assign(waiting=waiting, inside=inside).groupby("team"):
        capacity = capacity_hours(teams[str(team)], staff[str(team)], first, last)
        worked = float(rows.loc[rows["inside"], "hours"].sum())
        out[str(team)] = {
            "processing": float(rows["hours"].mean()),
            "waiting": float(rows["waiting"].mean()) if rows["waiting"].notna().any() else math.nan,
            "utilisation": worked / capacity if capacity > 0 else math.nan,
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
    verdict = "pass" if ks <= limit else "warn"
    measures.append(Measure("cycle time KS distance", "", math.nan, ks, f"<= {limit:g}", verdict))
    return measures


def _relative(name: str, team: str, real: float, simulated: float) -> Measure:
    limit = TOLERANCE[name][1]
    ok = math.isfinite(simulated) and abs(simulated - real) <= limit * abs(real)
    return Measure(name, team, real, simulated, f"within {limit:.0%}", "pass" if ok else "warn")


def _days(durations: pd.Series) -> pd.Series:
    return durations.dt.total_seconds() / 86400.0


def _waiting(team: str, real: float, simulated: float) -> Measure:
    limit = TOLERANCE["waiting days"][1]
    if not math.isfinite(real):
        return Measure("waiting days", team, real, simulated, "first step: no enable times in the log", INFO)
    ok = math.isfinite(simulated) and abs(simulated - real) <= max(limit * abs(real), 1.0 / 24.0)
    return Measure("waiting days", team, real, simulated, f"within {limit:.0%} or an hour", "pass" if ok else "warn")


def _utilisation(team: str, real: float, simulated: float) -> Measure:
    """Within 0.10, and within 25 % of the log's where that is tighter."""
    absolute, relative = TOLERANCE["utilisation"][1], TOLERANCE["utilisation relative"][1]
    limit = min(absolute, relative * abs(real)) if math.isfinite(real) else absolute
    ok = math.isfinite(simulated) and abs(simulated - real) <= limit
    said = f"within {absolute:g}" if limit == absolute else f"within {relative:.0%} ({limit:.2g})"
    return Measure("utilisation", team, real, simulated, said, "pass" if ok else "warn")


def simulated_log_csv(log: pd.DataFrame) -> pd.DataFrame:
    """A simulated log in the event-log columns of Simod and Prosimos (times ISO 8601, the log's clock), as any
    process-mining tool and ``log-distance-measures`` read it."""
    return pd.DataFrame(
        {
            "case_id": log["case"],
            "activity": log["activity"],
            "resource": log["resource"],
            "start_time": log["start"].dt.tz_localize(None).dt.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "end_time": log["end"].dt.tz_localize(None).dt.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "team": log["team"],
        }
    )
