"""What an event log says about the production environment, in the scenario's own terms.

- **arrivals**: cases per calendar day, from each case's first event (its enable time where the log has one,
  else its start: then arrivals outside working hours show as starts at the next shift), the relative rate per
  weekday (flat over the teams' working days when the log covers less than two weeks: one week says nothing
  about weekdays) and per hour of the day;
- **teams**: the team of each event (mapping, role column, or the resource's name without its index); staff =
  the median number of distinct people of the team at work on a day the team worked; the shift = the 1st to 99th
  percentile of the hours its work starts and ends; working days = the weekdays holding 2 % or more of its work
  (5, an assumption, when the log covers less than two weeks);
- **route**: each case's teams in the order it first reaches them; the route is the most frequent such sequence,
  and the share of the cases reaching one step's team that never reach the next step's team is that step's loss
  (cases that leave the process there: a rejection, a cancellation, a lost claim), counted whatever the order;
- **service**: a visit to a team is a run of consecutive events there; its hours are fitted per team (``fit``);
- **handoff delay**: the gap between leaving one step and starting the next, counted only where a person of the
  next team was free when the case arrived (otherwise the gap is queueing, which the simulation makes itself);
- **rework**: a case with visits beyond the route (back at a team, or at one off the route) is an exception with
  bounces (``mean_bounces`` = the mean number of extra visits);
- **approvals**: activities named in the mapping; their team is the approvers, the share of their cases with a
  named rejection activity after the approval is the rejection rate.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scalesim.evidence.fit import Fit, fit_durations
from scalesim.evidence.log import Log, Mapping
from scalesim.ops.calendar import WorkCalendar
from scalesim.scenario.schema import Calendar

MIN_WEEKS = 14  # days of arrivals before weekdays mean anything
WORKDAY_SHARE = 0.02
ROUTE_SHARE = 0.5
"""Below this share of cases on the route, calibration warns that the process is not a sequence of steps."""


@dataclass(frozen=True)
class TeamFound:
    staff: int
    start_hour: float
    hours_per_day: float
    days_per_week: int
    service: Fit
    visits: int
    people: int


@dataclass(frozen=True)
class StepFound:
    team: str
    reached: int
    loss_probability: float
    transfer: Fit | None


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
    route: list[StepFound]
    route_share: float  # cases whose teams follow the route's order (a prefix of it)
    exception_rate: float
    mean_bounces: float
    approval: dict[str, float | str] | None
    lead_times_days: np.ndarray
    estimated_starts: bool
    notes: list[str] = field(default_factory=list)


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
        per_weekday = np.bincount(dates.dt.weekday, minlength=7) / np.maximum(np.bincount(days.weekday, minlength=7), 1)
        rate = len(firsts) / len(days)
        pattern = [round(float(v / per_weekday.mean()), 4) for v in per_weekday]
        weekly_note = f"from {len(days)} days of arrivals"
    hours = np.bincount(firsts.dt.hour, minlength=24).astype(float)
    hourly = [round(float(h), 4) for h in hours / hours.mean()]
    route, share, extra = _route(events, mapping)
    exception_rate, bounces = _rework(extra)
    approval = _approval(events, mapping)
    if share < ROUTE_SHARE:
        notes.append(
            f"only {share:.0%} of the cases follow the route's order: the process has parallel or varying paths, "
            "which a route of sequential steps does not represent (their extra visits become rework); back-test "
            "before trusting the times"
        )
    if log.estimated_starts:
        notes.append(
            "the log has completion times only: starts estimated as the later of the case's and the resource's "
            "previous completion, so service times are upper bounds (idle time before the work counts as work)"
        )
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
        exception_rate=exception_rate,
        mean_bounces=bounces,
        approval=approval,
        lead_times_days=_days(lasts - firsts),
        estimated_starts=log.estimated_starts,
        notes=notes,
    )


def _days(durations: pd.Series) -> np.ndarray:
    """Timedeltas as days (floats)."""
    return durations.dt.total_seconds().to_numpy(dtype=float) / 86400.0


def visits(events: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive events of one case at one team: case, team, visit number, start, end, hours worked."""
    ordered = events.sort_values(["case", "start", "end"], kind="stable")
    new_visit = (ordered["team"] != ordered["team"].shift()) | (ordered["case"] != ordered["case"].shift())
    hours = ordered["hours"] if "hours" in ordered else _days(ordered["end"] - ordered["start"]) * 24.0
    ordered = ordered.assign(visit=new_visit.cumsum(), hours=hours)
    grouped = ordered.groupby("visit", sort=False)
    return pd.DataFrame(
        {
            "case": grouped["case"].first(),
            "team": grouped["team"].first(),
            "start": grouped["start"].min(),
            "end": grouped["end"].max(),
            "hours": grouped["hours"].sum(),
        }
    ).reset_index(drop=True)


def week_start(first: pd.Timestamp) -> pd.Timestamp:
    """Monday 00:00 of the week of ``first``: day 0 of a working calendar (``WorkCalendar``: weekday = day % 7)."""
    return first.normalize() - pd.Timedelta(days=int(first.weekday()))


