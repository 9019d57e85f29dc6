"""Read an organisation's event log into one normal form, or refuse it with a reason — and say how it was read.

An event log has one row per piece of work (or per transition of it): which case, which activity, when, who did
it and in which role. Tools name these columns differently (Simod and Prosimos: ``case_id``, ``start_time``,
``end_time``; XES and pm4py: ``case:concept:name``, ``concept:name``, ``time:timestamp``, ``org:resource``,
``lifecycle:transition``), so the columns are recognised from those conventions or named in a mapping file. The
steps, each in its own module, and everything they noticed goes into the log's ``notes`` (the fit report):

1. the file, in its dialect (:mod:`scalesim.evidence.read`): CSV separators, byte-order marks, encodings, XES;
2. one timestamp format per column, from all its values (:mod:`scalesim.evidence.timestamps`); ambiguous
   day/month is refused with both readings unless the mapping names the format;
3. lifecycle transitions paired into activity instances with enable, start and end
   (:mod:`scalesim.evidence.lifecycle`), when the log has a lifecycle column and no separate start column;
4. a start estimated for completion-only work: the later of the case's and the resource's previous completion
   (an upper bound: idle time before the work counts as work);
5. teams: the mapping's activity -> team, else a role column, else pools of resources that do alike work
   (:mod:`scalesim.evidence.pools`);
6. evidence checks: too few cases to fit anything is refused; every column not used is named; cases cut at the
   log's edges (begun before it, or unfinished at its end) are counted, and left out of the route.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.evidence.lifecycle import pair
from scalesim.evidence.pools import discover_pools
from scalesim.evidence.read import read_file
from scalesim.evidence.timestamps import parse_column
from scalesim.scenario.files import read_mapping

FIELDS = ("case", "activity", "enable", "start", "end", "resource", "role", "lifecycle", "instance")
REQUIRED = ("case", "activity", "end")
TIMES = ("enable", "start", "end")
CONVENTIONS: dict[str, tuple[str, ...]] = {
    "case": ("case_id", "case:concept:name", "case", "caseid", "case id", "case_key", "case key", "_case_key"),
    "activity": (
        "activity",
        "concept:name",
        "activity_name",
        "task",
        "event",
        "activity name",
        "activity_en",
        "activity_de",
    ),
    "enable": ("enable_time", "enabled_time", "enable_timestamp", "time:enable", "arrival_time", "schedule_time"),
    "start": (
        "start_time",
        "start_timestamp",
        "time:start",
        "start",
        "starttime",
        "start timestamp",
        "begin",
        "begin_time",
        "started",
    ),
    "end": (
        "end_time",
        "time:timestamp",
        "end",
        "complete_time",
        "endtime",
        "end timestamp",
        "complete timestamp",
        "completetime",
        "complete_timestamp",
        "end_timestamp",
        "eventtime",
        "timestamp",
    ),
    "resource": ("resource", "org:resource", "user", "agent", "performer", "user_name"),
    "role": ("role", "org:role", "org:group", "team", "department"),
    "lifecycle": ("lifecycle:transition", "lifecycle", "transition", "lifecycle_transition", "event_type"),
    "instance": ("concept:instance", "activity_instance", "instance_id", "activity_instance_id"),
}
"""Column names recognised without a mapping, per field, in order of preference (case and spacing aside): Simod and
Prosimos, XES and pm4py, Disco (``Case ID``, ``Activity``, ``Start Timestamp``, ``Complete Timestamp``,
``Resource``), ProM's CSV export (``startTime``, ``completeTime``) and Celonis' activity table (``_CASE_KEY``,
``ACTIVITY_EN``, ``EVENTTIME``, ``USER_NAME``). A mapping that names a column always wins."""
MIN_CASES = 10
"""Fewer cases than this are no evidence for any fitted number: refused."""
FEW_CASES = 100
"""Fewer cases than this are said to be thin evidence."""
SHORT_SPAN_DAYS = 14.0
"""A log shorter than this makes a chronological hold-out a test of other hours, not of later weeks."""
EDGE_SHARE = 0.05
"""An activity that opens (or closes) at least this share of a log's whole cases is a usual first (last) one."""


