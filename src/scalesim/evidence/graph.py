"""The process a log shows, as a graph of steps (:mod:`scalesim.scenario.process`): every activity a step, its
choices and loops with the counts the log shows, its service time and its extraneous delay.

- **steps**: one per activity. Its team is the pool that does most of its work; other pools that do at least
  ``SHARED_SHARE`` of it take that share of its visits (``shared``), so every team the log shows is worked.
  Activities whose pieces overlap in time, always together (a stage of the same activities in at least
  ``PARALLEL_SHARE`` of the stages that hold the first of them, and ``PARALLEL_CASES`` times or more), are one
  step with parallel work (concurrency from activity life cycles, Leemans, Fahland & van der Aalst 2015);
  other overlaps are taken in the order the pieces started;
- **choices and loops**: each case's steps in order; what follows the k-th visit of a step is counted per k, and
  a row is kept for each visit number with at least ``ROW_EVIDENCE`` visits, the last row pooling every later
  visit (the state abstraction of :mod:`scalesim.scenario.process`: the current activity and its visit count).
  Where the log's cases follow one another, a first-order chain would make every loop geometric;
- **service**: the working hours of each piece of the activity (its team's calendar: the night is not work),
  fitted by AIC (:mod:`scalesim.evidence.fit`); resampled when a tenth or more of the pieces take no time (an
  automatic step, a logged instant), which no positive distribution describes;
- **extraneous delay**: the working hours between when the step became possible (the log's enable time, else the
  end of the case's work before it) and its start, where the team had a free person when it next worked after
  that moment (otherwise the wait is queueing, which the simulation makes itself): Chapela-Campa & Dumas 2024,
  *Enhancing business process
  simulation models with extraneous activity delays*. Resampled from the observed values (zeros included),
  because they mix no delay with waits of days; per transition (the step before it) where the log shows it
  ``DELAY_EVIDENCE`` times or more, since the wait after a call-back is not the wait after a check.

Cases cut at the log's edges are left out of the choices (their paths are incomplete), not of the service times.
Where the mapping names approvals, a step most of whose cases end there unapproved (a rejection before the
approval) ends in ``lost``: the design's approval follows the process, and must not approve cases the log rejected.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalesim.evidence.fit import EMPIRICAL_POINTS, Fit, fit_durations
from scalesim.evidence.hours import week_start, working_hours
from scalesim.evidence.names import step_names
from scalesim.ops.calendar import Calendars
from scalesim.scenario.schema import HOURS_OF_WEEK

ROW_EVIDENCE = 30
"""Visits with the same visit number needed for a row of their own (fewer pool with the later visits)."""
MAX_ROWS = 20
SHARED_SHARE = 0.02
"""A pool that does at least this share of an activity's pieces takes that share of the step's visits."""
PARALLEL_SHARE = 0.5
PARALLEL_CASES = 20
DELAY_EVIDENCE = 30
"""Transitions seen this often get a delay of their own (the wait after a call-back is not the wait after a
check)."""
ZERO_SHARE = 0.1
"""Pieces taking no time at or above this share: the service time is resampled, not fitted."""


@dataclass(frozen=True)
class ParallelFound:
    activity: str
    team: str
    service: Fit


@dataclass(frozen=True)
class StepShape:
    """One step as the log shows it (team names as in the log; next steps by step name)."""

    name: str
    activity: str
    team: str
    shared: dict[str, float]
    service: Fit
    delay: Fit
    delayed: float  # share of the visits with an extraneous delay
    delay_after: dict[str, Fit]  # the delay after a given step, where the log shows that transition often enough
    parallel: tuple[ParallelFound, ...]
    rows: list[dict[str, float]]
    row_visits: list[int]
    visits: int
    cases: int  # cases that visit it at least once


@dataclass(frozen=True)
class ProcessFound:
    """The graph: the first step's probabilities and the steps, with the loop counts behind them."""

    start: dict[str, float]
    steps: dict[str, StepShape]
    cases: int
    visits_per_case: dict[str, dict[int, int]]  # step -> visits in a case -> cases (for the report and tests)


