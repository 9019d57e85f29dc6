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
- the **log distances** of business process simulation (Chapela-Campa et al. 2023, *Can I trust my simulation
  model?*; as Simod reports them): the cycle-time distribution distance (CTDD), and the absolute and circadian
  event distribution distances (AEDD: every start and end, in hours from the first Monday, over the log's own
  stretch of time; CEDD: per weekday, by hour of day), each the earth mover's distance in hours between the two
  logs' hourly histograms.
  They have no agreed pass mark, so they are reported (verdict ``info``), not judged.

Cases cut at the log's edges are left out of the log's cycle times (a cut case looks short).

Parallel work (teams whose visits to a case overlap) is simulated as parallel steps of the route when
``calibrate`` found them; a process whose order varies from case to case shows here as longer cycle times and
waits, with warnings.

The simulation runs the scenario's production environment under the design (``as_is`` from ``calibrate``) for at
least four weeks, with its simulated event log on; pieces of work that belong to no case (training, reviews)
are left out, since a log of cases has none.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
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
            "passed": self.passed,
            "warned": self.warnings,
            "wasserstein_share_of_mean_cycle_time": self.wasserstein_share,
            "measures": [asdict(m) for m in self.measures],
        }


def simulated_work(scenario: Scenario, design: str) -> pd.DataFrame:
    """Every piece of case work ``design`` does in the production environment, in the log's columns."""
    events = simulate(scenario, [design], event_log=True).event_log_table()
    events = events[(events["environment"] == "production") & (events["case_id"] >= 0)]
    return pd.DataFrame(
        {
            "case": events["case_id"].astype(str),
            "activity": events["activity"],
            "enable": events["enable_time"],
            "start": events["start_time"],
            "end": events["end_time"],
            "resource": events["resource"],
            "team": events["team"],
        }
    )


def simulated_cycle_times(scenario: Scenario, design: str) -> np.ndarray:
    """The cycle time of each simulated case, in days (what a back-test compares with the log's)."""
    return _cycle_times(simulated_work(scenario, design))


def backtest(scenario: Scenario, log: Log, design: str) -> Backtest:
    """Simulate ``design`` in the scenario's production environment and compare it with ``log``."""
    if design not in scenario.designs:
        raise ScenarioError(
            f"--design {design!r}: no such design in {scenario.name!r}; designs: {', '.join(scenario.designs)} "
            "(calibrate writes the as-is process as 'as_is')"
        )
    real = log.without_cut()
    real = real.assign(team=real["team"].map(team_name))
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
    simulated = simulated_work(simulated_scenario, design)
    calendars = {name: WorkCalendar(team.calendar) for name, team in scenario.production.teams.items()}
    staff = {
        name: team.staff + scenario.designs[design].added_staff.get(name, 0)
        for name, team in scenario.production.teams.items()
    }
    real_cycle, sim_cycle = _cycle_times(real), _cycle_times(simulated)
    measures = _compare_cycle(real_cycle, sim_cycle)
    measures.append(_relative("throughput per day", "", _throughput(real), _throughput(simulated)))
    enable = log.has_enable
    real_teams, sim_teams = _teams(real, calendars, staff, enable), _teams(simulated, calendars, staff, enable)
    for team in sorted(real_teams):
        r, s = (
            real_teams[team],
            sim_teams.get(team, {"processing": math.nan, "waiting": math.nan, "utilisation": math.nan}),
        )
        measures.append(_relative("processing hours", team, r["processing"], s["processing"]))
        measures.append(_waiting(team, r["waiting"], s["waiting"]))
        measures.append(_utilisation(team, r["utilisation"], s["utilisation"]))
    measures += _log_distances(real, simulated, real_cycle, sim_cycle)
    wasserstein = _wasserstein(real_cycle, sim_cycle) / max(float(real_cycle.mean()), 1e-12)
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
    events: pd.DataFrame, calendars: dict[str, WorkCalendar], staff: dict[str, int], enable: bool
) -> dict[str, dict[str, float]]:
    """Each team's processing, waiting and utilisation; ``enable``: wait from when work became available."""
    ordered = visits(events.assign(hours=working_hours(events, calendars)))
    waiting = _days(ordered["start"] - ordered["enable"]) if enable else _waits(ordered)
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


def _hours_since_monday(times: pd.Series) -> np.ndarray:
    monday = week_start(times.min())
    return ((times - monday).dt.total_seconds() / 3600.0).to_numpy(dtype=float)


def _wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """The first Wasserstein distance between the samples ``a`` and ``b``: the area between their empirical
    distribution functions.

    Summed with ``math.fsum`` (correctly rounded), so the distance does not depend on the values' order or memory
    layout: numpy's vectorised sum can differ in the last bit between two processes, and a back-test must re-run
    to the byte.
    """
    values = np.sort(np.concatenate([a, b]), kind="mergesort")
    below_a = np.searchsorted(np.sort(a), values[:-1], side="right") / len(a)
    below_b = np.searchsorted(np.sort(b), values[:-1], side="right") / len(b)
    return math.fsum(np.abs(below_a - below_b) * np.diff(values))


def _emd(a: np.ndarray, b: np.ndarray) -> float:
    """Earth mover's distance between the hourly histograms of ``a`` and ``b`` (hours): the values binned to the
    hour, then the first Wasserstein distance (equal to the EMD in one dimension)."""
    if not len(a) or not len(b):
        return math.nan
    return _wasserstein(np.floor(a), np.floor(b))


def _log_distances(
    real: pd.DataFrame, simulated: pd.DataFrame, real_cycle: np.ndarray, sim_cycle: np.ndarray
) -> list[Measure]:
    """CTDD, AEDD and CEDD (module docstring), in hours, reported."""
    source = "reported, hours (Chapela-Campa et al. 2023)"
    ctdd = _emd(real_cycle * 24.0, sim_cycle * 24.0)
    moments = [
        np.concatenate([_hours_since_monday(frame["start"]), _hours_since_monday(frame["end"])])
        for frame in (real, simulated)
    ]
    inside = (moments[1] >= moments[0].min()) & (moments[1] <= moments[0].max())
    moments[1] = moments[1][inside]  # the same stretch of the week-aligned clock as the log's
    aedd = _emd(*moments)
    per_day = []
    for day in range(7):
        hours = [m[(np.floor(m / 24.0) % 7) == day] % 24.0 for m in moments]
        if len(hours[0]) and len(hours[1]):
            per_day.append(_emd(*hours))
    cedd = float(np.mean(per_day)) if per_day else math.nan
    return [
        Measure("log distance CTDD", "cycle times", math.nan, ctdd, source, INFO),
        Measure("log distance AEDD", "events in time", math.nan, aedd, source, INFO),
        Measure("log distance CEDD", "events by weekday and hour", math.nan, cedd, source, INFO),
    ]
