"""What an event log says about the production environment, in the scenario's own terms.

- **arrivals**: cases per calendar day, from each case's first event (its enable time where the log has one,
  else its start: then arrivals outside working hours show as starts at the next shift), the relative rate per
  weekday (flat over the teams' working days when the log covers less than two weeks: one week says nothing
  about weekdays) and per hour of the day;
- **teams**: the team of each event (mapping, role column, or the resource's name without its index); staff =
  the median number of distinct people of the team at work on a day the team worked; the shift = the 1st to 99th
  percentile of the hours its work starts and ends; working days = the weekdays holding 2 % or more of its work
  (5, an assumption, when the log covers less than two weeks);
- **route**: each case's visits in stages: visits that overlap in time, or became available (enable time, else
  start) at the same moment, are one stage worked in parallel (an AND-split, whose teams the route's step lists
  in ``parallel_with``; concurrency from activity life cycles, Leemans, Fahland & van der Aalst 2015); the
  route is the most frequent sequence of stages. A case's visits are matched to the route's steps in order, a
  stage's in any order; the share of the cases completing one step that never complete the next is that step's
  loss (cases that leave the process there: a rejection, a cancellation, a lost claim). Visits after which a lost
  case ended are how it left (exit work), not rework;
- **service**: a visit to a team is a run of consecutive events there; its hours are fitted per team (``fit``);
- **handoff delay**: the gap between the end of one step (its last visit: the AND-join) and the start of the next
  (its first visit), counted only where a person of that visit's team was free when the case arrived (otherwise
  the gap is queueing, which the simulation makes itself);
- **rework**: a case with visits beyond the route (back at a team, or at one off the route) that it went on from
  is an exception with bounces (``mean_bounces`` = the mean number of extra visits);
- **approvals**: activities named in the mapping; their team is the approvers; the share of the cases that
  reach an approval is the approval's share (``policy: all`` when nearly every case is approved, ``risk_based``
  with that ``share`` otherwise); the share of approved cases with a named rejection activity after the approval
  is the rejection rate.

Cases cut at the log's edges (:class:`scalesim.evidence.log.Log`) count in the arrivals and the teams' work, not
in the route, its losses or rework. A team with fewer than ``FEW_VISITS`` visits gets its fit marked as thin.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scalesim.evidence.fit import Fit, fit_durations
from scalesim.evidence.graph import ProcessFound, discover_process
from scalesim.evidence.hours import as_days, week_start, working_hours
from scalesim.evidence.log import Log, Mapping
from scalesim.ops.calendar import Calendars, WorkCalendar, rota_calendar
from scalesim.scenario.schema import HOURS_OF_WEEK, Calendar

MIN_WEEKS = 14  # days of arrivals before weekdays mean anything
WORKDAY_SHARE = 0.02
ROUTE_SHARE = 0.5
"""Below this share of cases on the route, calibration warns that the process is not a sequence of steps."""
ALL_APPROVED = 0.95
"""An approval reached by at least this share of the cases is written as ``policy: all``."""
FEW_VISITS = 30
"""A team's service-time fit from fewer visits than this is marked as thin evidence."""


@dataclass(frozen=True)
class TeamFound:
    staff: int
    start_hour: float
    hours_per_day: float
    days_per_week: int
    service: Fit
    visits: int
    people: int
    rota: list[float] | None = None  # people at work on average per hour of the week (a log of two weeks or more)
    weeks: float = 0.0  # weeks of the log the rota averages over

    def work_calendar(self) -> Calendars:
        """The calendar its work keeps: its shift, or the hours its rota has anybody at work (``calendar_of``)."""
        if self.rota is not None:
            return rota_calendar(self.rota)
        return WorkCalendar(
            Calendar(start_hour=self.start_hour, hours_per_day=self.hours_per_day, days_per_week=self.days_per_week)
        )