def working_hours(events: pd.DataFrame, calendars: dict[str, WorkCalendar]) -> np.ndarray:
    """Each event's duration in its team's working hours: work that runs past the end of a shift pauses until the
    next one, as in the simulation (``WorkCalendar``), so the night is not counted as work."""
    monday = week_start(events["start"].min())
    start = _days(events["start"] - monday)
    end = _days(events["end"] - monday)
    hours = (end - start) * 24.0
    teams = events["team"].to_numpy()
    for team, calendar in calendars.items():
        if calendar.always_open:
            continue
        lo, hi = calendar.shift_start, calendar.shift_start + calendar.shift_len
        day = np.floor(start)
        inside = (np.floor(end) == day) & (start - day >= lo) & (end - day <= hi) & (day % 7 < calendar.days_per_week)
        for i in np.flatnonzero((teams == team) & ~inside):
            hours[i] = calendar.open_hours(start[i], end[i])
    return hours


def _teams(events: pd.DataFrame, short: bool) -> dict[str, TeamFound]:
    shifts = {team: _shift(rows, short) for team, rows in events.groupby("team", sort=True)}
    calendars = {
        str(team): WorkCalendar(Calendar(start_hour=a, hours_per_day=b, days_per_week=c))
        for team, (a, b, c) in shifts.items()
    }
    all_visits = visits(events.assign(hours=working_hours(events, calendars)))
    found = {}
    for team, rows in events.groupby("team", sort=True):
        day = rows["start"].dt.normalize()
        staff = int(max(1, round(float(rows.groupby(day)["resource"].nunique().median()))))
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
        )
    return found


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


def _route(events: pd.DataFrame, mapping: Mapping) -> tuple[list[StepFound], float, pd.Series]:
    """The most frequent sequence of team visits, each step's loss, the share of cases on it, and how far along
    it each case got (a team may appear twice: a clerk who checks a form, then signs the offer)."""
    approvals = set(mapping.approvals)
    order = visits(events[~events["activity"].isin(approvals)])
    sequences = order.groupby("case", sort=False)["team"].agg(tuple)
    route = list(Counter(sequences).most_common(1)[0][0])
    share = float(sequences.map(lambda seq: seq == tuple(route[: len(seq)])).mean())
    # how far along the route a case got: the longest prefix of the route its visits contain in order, so work
    # done out of order between the route's steps does not count as lost
    matched = sequences.map(lambda seq: _along(seq, route))
    steps = []
    before = len(matched)
    for k, team in enumerate(route):
        reached = int((matched > k).sum())
        loss = 1.0 - reached / before if before else 0.0
        steps.append(StepFound(team, reached, round(loss, 4), _transfer(order, events, route, k) if k else None))
        before = reached
    extra = sequences.map(len) - matched
    return steps, share, extra


def _along(sequence: tuple[str, ...], route: list[str]) -> int:
    """The longest prefix of ``route`` that is a subsequence of ``sequence``."""
    k = 0
    for team in sequence:
        if k < len(route) and team == route[k]:
            k += 1
    return k


def _transfer(order: pd.DataFrame, events: pd.DataFrame, route: list[str], k: int) -> Fit:
    """Gaps between leaving step k-1 and starting step k, where a person of step k's team was free on arrival."""
    prev = order[order["team"] == route[k - 1]].drop_duplicates("case").set_index("case")["end"]
    nxt = order[order["team"] == route[k]].drop_duplicates("case").set_index("case")["start"]
    both = pd.concat([prev.rename("left"), nxt.rename("started")], axis=1, join="inner")
    both = both[both["started"] >= both["left"]]
    team_events = events[events["team"] == route[k]]
    starts = np.sort(team_events["start"].to_numpy())
    ends = np.sort(team_events["end"].to_numpy())
    staff = max(1, int(team_events.groupby(team_events["start"].dt.normalize())["resource"].nunique().median()))
    busy = np.searchsorted(starts, both["left"].to_numpy(), side="right") - np.searchsorted(
        ends, both["left"].to_numpy(), side="right"
    )
    free = both[busy < staff]
    gaps = _days(free["started"] - free["left"])
    return fit_durations(gaps if len(gaps) else np.zeros(1))


def _rework(extra: pd.Series) -> tuple[float, float]:
    """Visits beyond the route (a case back at a team, or at one off the route) make a case an exception that
    bounces: the share of such cases, and their mean number of extra visits."""
    reworked = extra > 0
    rate = float(reworked.mean())
    bounces = float(extra[reworked].mean()) if reworked.any() else 0.0
    return round(rate, 4), round(bounces, 3)


def _approval(events: pd.DataFrame, mapping: Mapping) -> dict[str, float | str] | None:
    if not mapping.approvals:
        return None
    approved = events[events["activity"].isin(mapping.approvals)]
    team = str(approved["team"].mode().iloc[0])
    first = approved.groupby("case")["end"].min()
    rejected = events[events["activity"].isin(mapping.rejections)].groupby("case")["start"].min()
    joined = pd.concat([first.rename("approval"), rejected.rename("rejection")], axis=1, join="inner")
    rate = float((joined["rejection"] >= joined["approval"]).sum() / len(first)) if len(first) else 0.0
    return {"team": team, "cases": float(len(first)), "rejection_rate": round(rate, 4)}
