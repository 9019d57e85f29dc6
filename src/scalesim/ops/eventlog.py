"""The simulated event log: every activity a person worked on a case, as process-mining tools read it.

When a run is asked for its event log, each team's :class:`~scalesim.ops.teams.Station` appends one row per
piece of case work — the case, the activity, the person (teams are pools of numbered people: a person is taken
from the team's free list when the work starts and returned when it ends), and the times the work was enabled
(queued), started and ended. Committee decisions, which nobody's working time is spent on, are rows without a
person. Checks and error reviews that belong to no case are not in the log. Nothing of this exists when the log
is off: the stations then hold ``None`` and skip it.

The table follows the column convention of Simod and Prosimos (``case_id, activity, resource, enable_time,
start_time, end_time``), with wall-clock times counted from :data:`EPOCH` (a Monday, as simulation time is), so
pm4py, Simod, Disco or Celonis read it as they read an organisation's own log.
"""

from __future__ import annotations

import datetime as dt
from array import array
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from scalesim.ops.calendar import Calendars

EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
"""Day 0 of every simulation, 00:00 UTC: a Monday, so weekdays and shifts line up with the calendars."""
COLUMNS = (
    "case_id",
    "activity",
    "resource",
    "enable_time",
    "start_time",
    "end_time",
    "team",
    "environment",
    "design",
    "fate",
    "value",
)


class EventLog:
    """Rows of worked activities of one environment run, kept as columns (a few appends per piece of work)."""

    __slots__ = ("activity", "calendars", "case", "enable", "end", "free", "person", "start", "team")

    def __init__(self, staff: dict[str, int], calendars: dict[str, Calendars]) -> None:
        self.free = {team: list(range(n, 0, -1)) for team, n in staff.items()}  # pop() hands out person 1 first
        self.calendars = calendars
        self.case = array("q")
        self.activity: list[str] = []
        self.team: list[str] = []
        self.person = array("q")
        self.enable = array("d")
        self.start = array("d")
        self.end = array("d")

    def done(
        self, team: str, person: int, case: int, activity: str, enabled: float, taken: float, ended: float
    ) -> None:
        """``person`` of ``team`` (0: nobody's time) finished a piece of work taken at ``taken``; a case's work
        (``case >= 0``) becomes a row. Stations hand out people from ``free`` themselves (a team's resource admits
        at most its staff, so one is always free) and take them back."""
        if case < 0:
            return
        self.case.append(case)
        self.activity.append(activity)
        self.team.append(team)
        self.person.append(person)
        self.enable.append(enabled)
        self.start.append(taken)
        self.end.append(ended)

    def table(
        self, environment: str, design: str, fate: np.ndarray, value: np.ndarray, fates: tuple[str, ...]
    ) -> pd.DataFrame:
        """The rows with times as UTC timestamps, each with its case's fate and value in this environment."""
        case = np.frombuffer(self.case, dtype=np.int64) if len(self.case) else np.zeros(0, dtype=np.int64)
        # work taken outside a shift starts when the shift does: computed here, once, not during the run
        taken = np.asarray(self.start, dtype=float)
        started = taken.copy()
        teams = np.asarray(self.team, dtype=object)
        for name, calendar in self.calendars.items():
            mine = teams == name
            if mine.any():
                started[mine] = calendar.next_open(taken[mine])
        person = np.frombuffer(self.person, dtype=np.int64) if len(self.person) else np.zeros(0, dtype=np.int64)
        team = np.asarray(self.team, dtype=object)
        resource = np.where(person > 0, team + "_" + person.astype(str), team)

        def stamp(days: array[float] | np.ndarray) -> pd.Series:
            return pd.Series(pd.Timestamp(EPOCH) + pd.to_timedelta(np.asarray(days, dtype=float), unit="D")).dt.round(
                "ms"
            )

        return pd.DataFrame(
            {
                "case_id": case,
                "activity": self.activity,
                "resource": resource,
                "enable_time": stamp(self.enable),
                "start_time": stamp(started),
                "end_time": stamp(self.end),
                "team": self.team,
                "environment": environment,
                "design": design,
                "fate": np.asarray(fates, dtype=object)[fate[case]] if len(case) else np.zeros(0, dtype=object),
                "value": value[case],
            },
            columns=list(COLUMNS),
        )


XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <classifier name="Activity" keys="concept:name"/>
"""


def write_xes(table: pd.DataFrame, path: Path) -> None:
    """Write the event log as XES (IEEE 1849-2016), streamed, one trace per (environment, design, case).

    Traces are named ``environment/design/case`` so the pilot's and each design's run of a case stay apart. Each
    piece of work is its lifecycle (the standard's lifecycle extension): ``schedule`` when it was queued (where it
    waited), ``start`` and ``complete``, in time order within the trace, as Simod and pm4py expect.
    Hand-written (a few lines of XML) rather than through pm4py, which is AGPL-licensed and heavy; pm4py reads the
    file (a test checks it), and so does ``scalesim calibrate``.
    """
    work = table.reset_index(drop=True)
    waited = work["enable_time"] < work["start_time"]
    parts = []
    everything = pd.Series(True, index=work.index)
    for order, (transition, column, kept) in enumerate(
        (("schedule", "enable_time", waited), ("start", "start_time", everything), ("complete", "end_time", everything))
    ):
        chosen = work[kept]
        parts.append(chosen.assign(transition=transition, when=chosen[column], order=order, row=chosen.index))
    events = pd.concat(parts, ignore_index=True).sort_values(
        ["environment", "design", "case_id", "when", "row", "order"], kind="stable"
    )

    def strings(series: pd.Series) -> list[str]:
        return [str(v) for v in series.tolist()]

    traces = strings(events["environment"] + "/" + events["design"] + "/" + events["case_id"].astype(str))
    stamps = strings(events["when"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "+00:00")
    rows = zip(
        traces,
        strings(events["environment"]),
        strings(events["design"]),
        strings(events["fate"]),
        [repr(float(v)) for v in events["value"].tolist()],
        strings(events["activity"]),
        strings(events["resource"]),
        strings(events["team"]),
        strings(events["transition"]),
        stamps,
        strict=True,
    )
    with open(path, "w", encoding="utf-8") as out:
        out.write(XES_HEAD)
        current = None
        for trace, environment, design, fate, value, activity, resource, team, transition, when in rows:
            if trace != current:
                if current is not None:
                    out.write("  </trace>\n")
                out.write(
                    f'  <trace>\n    <string key="concept:name" value={quoteattr(trace)}/>\n'
                    f'    <string key="environment" value={quoteattr(environment)}/>\n'
                    f'    <string key="design" value={quoteattr(design)}/>\n'
                    f'    <string key="fate" value={quoteattr(fate)}/>\n'
                    f'    <float key="value" value="{value}"/>\n'
                )
                current = trace
            out.write(
                f'    <event>\n      <string key="concept:name" value={quoteattr(activity)}/>\n'
                f'      <string key="org:resource" value={quoteattr(resource)}/>\n'
                f'      <string key="org:group" value={quoteattr(team)}/>\n'
                f'      <string key="lifecycle:transition" value="{transition}"/>\n'
                f'      <date key="time:timestamp" value="{when}"/>\n    </event>\n'
            )
        if current is not None:
            out.write("  </trace>\n")
        out.write("</log>\n")
