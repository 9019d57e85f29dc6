"""Read an organisation's event log into one normal form, or refuse it with a reason.

An event log has one row per piece of work: which case, which activity, when it started and ended, who did it
and in which role. Tools name these columns differently (Simod and Prosimos: ``case_id``, ``start_time``,
``end_time``; pm4py and XES: ``case:concept:name``, ``concept:name``, ``time:timestamp``, ``org:resource``,
``org:role``), so the columns are recognised from those conventions or named in a mapping file. XES files are
read through pm4py (the optional extra ``logs``).

A log with completion times only gets estimated starts: an event starts when both its case and its resource
were free, i.e. at the later of the case's previous completion and the resource's previous completion. The
estimate is biased *upwards* (it counts any idle or off-shift time before the work as work), so service times
fitted from it are upper bounds; the calibration report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.scenario.files import read_mapping

FIELDS = ("case", "activity", "enable", "start", "end", "resource", "role")
REQUIRED = ("case", "activity", "end")
CONVENTIONS: dict[str, tuple[str, ...]] = {
    "case": ("case_id", "case:concept:name", "case", "caseid", "case id", "case_key"),
    "activity": ("activity", "concept:name", "activity_name", "task", "event"),
    "enable": ("enable_time", "enabled_time", "enable_timestamp", "time:enable", "arrival_time"),
    "start": ("start_time", "start_timestamp", "time:start", "start", "starttime", "start timestamp"),
    "end": ("end_time", "time:timestamp", "end", "complete_time", "endtime", "end timestamp", "timestamp"),
    "resource": ("resource", "org:resource", "user", "agent", "performer"),
    "role": ("role", "org:role", "org:group", "team", "department"),
}
"""Column names recognised without a mapping, per field, in order of preference."""


@dataclass(frozen=True)
class Mapping:
    """What a mapping file says: column names, activity -> team, approval and rejection activities."""

    columns: dict[str, str] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    approvals: tuple[str, ...] = ()
    rejections: tuple[str, ...] = ()

    @classmethod
    def read(cls, path: str | Path | None) -> Mapping:
        if path is None:
            return cls()
        raw = read_mapping(path, "mapping file")
        unknown = sorted(set(raw) - {"columns", "teams", "approvals", "rejections"})
        if unknown:
            raise ScenarioError(
                f"{path}: unknown key {unknown[0]!r}; a mapping has columns, teams, approvals, rejections"
            )
        columns = raw.get("columns") or {}
        bad = sorted(set(columns) - set(FIELDS))
        if bad:
            raise ScenarioError(f"{path}: columns.{bad[0]}: not a field; fields are {', '.join(FIELDS)}")
        return cls(
            columns={k: str(v) for k, v in columns.items()},
            teams={str(k): str(v) for k, v in (raw.get("teams") or {}).items()},
            approvals=tuple(str(a) for a in raw.get("approvals") or ()),
            rejections=tuple(str(a) for a in raw.get("rejections") or ()),
        )


@dataclass(frozen=True)
class Log:
    """Events in normal form: ``case``, ``activity``, ``enable`` (when the work became available: the log's enable
    or arrival time, else the start), ``start``, ``end`` (UTC timestamps), ``resource``, ``team``, sorted by case
    and end; ``estimated_starts`` when the log had completion times only."""

    events: pd.DataFrame
    source: str
    estimated_starts: bool

    @property
    def cases(self) -> int:
        return int(self.events["case"].nunique())


def read_log(path: str | Path, mapping: Mapping | None = None) -> Log:
    """Read, check and normalise an event log (CSV, optionally gzipped, or XES)."""
    mapping = mapping or Mapping()
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file (an event log: CSV or XES)")
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        raise ScenarioError(
            f"{path}: a YAML/JSON file, not an event log; give the log as CSV (optionally .gz) or XES "
            "(and a mapping with --mapping)"
        )
    raw = _read_table(path)
    columns = _columns(raw, mapping, path)
    frame = pd.DataFrame({f: raw[c] for f, c in columns.items()})
    frame = frame.dropna(how="all")
    if frame.empty:
        raise ScenarioError(f"{path}: the log has no events")
    for f in REQUIRED:
        missing = frame[f].isna()
        if missing.any():
            line = int(np.flatnonzero(missing.to_numpy())[0]) + 2
            raise ScenarioError(f"{path}: row {line}: column {columns[f]!r} ({f}) is empty")
    frame["case"] = frame["case"].astype(str)
    frame["activity"] = frame["activity"].astype(str)
    for f in ("enable", "start", "end"):
        if f in frame:
            frame[f] = _timestamps(frame[f], columns[f], path)
    estimated = "start" not in frame
    if "resource" not in frame:
        frame["resource"] = frame["activity"]  # nobody named: each activity is its own performer
    frame["resource"] = frame["resource"].fillna("unknown").astype(str)
    frame["team"] = _teams(frame, mapping)
    if estimated:
        frame["start"] = _estimated_starts(frame)
    reversed_ = frame["end"] < frame["start"]
    if reversed_.any():
        first = frame[reversed_].iloc[0]
        raise ScenarioError(
            f"{path}: case {first['case']!r}, activity {first['activity']!r} ends ({first['end']}) before it starts "
            f"({first['start']}): reversed timestamps"
        )
    duplicated = frame.duplicated(subset=["case", "activity", "start", "end", "resource"])
    if duplicated.any():
        twice = frame[duplicated].iloc[0]
        raise ScenarioError(
            f"{path}: case {twice['case']!r}, activity {twice['activity']!r} at {twice['start']} is in the log "
            f"{int(duplicated.sum()) + 1} times or more: duplicate events (remove them, or give them distinct times)"
        )
    sizes = frame.groupby("case").size()
    if (sizes == 1).all():
        raise ScenarioError(f"{path}: every case has a single event: there is no flow between activities to learn from")
    unknown = [a for a in (*mapping.approvals, *mapping.rejections) if a not in set(frame["activity"])]
    if unknown:
        raise ScenarioError(
            f"mapping: activity {unknown[0]!r} is not in the log; activities: "
            f"{', '.join(sorted(frame['activity'].unique())[:12])}"
        )
    # when work became available (an arrival for a case's first piece of work); the start where the log has none
    frame["enable"] = frame["enable"].fillna(frame["start"]) if "enable" in frame else frame["start"]
    frame["enable"] = frame["enable"].where(frame["enable"] <= frame["start"], frame["start"])
    events = frame.sort_values(["case", "end", "start"], kind="stable").reset_index(drop=True)
    return Log(events[["case", "activity", "enable", "start", "end", "resource", "team"]], str(path), estimated)


def _read_table(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        try:
            import pm4py  # type: ignore[import-untyped]
        except ImportError:
            raise ScenarioError(
                f"{path}: reading XES needs pm4py: pip install 'scalesim[logs]' (or export the log as CSV)"
            ) from None
        try:
            return pm4py.convert_to_dataframe(pm4py.read_xes(str(path)))
        except Exception as error:  # pm4py raises many kinds; the user needs the file and the reason
            raise ScenarioError(f"{path}: not a readable XES file ({type(error).__name__}: {error})") from None
    with path.open("rb") as head:
        if not name.endswith(".gz") and b"\x00" in head.read(4096):
            raise ScenarioError(f"{path}: not a readable CSV event log (binary data)")
    try:
        return pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise ScenarioError(f"{path}: the file is empty (an event log needs a header row and events)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as error:
        raise ScenarioError(f"{path}: not a readable CSV event log ({error})") from None


def _columns(raw: pd.DataFrame, mapping: Mapping, path: Path) -> dict[str, str]:
    """Which column holds each field: the mapping's, else the first recognised convention."""
    present = {c.lower().strip(): c for c in raw.columns}
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
            if candidate in present:
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