@dataclass(frozen=True)
class StepFound:
    team: str
    reached: int
    loss_probability: float
    transfer: Fit | None
    parallel_with: tuple[str, ...] = ()

    @property
    def teams(self) -> tuple[str, ...]:
        return (self.team, *self.parallel_with)

    @property
    def label(self) -> str:
        """The step's team, or its teams in parallel: ``(Appraiser + Clerk)``."""
        return self.team if not self.parallel_with else f"({' + '.join(self.teams)})"


@dataclass(frozen=True)
class Discovery:
    """Everything the calibration writes, with the evidence behind each number."""

    source: str
    cases: int
    events: int
    first: pd.Timestamp
    last: pd.Timestamp
    arrival_rate: float
    weekly_pattern: list[float]
    weekly_note: str
    hourly_pattern: list[float]
    teams: dict[str, TeamFound]
    exit_visits: int  # visits after which a lost case ended: worked in the log, not simulated
    route: list[StepFound]
    route_share: float  # cases whose teams follow the route's order (a prefix of it)
    exception_rate: float
    mean_bounces: float
    approval: dict[str, float | str] | None
    process: ProcessFound
    lead_times_days: np.ndarray
    estimated_starts: bool
    notes: list[str] = field(default_factory=list)
    reading: tuple[str, ...] = ()  # how the log was read (dialect, formats, lifecycle pairs, pools, checks)


def discover(log: Log, mapping: Mapping) -> Discovery:
    events = log.events
    notes: list[str] = []
    firsts = events.groupby("case")["enable"].min()  # a case arrives when its first work became available
    lasts = events.groupby("case")["end"].max()
    span_days = max((firsts.max() - firsts.min()).total_seconds() / 86400.0, 0.0)
    dates = firsts.dt.normalize()
    short = span_days < MIN_WEEKS
    teams = _teams(events, short)
    working_days = max(t.days_per_week for t in teams.values())
    if short:
        observed_days = max(int(dates.nunique()), 1)
        rate = len(firsts) / observed_days * working_days / 7.0
        pattern = [1.0 if d < working_days else 0.0 for d in range(7)]
        weekly_note = (
            f"the log covers {observed_days} day(s): weekdays unknown, arrivals spread over {working_days} working "
            "days (assumption)"
        )
    else:
        days = pd.date_range(dates.min(), dates.max(), freq="D")
        per_weekday = np.bincount(dates.dt.day_of_week, minlength=7) / np.maximum(
            np.bincount(days.day_of_week, minlength=7), 1
        )
        rate = len(firsts) / len(days)
        pattern = [round(float(v / per_weekday.mean()), 4) for v in per_weekday]
        weekly_note = f"from {len(days)} days of arrivals"
    hours = np.bincount(firsts.dt.hour, minlength=24).astype(float)
    hourly = [round(float(h), 4) for h in hours / hours.mean()]
    whole = log.without_cut()
    approvals = whole[whole["activity"].isin(set(mapping.approvals))]
    route, share, paths = _route(whole, approvals, teams)
    exception_rate, bounces = _rework(paths.rework)
    completed = set(paths.matched.index[paths.matched >= len(route)])
    approval = _approval(whole, approvals, mapping, completed)
    if share < ROUTE_SHARE:
        notes.append(
            f"only {share:.0%} of the cases follow the route's stages in order: the process has varying paths, "
            "which one route does not represent (their extra visits become rework); back-test before trusting "
            "the times"
        )
    calendars = {team: t.work_calendar() for team, t in teams.items()}
    process = discover_process(
        events.drop(index=events.index[events["activity"].isin(set(mapping.approvals))]),
        set(whole["case"]),
        calendars,
        {team: t.rota if t.rota is not None else [float(t.staff)] * HOURS_OF_WEEK for team, t in teams.items()},
        log.has_enable,
        set(approvals["case"]) if len(approvals) else None,
    )
    early = _approved_before(approvals, paths, route)
    if early:
        notes.append(
            f"{early}'s work follows the approval in most approved cases, but the simulation approves after the "
            "whole route: the approvers' waiting time in a back-test differs for that reason"
        )
    for team, found in teams.items():
        if found.visits < FEW_VISITS:
            notes.append(f"team {team}: {found.visits} visits: its service-time fit is thin evidence")
    return Discovery(
        source=log.source,
        cases=log.cases,
        events=len(events),
        first=firsts.min(),
        last=lasts.max(),
        arrival_rate=float(rate),
        weekly_pattern=pattern,
        weekly_note=weekly_note,
        hourly_pattern=hourly,
        teams=teams,
        route=route,
        route_share=share,
        exit_visits=paths.exits,
        exception_rate=exception_rate,
        mean_bounces=bounces,
        approval=approval,
        process=process,
        lead_times_days=as_days(lasts - firsts),
        estimated_starts=log.estimated_starts,
        notes=notes,
        reading=log.notes,
    )