@dataclass(frozen=True)
class Mapping:
    """What a mapping file says: column names, timestamp formats, activity -> team, approval and rejection
    activities."""

    columns: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    approvals: tuple[str, ...] = ()
    rejections: tuple[str, ...] = ()

    @classmethod
    def read(cls, path: str | Path | None) -> Mapping:
        if path is None:
            return cls()
        raw = read_mapping(path, "mapping file")
        keys = {"columns", "formats", "teams", "approvals", "rejections"}
        unknown = sorted(set(raw) - keys)
        if unknown:
            raise ScenarioError(f"{path}: unknown key {unknown[0]!r}; a mapping has {', '.join(sorted(keys))}")
        columns = raw.get("columns") or {}
        bad = sorted(set(columns) - set(FIELDS))
        if bad:
            raise ScenarioError(f"{path}: columns.{bad[0]}: not a field; fields are {', '.join(FIELDS)}")
        formats = raw.get("formats") or {}
        bad = sorted(set(formats) - set(TIMES))
        if bad:
            raise ScenarioError(f"{path}: formats.{bad[0]}: not a timestamp field; they are {', '.join(TIMES)}")
        return cls(
            columns={k: str(v) for k, v in columns.items()},
            formats={k: str(v) for k, v in formats.items()},
            teams={str(k): str(v) for k, v in (raw.get("teams") or {}).items()},
            approvals=tuple(str(a) for a in raw.get("approvals") or ()),
            rejections=tuple(str(a) for a in raw.get("rejections") or ()),
        )


@dataclass(frozen=True)
class Log:
    """Events in normal form: ``case``, ``activity``, ``enable`` (when the work became available: the log's
    enable or schedule time, else the start), ``start``, ``end`` (the log's local clock time, tagged UTC),
    ``resource``, ``team``, sorted by case and end.

    ``estimated`` is the share of the work whose start was estimated (completion-only); ``has_enable`` whether
    the log says when work became available; ``cut`` the cases cut at the log's edges; ``notes`` how it was read.
    """

    events: pd.DataFrame
    source: str
    estimated: float = 0.0
    has_enable: bool = False
    cut: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    @property
    def cases(self) -> int:
        return int(self.events["case"].nunique())

    @property
    def estimated_starts(self) -> bool:
        return self.estimated > 0.0

    def without_cut(self) -> pd.DataFrame:
        """The events of the cases the log holds whole (not cut at its edges)."""
        return self.events[~self.events["case"].isin(self.cut)] if self.cut else self.events