def _timestamps(values: pd.Series, column: str, path: Path) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    bad = parsed.isna() & values.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ScenarioError(
            f"{path}: row {row + 2}: column {column!r}: {values.iloc[row]!r} is not a timestamp (ISO 8601 expected)"
        )
    return parsed


def _teams(frame: pd.DataFrame, mapping: Mapping) -> pd.Series:
    """The team of each event: the mapping's activity -> team, else the role column, else the resource's name
    without its trailing index (``Claims Handler_12`` -> ``Claims Handler``)."""
    if "role" in frame:
        team = frame["role"].astype("string")
    else:
        team = frame["resource"].str.replace(r"[-_ ]?\d+$", "", regex=True).astype("string")
    team = team.fillna(frame["activity"].astype("string"))
    if mapping.teams:
        team = frame["activity"].map(mapping.teams).astype("string").fillna(team)
    return team.astype(str)


def _estimated_starts(frame: pd.DataFrame) -> pd.Series:
    """Start = the later of the case's previous completion and the resource's previous completion (see module
    docstring); an event with neither starts when it ends (zero duration)."""
    order = frame.sort_values("end", kind="stable")
    case_prev = order.groupby("case")["end"].shift(1)
    resource_prev = order.groupby("resource")["end"].shift(1)
    start = pd.concat([case_prev, resource_prev], axis=1).max(axis=1)
    start = start.fillna(order["end"])
    start = start.where(start <= order["end"], order["end"])
    return start.reindex(frame.index)