def discover_process(
    events: pd.DataFrame,
    whole_cases: set[str],
    calendars: Mapping[str, Calendars],
    present: Mapping[str, Sequence[float]],
    has_enable: bool = False,
    approved: set[str] | None = None,
) -> ProcessFound:
    """The process graph of ``events`` (normal form, approvals left out); ``whole_cases`` are the cases not cut at
    the log's edges (their paths give the choices); ``calendars`` and ``present`` (people at work per hour of the
    week) by the log's team names."""
    ordered = events.sort_values(["case", "start", "end", "activity"], kind="stable").reset_index(drop=True)
    activities = sorted(ordered["activity"].unique())
    names = step_names(activities)
    teams = _teams_of(ordered)
    stage = _stages(ordered)
    parallel = _parallel_sets(ordered, stage)
    symbols, visit_number, folded = _symbols(ordered, stage, parallel)
    hours = working_hours(ordered, calendars)
    delay = _extraneous_delays(ordered, stage, calendars, present, has_enable)
    case = ordered["case"].to_numpy()
    whole = np.isin(case, np.array(sorted(whole_cases), dtype=object)) if whole_cases else np.zeros(len(case), bool)
    start: Counter[str] = Counter()
    follows: dict[str, dict[int, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    per_case: dict[str, Counter[int]] = defaultdict(Counter)
    endings: Counter[str] = Counter()  # whole cases whose last step it is
    approved_endings: Counter[str] = Counter()  # ... of them, cases the log approved
    previous = np.full(len(case), "", dtype=object)  # the step before each piece in its case ("" for the first)
    lo = 0
    for hi in [*(np.flatnonzero(case[1:] != case[:-1]) + 1).tolist(), len(case)]:
        rows = [i for i in range(lo, hi) if not folded[i]]
        for before, i in itertools.pairwise(rows):
            previous[i] = names[symbols[before]]
        if whole[lo] and rows:
            path = [names[symbols[i]] for i in rows]
            start[path[0]] += 1
            for j, i in enumerate(rows):
                after = path[j + 1] if j + 1 < len(path) else "end"
                follows[path[j]][visit_number[i]][after] += 1
            for step, n in Counter(path).items():
                per_case[step][n] += 1
            endings[path[-1]] += 1
            if approved is not None and case[lo] in approved:
                approved_endings[path[-1]] += 1
        lo = hi
    cases = sum(start.values())
    steps = {}
    for activity in activities:
        name = names[activity]
        mine = (ordered["activity"] == activity).to_numpy() & ~folded
        choices, row_visits = _rows(follows.get(name, {}))
        if approved and endings[name] and approved_endings[name] < 0.5 * endings[name]:
            # most cases that end here were never approved (a rejection before the approval): they leave the
            # process, so the design's approval, which follows the process, does not approve them
            choices = [{("lost" if t == "end" else t): p for t, p in row.items()} for row in choices]
        main, shared = teams[activity]
        steps[name] = StepShape(
            name=name,
            activity=activity,
            team=main,
            shared=shared,
            service=_service_fit(hours[(ordered["activity"] == activity).to_numpy()]),
            delay=_delay_fit(delay[mine]),
            delayed=float((delay[mine] > 0).mean()) if mine.any() else 0.0,
            delay_after={
                str(before): _delay_fit(delay[mine & (previous == before)])
                for before, n in Counter(previous[mine].tolist()).most_common()
                if before and n >= DELAY_EVIDENCE
            },
            parallel=tuple(
                ParallelFound(a, teams[a][0], _service_fit(hours[(ordered["activity"] == a).to_numpy()]))
                for a in parallel.get(activity, ())
            ),
            rows=choices,
            row_visits=row_visits,
            visits=int(mine.sum()),
            cases=sum(per_case[name].values()),
        )
    start_share = {n: round(c / cases, 6) for n, c in start.most_common()} if cases else {}
    on_paths = set(follows) | set(start_share)  # an activity only cut cases show is on no whole case's path
    return ProcessFound(
        start=_closed(start_share),
        steps={n: s for n, s in steps.items() if n in on_paths},
        cases=cases,
        visits_per_case={step: dict(sorted(c.items())) for step, c in per_case.items()},
    )


def _teams_of(events: pd.DataFrame) -> dict[str, tuple[str, dict[str, float]]]:
    """Each activity's main team and the other teams doing at least ``SHARED_SHARE`` of its pieces."""
    out = {}
    for activity, rows in events.groupby("activity", sort=True):
        shares = rows["team"].value_counts(normalize=True)
        main = str(shares.index[0])
        others = {str(t): round(float(s), 4) for t, s in shares.iloc[1:].items() if s >= SHARED_SHARE}
        out[str(activity)] = (main, others)
    return out


def _stages(events: pd.DataFrame) -> np.ndarray:
    """A stage number per piece: pieces of a case that became possible (enable, else start) before the stage's work
    had all ended, or with the stage's first piece, share one: the teams had the case at the same time, even where
    one branch queued until the other was done (the rule of :func:`scalesim.evidence.discover.visits`)."""
    case = events["case"].to_numpy()
    enable = events["enable"].to_numpy() if "enable" in events else events["start"].to_numpy()
    end = events["end"].to_numpy()
    stage = np.zeros(len(events), dtype=np.int64)
    current = -1
    first = last_end = None
    for i in range(len(events)):
        if i == 0 or case[i] != case[i - 1] or not (enable[i] < last_end or enable[i] == first):
            current += 1
            first, last_end = enable[i], end[i]
        else:
            last_end = max(last_end, end[i])
        stage[i] = current
    return stage


def _parallel_sets(events: pd.DataFrame, stage: np.ndarray) -> dict[str, tuple[str, ...]]:
    """Activities that work a case together as a rule: first activity -> the others (module docstring)."""
    activity = events["activity"].tolist()
    holding: Counter[str] = Counter()
    exact: Counter[tuple[str, ...]] = Counter()
    for rows in events.groupby(stage).indices.values():
        activities = tuple(sorted(activity[i] for i in rows))
        for a in set(activities):
            holding[a] += 1
        if len(activities) > 1 and len(set(activities)) == len(activities):
            exact[activities] += 1
    out: dict[str, tuple[str, ...]] = {}
    for activities, n in exact.most_common():
        first = activities[0]
        if first in out or any(first in rest for rest in out.values()):
            continue
        if n >= PARALLEL_CASES and n >= PARALLEL_SHARE * holding[first]:
            out[first] = activities[1:]
    return out


def _symbols(
    events: pd.DataFrame, stage: np.ndarray, parallel: dict[str, tuple[str, ...]]
) -> tuple[list[str], list[int], np.ndarray]:
    """Each piece's step (its activity), its visit number in the case, and whether it is folded into a step's
    parallel work (a piece of a parallel stage other than its first activity)."""
    activity = events["activity"].tolist()
    case = events["case"].tolist()
    folded = np.zeros(len(events), dtype=bool)
    for rows in events.groupby(stage).indices.values():
        activities = tuple(sorted(activity[i] for i in rows))
        first = activities[0]
        if len(rows) > 1 and first in parallel and activities[1:] == parallel[first]:
            for i in rows:
                folded[i] = activity[i] != first
    visit: list[int] = []
    seen: Counter[tuple[str, str]] = Counter()
    for i in range(len(events)):
        if folded[i]:
            visit.append(0)
            continue
        seen[(case[i], activity[i])] += 1
        visit.append(seen[(case[i], activity[i])])
    return activity, visit, folded


def _rows(follows: dict[int, Counter[str]]) -> tuple[list[dict[str, float]], list[int]]:
    """The rows of a step's ``next``: one per visit number with ``ROW_EVIDENCE`` visits, the last pooling the
    rest."""
    if not follows:
        return [], []
    numbers = sorted(follows)
    kept = 1
    while (
        kept < MAX_ROWS and kept + 1 in follows and sum(follows[kept + 1].values()) >= ROW_EVIDENCE
    ):  # rows 1..kept are their own; kept + 1 has evidence enough to be one too
        kept += 1
    rows, row_visits = [], []
    for k in range(1, kept + 1):
        pooled: Counter[str] = Counter()
        for n in numbers:
            if n == k or (k == kept and n > k):
                pooled.update(follows[n])
        total = sum(pooled.values())
        if total == 0:
            pooled = Counter({"end": 1})
            total = 1
        rows.append(_closed({t: round(c / total, 6) for t, c in pooled.most_common()}))
        row_visits.append(int(total))
    while len(rows) > 1 and rows[-1] == rows[-2]:  # a row like the one before says nothing more
        rows.pop()
        merged = row_visits.pop()
        row_visits[-1] += merged
    return rows, row_visits


def _closed(row: dict[str, float]) -> dict[str, float]:
    """Rounded probabilities whose sum is exactly one (the largest takes the rounding)."""
    if not row:
        return row
    largest = max(row, key=lambda k: row[k])
    rest = math.fsum(v for k, v in row.items() if k != largest)
    return {k: (round(1.0 - rest, 6) if k == largest else v) for k, v in row.items()}


def _extraneous_delays(
    events: pd.DataFrame,
    stage: np.ndarray,
    calendars: Mapping[str, Calendars],
    present: Mapping[str, Sequence[float]],
    has_enable: bool,
) -> np.ndarray:
    """Working hours of each piece's team (its calendar: hours nobody works do not count) between when it became
    possible (the log's enable time, else the end of the case's stages before it) and its start, where fewer of
    the team's pieces were going on than people were at work (``present``: per hour of the week) when the team
    next worked after that moment: the wait had a free person, so it was no queue but an extraneous delay
    (Chapela-Campa & Dumas 2024); otherwise 0, the wait a queue the simulation makes itself. Asked at the next
    working moment, a case that became possible at night is not taken for delayed by a team that was merely
    not at work; asked of the team, not of the one person who did it, since people here work many cases at once
    and are always busy with one of them (0 for a case's first stage when the log has no enable times)."""
    case = events["case"].to_numpy()
    monday = week_start(events["start"].min())
    start, end, enable = (
        ((events[c] - monday).dt.total_seconds() / 86400.0).to_numpy(dtype=float) for c in ("start", "end", "enable")
    )
    ready = np.full(len(events), np.nan)
    previous_end = stage_end = -np.inf
    for i in range(len(events)):
        if i == 0 or case[i] != case[i - 1]:
            previous_end = stage_end = -np.inf
        elif stage[i] != stage[i - 1]:
            previous_end, stage_end = max(previous_end, stage_end), -np.inf
        if has_enable and enable[i] < start[i]:  # the log says when it became possible
            ready[i] = enable[i]
        elif previous_end > -np.inf:  # (a piece without an enable time of its own: its case's work before it)
            ready[i] = previous_end
        stage_end = max(stage_end, end[i])
    out = np.zeros(len(events))
    team = events["team"].to_numpy()
    for name in np.unique(team):
        mine = np.flatnonzero((team == name) & np.isfinite(ready) & (ready < start))
        if not len(mine):
            continue
        calendar = calendars[str(name)]
        rows = np.flatnonzero(team == name)
        starts, ends = np.sort(start[rows]), np.sort(end[rows])
        at = calendar.next_open(ready[mine])  # when the team next works: a night's wait is no one's choice
        busy = np.searchsorted(starts, at, side="right") - np.searchsorted(ends, at, side="right")
        hour = (np.floor(at * 24.0) % HOURS_OF_WEEK).astype(int)
        free = busy < np.asarray(present[str(name)])[hour]
        for i, ok in zip(mine.tolist(), free.tolist(), strict=True):
            if ok:
                out[i] = calendar.open_hours(float(ready[i]), float(start[i]))
    return out


def _service_fit(hours: np.ndarray) -> Fit:
    """A step's service time: fitted by AIC, or resampled where a tenth or more of the pieces take no time."""
    hours = np.asarray(hours, dtype=float)
    if len(hours) and float((hours <= 0).mean()) >= ZERO_SHARE and float(hours.max()) > 0:
        return _empirical(hours, "pieces taking no time")
    return fit_durations(hours if len(hours) else np.zeros(1))


def _delay_fit(hours: np.ndarray) -> Fit:
    """An extraneous delay: the observed working hours resampled (zeros included); none observed: none."""
    hours = np.asarray(hours, dtype=float)
    if not len(hours) or float(hours.max()) <= 0:
        return Fit({"dist": "fixed", "value": 0.0}, len(hours), 0.0, math.nan, 0.0, {})
    return _empirical(hours, "no delay and long waits mixed")


def _empirical(values: np.ndarray, why: str) -> Fit:
    quantiles = np.quantile(values, np.linspace(0.0, 1.0, EMPIRICAL_POINTS))
    kept = [float(f"{q:.6g}") for q in quantiles]
    share = float((values <= 0).mean())
    note = f"; {share:.0%} zero, {why}: the observed values resampled"
    return Fit({"dist": "empirical", "values": kept}, len(values), float(values.mean()), math.nan, 0.0, {}, note)