def read_log(path: str | Path, mapping: Mapping | None = None) -> Log:
    """Read, check and normalise an event log (CSV in any common dialect, optionally gzipped, or XES)."""
    mapping = mapping or Mapping()
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file (an event log: CSV or XES)")
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        raise ScenarioError(
            f"{path}: a YAML/JSON file, not an event log; give the log as CSV (optionally .gz) or XES "
            "(and a mapping with --mapping)"
        )
    reading = read_file(path)
    raw = reading.frame
    notes = list(reading.notes)
    columns = _columns(raw, mapping, path)
    unused = [str(c) for c in raw.columns if c not in set(columns.values())]
    if unused:
        notes.append(f"columns not used: {', '.join(unused)}")
    frame = pd.DataFrame({f: raw[c] for f, c in columns.items()}).dropna(how="all")
    if frame.empty:
        raise ScenarioError(f"{path}: the log has no events")
    for f in REQUIRED:
        missing = frame[f].isna() | (frame[f].astype("string").str.strip() == "")
        if missing.all():
            raise ScenarioError(f"{path}: column {columns[f]!r} ({f}) is present but every value is empty")
        if missing.any():
            line = int(np.flatnonzero(missing.to_numpy())[0]) + 2
            raise ScenarioError(f"{path}: row {line}: column {columns[f]!r} ({f}) is empty")
    for f in ("case", "activity"):
        frame[f] = frame[f].astype(str).str.strip()
    for f in TIMES:
        if f in frame:
            empty = frame[f].isna() | (frame[f].astype("string").str.strip() == "")
            if empty.all() and f != "end":  # an export that keeps an empty column: the log has no such times
                notes.append(f"column {columns[f]!r} ({f}) is empty everywhere: read as a log without {f} times")
                frame = frame.drop(columns=f)
                continue
            if empty.all():
                raise ScenarioError(f"{path}: column {columns[f]!r} ({f}) is present but every value is empty")
            parsed = parse_column(frame[f], columns[f], str(path), mapping.formats.get(f), field=f)
            frame[f] = parsed.values
            notes.append(f"timestamps {parsed.reading}; times are the log's local clock time")
    frame = _instances(frame, notes)
    frame["resource"] = frame["resource"].astype("string") if "resource" in frame else pd.NA
    frame["team"] = _teams(frame, mapping, notes)
    frame["resource"] = frame["resource"].fillna(frame["team"]).astype(str)
    estimated = frame["start"].isna()
    never = estimated.groupby(frame["activity"]).transform("all")
    if estimated.any() and not estimated.all() and never.any():
        # in a log that records when work starts, an activity it never shows starting is an instant a system
        # records (a state change), not work whose start was lost: estimating one would count its resource's idle
        # time as work (a system user with thousands of such events would look busier than its hours)
        frame.loc[never, "start"] = frame.loc[never, "end"]
        instants = sorted(frame.loc[never, "activity"].unique())
        notes.append(
            f"{int(never.sum()):,} pieces of {len(instants)} activities the log never shows starting (e.g. "
            f"{', '.join(instants[:3])}) are read as instants (state changes a system records), not estimated"
        )
        estimated = frame["start"].isna()
    if estimated.any():
        frame["start"] = _estimated_starts(frame)
        notes.append(
            f"{estimated.mean():.0%} of the work has completion times only: its starts are estimated as the later "
            "of the case's and the resource's previous completion (upper bounds: idle time counts as work)"
        )
    _check(frame, path, mapping)
    repeated = frame.duplicated(subset=["case", "activity", "start", "end", "resource"])
    if repeated.any():
        cases = frame.loc[repeated, "case"].nunique()
        notes.append(
            f"{int(repeated.sum()):,} pieces of work repeat another of the same case, activity, resource and times "
            f"(in {cases:,} cases): read as repeated or batched work, each a piece of its own"
        )
    has_enable = "enable" in frame and bool(frame["enable"].notna().any())
    frame["enable"] = frame["enable"].fillna(frame["start"]) if "enable" in frame else frame["start"]
    frame["enable"] = frame["enable"].where(frame["enable"] <= frame["start"], frame["start"])
    events = frame.sort_values(["case", "end", "start"], kind="stable").reset_index(drop=True)
    events = events[["case", "activity", "enable", "start", "end", "resource", "team"]]
    cases = int(events["case"].nunique())
    if cases < MIN_CASES:
        raise ScenarioError(
            f"{path}: {cases} case(s): too few to fit arrivals, service times or a route (at least {MIN_CASES}; "
            f"{FEW_CASES} or more for numbers worth trusting)"
        )
    if cases < FEW_CASES:
        notes.append(f"only {cases} cases: every fitted number is thin evidence (100 or more are worth trusting)")
    cut = _cut_cases(events)
    if cut:
        notes.append(
            f"{len(cut):,} cases are cut at the log's edges (begun before it or unfinished at its end): counted in "
            "the arrivals, left out of the route and losses"
        )
    return Log(events, str(path), float(estimated.mean()), has_enable, frozenset(cut), tuple(notes))