def visits(events: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive events of one case at one team: case, team, enable, start, end, hours worked.

    An event that became available (its enable time, else its start) at the same moment as another team's event
    of its case is a branch of parallel work and starts a visit of its own, whatever the order of the tie."""
    ordered = events.sort_values(["case", "start", "end"], kind="stable")
    if "enable" not in ordered:
        ordered = ordered.assign(enable=ordered["start"])
    branches = ordered.groupby(["case", "enable"], sort=False)["team"].transform("nunique") > 1
    new_visit = (ordered["team"] != ordered["team"].shift()) | (ordered["case"] != ordered["case"].shift()) | branches
    hours = ordered["hours"] if "hours" in ordered else as_days(ordered["end"] - ordered["start"]) * 24.0
    ordered = ordered.assign(visit=new_visit.cumsum(), hours=hours)
    grouped = ordered.groupby("visit", sort=False)
    return pd.DataFrame(
        {
            "case": grouped["case"].first(),
            "team": grouped["team"].first(),
            "enable": grouped["enable"].min(),
            "start": grouped["start"].min(),
            "end": grouped["end"].max(),
            "hours": grouped["hours"].sum(),
        }
    ).reset_index(drop=True)


def _teams(events: pd.DataFrame, short: bool) -> dict[str, TeamFound]:
    """Each team's staff, time (a shift, or a rota where the log spans two weeks or more) and service time."""
    shifts = {team: _shift(rows, short) for team, rows in events.groupby("team", sort=True)}
    first, last = events["start"].min(), events["end"].max()
    rotas = {} if short else {str(team): _rota(rows, first, last) for team, rows in events.groupby("team", sort=True)}
    calendars: dict[str, Calendars] = {
        str(team): rota_calendar(rotas[str(team)])
        if str(team) in rotas
        else WorkCalendar(Calendar(start_hour=a, hours_per_day=b, days_per_week=c))
        for team, (a, b, c) in shifts.items()
    }
    all_visits = visits(events.assign(hours=working_hours(events, calendars)))
    weeks = (last - first).total_seconds() / (7 * 86400.0)
    found = {}
    for team, rows in events.groupby("team", sort=True):
        day = rows["start"].dt.normalize()
        staff = int(max(1, round(float(rows.groupby(day)["resource"].nunique().median()))))
        rota = rotas.get(str(team))
        if rota is not None:
            staff = max(staff, math.ceil(max(rota) - 1e-9))
        start, hours_per_day, days_per_week = shifts[team]
        hours = all_visits.loc[all_visits["team"] == team, "hours"].to_numpy()
        found[str(team)] = TeamFound(
            staff=staff,
            start_hour=start,
            hours_per_day=hours_per_day,
            days_per_week=days_per_week,
            service=fit_durations(hours),
            visits=len(hours),
            people=int(rows["resource"].nunique()),
            rota=rota,
            weeks=weeks,
        )
    return found


def _rota(rows: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> list[float]:
    """People of the team at work on average in each hour of the week, from each person's own calendar
    (probabilistic availability calendars, López-Pintado & Dumas 2022): a person's working hours are from the 1st
    percentile of the hours their pieces start to the 99th of the hours they end (a piece still open at midnight
    counts by its start: a work item left open overnight is nobody at work at night), and they are at work on a
    weekday with the share of that weekday's dates in the log's span on which they worked at all. Hours are read
    from whole days, not from when work happened to be there: a person with little to do is still at work. The
    team's rota adds its people up."""
    monday = week_start(first)
    start = ((rows["start"] - monday).dt.total_seconds() / 3600.0).to_numpy()
    end = ((rows["end"] - monday).dt.total_seconds() / 3600.0).to_numpy()
    day = np.floor(start / 24.0)
    end = np.where(np.floor(end / 24.0) == day, end, start)  # a piece open past midnight: its start only
    weeks = np.array(  # how often each weekday comes round in the log's span
        [
            math.floor((last - monday).total_seconds() / 86400.0 - d) // 7
            - math.ceil((first - monday).total_seconds() / 86400.0 - d - 1) // 7
            for d in range(7)
        ],
        dtype=float,
    )
    frame = pd.DataFrame({"person": rows["resource"].to_numpy(), "day": day, "s": start % 24.0, "e": end % 24.0})
    present = np.zeros((7, 24))
    for _, mine in frame.groupby("person", sort=True):
        lo = math.floor(float(np.quantile(mine["s"], 0.01)))
        hi = math.floor(float(np.quantile(np.maximum(mine["e"], mine["s"]), 0.99)))
        worked = np.bincount((mine["day"].drop_duplicates() % 7).astype(int), minlength=7)
        present[:, lo : hi + 1] += (worked / np.maximum(weeks, 1.0))[:, None]
    return [round(float(v), 4) for v in np.minimum(present, len(frame["person"].unique())).ravel()]


def _shift(rows: pd.DataFrame, short: bool) -> tuple[float, float, int]:
    """A team's shift: start hour and length from when its work starts and ends (1st and 99th percentile), and
    its working days (see the module docstring)."""
    start_hours = rows["start"].dt.hour + rows["start"].dt.minute / 60
    end_hours = rows["end"].dt.hour + rows["end"].dt.minute / 60
    start = math.floor(float(np.quantile(start_hours, 0.01)))
    end = math.ceil(float(np.quantile(end_hours, 0.99)))
    if end <= start:  # work past midnight or around the clock
        start, end = 0, 24
    if short:
        days_per_week = 5
    else:
        weekdays = rows["start"].dt.weekday
        shares = np.bincount(weekdays, minlength=7) / len(weekdays)
        days_per_week = max(1, int((shares >= WORKDAY_SHARE).sum()))
    return float(start), float(end - start), days_per_week


def _route(
    events: pd.DataFrame, approvals: pd.DataFrame, teams: dict[str, TeamFound]
) -> tuple[list[StepFound], float, Paths]:
    """The most frequent sequence of stages (a stage is one team's visit, or several teams' visits that overlap:
    parallel work), each step's loss, the share of cases on the route, and how each case went along it."""
    order = visits(events.drop(index=approvals.index))
    clocks = {str(team): _Clock(rows, teams[str(team)].staff) for team, rows in events.groupby("team")}
    cases = _Cases(order)
    stages = [_stages(cases, lo, hi) for lo, hi in cases.slices]
    route = list(Counter(stages).most_common(1)[0][0])
    share = sum(seq == tuple(route[: len(seq)]) for seq in stages) / len(stages)
    paths = _paths(cases, order, route)
    steps = []
    before = len(paths.matched)
    for k, stage in enumerate(route):
        reached = int((paths.matched > k).sum())
        loss = 1.0 - reached / before if before else 0.0
        transfer = _transfer(paths, clocks, approvals, k) if k else None
        steps.append(StepFound(stage[0], reached, round(loss, 4), transfer, stage[1:]))
        before = reached
    return steps, float(share), paths


def case_slices(case: np.ndarray) -> list[tuple[int, int]]:
    """Each case's rows ``[lo, hi)`` in rows sorted by case: per-case walks over plain arrays cost less than
    iterating pandas groups, which on a large log costs more than the walks themselves."""
    edges = [0, *(np.flatnonzero(case[1:] != case[:-1]) + 1).tolist(), len(case)]
    return list(itertools.pairwise(edges))


def ticks(times: pd.Series) -> np.ndarray:
    """Timestamps as nanosecond integers, which order and subtract like them."""
    return times.to_numpy(dtype="datetime64[ns]").astype(np.int64)


class _Cases:
    """Visits (sorted by case and start) as plain lists, and each case's slice of them (``case_slices``)."""

    def __init__(self, order: pd.DataFrame) -> None:
        case = order["case"].to_numpy()
        self.slices = case_slices(case)
        self.ids = [case[lo] for lo, _ in self.slices]
        self.team = order["team"].tolist()
        self.enable = ticks(order["enable"]).tolist()
        self.end = ticks(order["end"]).tolist()


def _stages(cases: _Cases, lo: int, hi: int) -> tuple[tuple[str, ...], ...]:
    """A case's visits as stages: a visit that became available (its enable time, else its start) before the
    stage's work had all ended, or with the stage's first visit, joins it (the teams had the case at the same
    time); each stage is its teams, sorted. Enable times matter: without them a branch that queued until its
    sibling was done looks sequential."""
    out: list[list[str]] = []
    first = last_end = 0
    for i in range(lo, hi):
        enable, end = cases.enable[i], cases.end[i]
        if out and (enable < last_end or enable == first):
            out[-1].append(cases.team[i])
            last_end = max(last_end, end)
        else:
            out.append([cases.team[i]])
            first, last_end = enable, end
    return tuple(tuple(sorted(stage)) for stage in out)


@dataclass(frozen=True)
class Paths:
    """How each case went along the route: ``matched`` steps completed; ``rework`` visits beyond the route (back at
    a team, or at one off the route) that the case went on from; ``exits`` visits after which a lost case ended
    (a rejection letter, a cancellation: how it left, not rework); and each completed step's start (its first
    visit's start and team) and end (its last visit's end: the AND-join)."""

    matched: pd.Series
    rework: pd.Series
    exits: int
    step_starts: pd.DataFrame  # case, step, start, team
    step_ends: pd.DataFrame  # case, step, end


def _paths(cases: _Cases, order: pd.DataFrame, route: list[tuple[str, ...]]) -> Paths:
    """Match each case's visits, in order, to the route's steps: a visit counts for the current step if its team
    still owes the step a visit (so a stage's visits count in any order); others are extra. A parallel step the
    case has begun is complete when the case moves on to the next step's team (one of its branches ran on from
    the visit before, or was skipped)."""
    matched, rework, exits = [], [], 0
    steps: list[tuple[int, int, int, int]] = []  # case number, step, first visit, visit that ended last
    team, end = cases.team, cases.end
    for number, (lo, hi) in enumerate(cases.slices):
        k, owed, extra, trailing = 0, Counter(route[0]), 0, 0
        first = last = -1  # the current step's first visit and the one that ended last (-1: not begun)
        for i in range(lo, hi):
            moved_on = first >= 0 and owed[team[i]] == 0 and k + 1 < len(route) and team[i] in route[k + 1]
            if first >= 0 and (moved_on or not +owed):
                steps.append((number, k, first, last))
                k, first = k + 1, -1
                owed = Counter(route[k]) if k < len(route) else Counter()
            if owed[team[i]] > 0:
                owed[team[i]] -= 1
                first, last = (i, i) if first < 0 else (first, i if end[i] > end[last] else last)
                trailing = 0
            else:
                extra += 1
                trailing += 1
        if first >= 0 and not +owed:
            steps.append((number, k, first, last))
            k += 1
        left = trailing if k < len(route) else 0
        exits += left
        matched.append(k)
        rework.append(extra - left)
    columns = np.array(steps, dtype=int).reshape(-1, 4)
    step, firsts, lasts = columns[:, 1], columns[:, 2], columns[:, 3]
    ids = np.array(cases.ids, dtype=object)[columns[:, 0]]
    return Paths(
        pd.Series(matched, index=cases.ids),
        pd.Series(rework, index=cases.ids),
        exits,
        pd.DataFrame(
            {
                "case": ids,
                "step": step,
                "start": order["start"].iloc[firsts].array,
                "team": order["team"].iloc[firsts].array,
            }
        ),
        pd.DataFrame({"case": ids, "step": step, "end": order["end"].iloc[lasts].array}),
    )


class _Clock:
    """When a team's work started and ended (sorted), to tell whether one of its people was free at a moment."""

    def __init__(self, rows: pd.DataFrame, staff: int) -> None:
        self.starts = np.sort(rows["start"].to_numpy())
        self.ends = np.sort(rows["end"].to_numpy())
        self.staff = staff

    def free(self, when: np.ndarray) -> np.ndarray:
        """Whether fewer than ``staff`` pieces of the team's work were going on at each moment."""
        busy = np.searchsorted(self.starts, when, side="right") - np.searchsorted(self.ends, when, side="right")
        return busy < self.staff


def _transfer(paths: Paths, clocks: dict[str, _Clock], approvals: pd.DataFrame, k: int) -> Fit:
    """Gaps between the end of step k-1 (its last visit) and the start of step k (its first visit), where a person
    of the team that started step k was free when step k-1 ended. An approval in between is simulated after the
    route, so the gap starts when the approval ended."""
    left = paths.step_ends[paths.step_ends["step"] == k - 1].set_index("case")["end"]
    started = paths.step_starts[paths.step_starts["step"] == k].set_index("case")
    both = pd.concat([left.rename("left"), started], axis=1, join="inner").rename_axis("case").reset_index()
    if len(approvals) and len(both):
        approved = approvals[["case", "end"]].rename(columns={"end": "approved"}).sort_values("approved")
        both = pd.merge_asof(
            both.sort_values("start"), approved, left_on="start", right_on="approved", by="case", direction="backward"
        )
        both["left"] = both[["left", "approved"]].max(axis=1)
    both = both[both["start"] >= both["left"]]
    gaps = []
    for team, rows in both.groupby("team"):
        free = rows[clocks[str(team)].free(rows["left"].to_numpy())]
        gaps.append(as_days(free["start"] - free["left"]))
    found = np.concatenate(gaps) if gaps else np.zeros(0)
    return fit_durations(found if len(found) else np.zeros(1))


def _rework(extra: pd.Series) -> tuple[float, float]:
    """Visits beyond the route that a case went on from (a case back at a team, or at one off the route) make it
    an exception that bounces: the share of such cases, and their mean number of extra visits."""
    reworked = extra > 0
    rate = float(reworked.mean())
    bounces = float(extra[reworked].mean()) if reworked.any() else 0.0
    return round(rate, 4), round(bounces, 3)


def _approved_before(approvals: pd.DataFrame, paths: Paths, route: list[StepFound]) -> str | None:
    """The first route step whose work, in most approved cases, starts after the case's approval ended."""
    if approvals.empty:
        return None
    approved = approvals.groupby("case")["end"].min()
    starts = paths.step_starts.join(approved.rename("approved"), on="case", how="inner")
    for k, step in enumerate(route):
        at = starts[starts["step"] == k]
        if len(at) and (at["start"] >= at["approved"]).mean() > 0.5:
            return step.label
    return None


def _approval(
    events: pd.DataFrame, approvals: pd.DataFrame, mapping: Mapping, completed: set[str]
) -> dict[str, float | str] | None:
    """The approvers, how many cases they approved, the share of the cases completing the route that needed
    approval (the simulation approves after the route), and the rejection rate after an approval."""
    if approvals.empty:
        return None
    team = str(approvals["team"].mode().iloc[0])
    first = approvals.groupby("case")["end"].min()
    rejected = events[events["activity"].isin(mapping.rejections)].groupby("case")["start"].min()
    joined = pd.concat([first.rename("approval"), rejected.rename("rejection")], axis=1, join="inner")
    rate = float((joined["rejection"] >= joined["approval"]).sum() / len(first)) if len(first) else 0.0
    share = len(completed & set(first.index)) / max(len(completed), 1)
    activity = str(approvals["activity"].mode().iloc[0])
    return {
        "team": team,
        "activity": activity,
        "cases": float(len(first)),
        "rejection_rate": round(rate, 4),
        "share": round(share, 4),
    }