def _instances(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """One row per piece of work: lifecycle transitions paired where the log has them (and no start column),
    otherwise rows as they are; a start left empty is estimated later."""
    if "lifecycle" in frame and "start" not in frame:
        events = frame.rename(columns={"end": "time"})
        events["lifecycle"] = events["lifecycle"].astype("string").str.strip().str.lower()
        for column in ("resource", "role", "instance"):
            if column in events:
                events[column] = events[column].astype(object).where(events[column].notna(), None)
        paired = pair(events)
        notes += paired.notes()
        frame = paired.instances
        if "role" not in events:
            frame = frame.drop(columns="role")
        if frame["enable"].isna().all():
            frame = frame.drop(columns="enable")
        return frame
    if "lifecycle" in frame:
        transitions = frame["lifecycle"].astype("string").str.strip().str.lower()
        kept = transitions.isna() | (transitions == "complete")
        if not kept.all():
            notes.append(
                f"the log has start and end columns and a lifecycle column: {int((~kept).sum()):,} rows that are not "
                "completions are left out"
            )
        frame = frame[kept.to_numpy()]
    if "start" not in frame:
        frame = frame.assign(start=pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]"))
    return frame.drop(columns=[c for c in ("lifecycle", "instance") if c in frame])


def _check(frame: pd.DataFrame, path: Path, mapping: Mapping) -> None:
    reversed_ = frame["end"] < frame["start"]
    if reversed_.any():
        first = frame[reversed_].iloc[0]
        raise ScenarioError(
            f"{path}: case {first['case']!r}, activity {first['activity']!r} ends ({first['end']}) before it starts "
            f"({first['start']}): reversed timestamps"
        )
    sizes = frame.groupby("case").size()
    if (sizes == 1).all():
        raise ScenarioError(
            f"{path}: every case has a single piece of work: there is no flow between activities to learn from"
        )
    unknown = [a for a in (*mapping.approvals, *mapping.rejections) if a not in set(frame["activity"])]
    if unknown:
        raise ScenarioError(
            f"mapping: activity {unknown[0]!r} is not in the log; activities: "
            f"{', '.join(sorted(frame['activity'].unique())[:12])}"
        )


def _columns(raw: pd.DataFrame, mapping: Mapping, path: Path) -> dict[str, str]:
    """Which column holds each field: the mapping's, else the first recognised convention."""
    present = {str(c).lower().strip(): c for c in raw.columns}
    chosen: dict[str, str] = {}
    for f in FIELDS:
        if f in mapping.columns:
            name = mapping.columns[f]
            if name not in raw.columns:
                raise ScenarioError(
                    f"mapping: columns.{f}: no column {name!r} in {path}; columns: {', '.join(map(str, raw.columns))}"
                )
            chosen[f] = name
            continue
        for candidate in CONVENTIONS[f]:
            if candidate in present and present[candidate] not in chosen.values():
                chosen[f] = present[candidate]
                break
    if chosen.get("start") is not None and chosen.get("start") == chosen.get("end"):
        del chosen["start"]
    missing = [f for f in REQUIRED if f not in chosen]
    if missing:
        f = missing[0]
        raise ScenarioError(
            f"{path}: no {f} column (looked for {', '.join(CONVENTIONS[f][:4])}, ...); columns: "
            f"{', '.join(map(str, raw.columns))}; name it in a mapping file: columns: {{{f}: YOUR_COLUMN}}"
        )
    return chosen


def _teams(frame: pd.DataFrame, mapping: Mapping, notes: list[str]) -> pd.Series:
    """The team of each piece of work: the mapping's activity -> team, else the role column, else the pool of
    resources that do alike work (names only as a hint: :mod:`scalesim.evidence.pools`)."""
    activity = frame["activity"].astype("string")
    team = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "role" in frame:
        team = frame["role"].astype("string").str.strip()
        team = team.where(team != "", pd.NA)
    if team.isna().any() and frame["resource"].isna().all():
        notes.append("the log names no resources: each activity is worked by a team of its own")
    elif team.isna().any():
        pools = discover_pools(frame["resource"], frame["activity"])
        from_pools = frame["resource"].map(pools.of_resource).astype("string")
        from_pools = from_pools.fillna(activity.map(pools.of_activity).astype("string"))
        if "role" not in frame:
            notes += pools.notes()
        team = team.fillna(from_pools)
    if mapping.teams:
        team = activity.map(mapping.teams).astype("string").fillna(team)
    return team.fillna(activity).astype(str)


def _estimated_starts(frame: pd.DataFrame) -> pd.Series:
    """Start = the later of the case's previous completion and the resource's previous completion (see module
    docstring) where the log gives none; work with neither starts when it ends (zero duration)."""
    order = frame.sort_values("end", kind="stable")
    case_prev = order.groupby("case")["end"].shift(1)
    resource_prev = order.groupby("resource")["end"].shift(1)
    start = pd.concat([case_prev, resource_prev], axis=1).max(axis=1)
    start = start.fillna(order["end"])
    start = start.where(start <= order["end"], order["end"])
    return frame["start"].fillna(start.reindex(frame.index))


def _cut_cases(events: pd.DataFrame) -> set[str]:
    """Cases cut at the log's edges (:func:`edge_cases`: begun before the log, or unfinished when it was taken)."""
    early, late = edge_cases(events)
    return early | late


def unfinished_at_end(events: pd.DataFrame) -> set[str]:
    """Cases a log cut at its end (unfinished when it was taken): a log with none holds its cases whole."""
    return edge_cases(events)[1]


def edge_cases(events: pd.DataFrame) -> tuple[set[str], set[str]]:
    """Cases whose first activity is not a usual first one and that begin in the log's first stretch (as long as
    the 90th percentile case), and cases whose last activity is not a usual last one and that end in its last
    stretch: those began before the log, these were unfinished when it was taken."""
    grouped = events.groupby("case", sort=False)
    first = grouped["activity"].first()
    last = grouped["activity"].last()
    begin, end = grouped["start"].min(), grouped["end"].max()
    stretch = (end - begin).quantile(0.9)
    usual_first = set(first.value_counts(normalize=True).loc[lambda s: s >= EDGE_SHARE].index)
    usual_last = set(last.value_counts(normalize=True).loc[lambda s: s >= EDGE_SHARE].index)
    early = (~first.isin(usual_first)) & (begin <= begin.min() + stretch)
    late = (~last.isin(usual_last)) & (end >= end.max() - stretch)
    return set(first.index[early].astype(str)), set(first.index[late].astype(str))


def split_log(log: Log, holdout: float) -> tuple[Log, pd.DataFrame]:
    """A chronological split: the cases that began first (``1 - holdout`` of them) calibrate; the rest, whole, are
    held out for the back-test (as events in normal form)."""
    begins = log.events.groupby("case")["enable"].min().sort_values(kind="stable")
    keep = round(len(begins) * (1.0 - holdout))
    if keep < MIN_CASES or len(begins) - keep < MIN_CASES:
        raise ScenarioError(
            f"--holdout {holdout:g}: {len(begins)} cases split {keep} / {len(begins) - keep}; each part needs at "
            f"least {MIN_CASES} cases"
        )
    early = set(begins.index[:keep])
    mine = log.events["case"].isin(early)
    notes = (*log.notes, f"held out: the last {len(begins) - keep:,} cases to begin ({holdout:.0%}), for the back-test")
    span = (begins.iloc[-1] - begins.iloc[0]).total_seconds() / 86400.0
    if span < SHORT_SPAN_DAYS:
        notes += (
            f"the log spans {span:.1f} days: a chronological hold-out tests other hours or days than the calibration "
            "saw (its shifts and arrival rate), not the same process later; hold out a part of a log of weeks",
        )
    calibration = Log(
        log.events[mine].reset_index(drop=True),
        log.source,
        log.estimated,
        log.has_enable,
        frozenset(c for c in log.cut if c in early),
        notes,
    )
    held = log.events[~mine].reset_index(drop=True)
    if not log.has_enable:  # the enable times are the starts: writing them would claim waits of zero
        held = held.drop(columns="enable")
    return calibration, held


def split_log_by_events(log: Log, share: float) -> tuple[Log, pd.DataFrame]:
    """The split of the published comparisons (AgentSimulator, Kirchdorfer et al. 2024): order the events by end
    time; the last ``share`` of them are the test log, the rest the training log; a case the split cuts (events on
    both sides) is dropped from both. Returns the training part as a log and the test part's events."""
    if not 0.0 < share < 1.0:
        raise ScenarioError(f"--holdout {share:g}: a share of the events between 0 and 1, e.g. 0.2")
    events = log.events
    order = events.sort_values(["end", "start"], kind="stable")
    cut = order["end"].iloc[min(round(len(order) * (1.0 - share)), len(order) - 1)]
    test_side = events["end"] >= cut
    sides = test_side.groupby(events["case"]).agg(["min", "max"])
    cut_cases = set(sides.index[sides["min"] != sides["max"]])
    kept = ~events["case"].isin(cut_cases)
    train, test = events[kept & ~test_side], events[kept & test_side]
    for name, part in (("training", train), ("test", test)):
        if part["case"].nunique() < MIN_CASES:
            raise ScenarioError(
                f"--holdout {share:g} by events: the {name} part holds {part['case'].nunique()} whole cases "
                f"({len(cut_cases)} cut by the split dropped); each part needs at least {MIN_CASES}"
            )
    notes = (
        *log.notes,
        f"held out: the last {share:.0%} of the events by end time ({test['case'].nunique():,} whole cases); "
        f"{len(cut_cases):,} cases the split cuts dropped from both parts",
    )
    training = Log(
        train.reset_index(drop=True),
        log.source,
        log.estimated,
        log.has_enable,
        frozenset(c for c in log.cut if c in set(train["case"])),
        notes,
    )
    held = test.reset_index(drop=True)
    if not log.has_enable:
        held = held.drop(columns="enable")
    return training, held
