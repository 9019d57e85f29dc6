"""From an event log to a scenario file that validates, and a report of the fits behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scalesim.errors import ScenarioError
from scalesim.evidence.discover import Discovery, discover
from scalesim.evidence.log import Mapping, read_log, split_log, split_log_by_events
from scalesim.evidence.write import scenario_text, team_name
from scalesim.ops.capacity import team_loads
from scalesim.ops.check import check_pilot
from scalesim.scenario.load import validate
from scalesim.scenario.schema import NAME_LENGTH, NAME_PATTERN, Scenario


@dataclass(frozen=True)
class Calibration:
    """The scenario file's text, the scenario it validates to, what was found, and (with a hold-out) the events
    held out for the back-test, in normal form."""

    text: str
    scenario: Scenario
    found: Discovery
    held_out: pd.DataFrame | None = None
    training: pd.DataFrame | None = None  # with a hold-out: the events calibrated from

    def held_out_csv(self) -> str:
        """The held-out events as a CSV that ``backtest`` reads back as it was (:func:`events_csv`)."""
        if self.held_out is None:
            raise ValueError("this calibration held nothing out (calibrate with holdout=...)")
        return events_csv(self.held_out)

    def training_csv(self) -> str:
        """The events calibrated from, as :meth:`held_out_csv` writes the held-out ones (the back-test's floor)."""
        if self.training is None:
            raise ValueError("this calibration held nothing out (calibrate with holdout=...)")
        return events_csv(self.training)

    def report(self) -> str:
        """The fits behind each number, as Markdown."""
        f = self.found
        lines = [
            f"# Calibration of `{self.scenario.name}` from `{f.source}`",
            "",
            f"{f.cases:,} cases, {f.events:,} events, {f.first} to {f.last}.",
            "",
            *(f"- note: {note}" for note in f.notes),
            *([""] if f.notes else []),
            "## How the log was read",
            "",
            *(f"- {line}" if not line.startswith("  ") else f"  - {line.strip()}" for line in f.reading),
            "",
            "## What it says",
            "",
            f"- arrivals: {f.arrival_rate:.4g} cases a calendar day; weekly pattern {f.weekly_pattern}",
            f"  ({f.weekly_note})",
            f"- route followed (as a prefix) by {f.route_share:.1%} of the cases",
            f"- rework: {f.exception_rate:.1%} of the cases return to a team, {f.mean_bounces:g} times on average",
            f"- exit work: {f.exit_visits:,} visits after which a case left the most frequent route (steps of the "
            "process, simulated like any other)",
            "",
            "## Teams: staff, shift and service time (hours of a visit)",
            "",
            "| team | people | staff | shift | days a week | service fit |",
            "|---|---|---|---|---|---|",
        ]
        for team, t in f.teams.items():
            shift = f"{t.start_hour:g}:00 + {t.hours_per_day:g} h"
            lines.append(
                f"| {team_name(team)} | {t.people} | {t.staff} | {shift} | {t.days_per_week} | {t.service.describe()} |"
            )
        lines += [
            "",
            "## The most frequent route (printed; the pilot stub uses it)",
            "",
            "| step | team (teams in parallel) | cases completing it | loss before it | handoff delay (days) |",
        ]
        lines.append("|---|---|---|---|---|")
        for k, step in enumerate(f.route, 1):
            delay = step.transfer.describe() if step.transfer is not None else "-"
            teams = " + ".join(team_name(team) for team in step.teams)
            lines.append(f"| {k} | {teams} | {step.reached:,} | {step.loss_probability:.2%} | {delay} |")
        graph = f.process
        lines += [
            "",
            f"## Process (what the simulation runs): {len(graph.steps)} steps from {graph.cases:,} whole cases",
            "",
            "| step | team | pieces | cases | visits in a case (cases) | rows | service fit | delay (mean h) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, shape in graph.steps.items():
            counts = graph.visits_per_case.get(name, {})
            shown = ", ".join(f"{k}: {n}" for k, n in list(counts.items())[:6]) + (", ..." if len(counts) > 6 else "")
            lines.append(
                f"| {name} | {team_name(shape.team)} | {shape.visits:,} | {shape.cases:,} | {shown} | "
                f"{len(shape.rows)} | {shape.service.describe()} | {shape.delay.mean:.3g} |"
            )
        q = np.quantile(f.lead_times_days, [0.1, 0.5, 0.9])
        lines += [
            "",
            "## As-is lead time (first start to last end of a case; kept for the back-test)",
            "",
            f"mean {f.lead_times_days.mean():.3g} days; p10 {q[0]:.3g}, median {q[1]:.3g}, p90 {q[2]:.3g}",
        ]
        if f.approval is not None:
            lines += ["", f"Approvals: team {f.approval['team']}, rejection rate {f.approval['rejection_rate']:.1%}."]
        lines += [
            "",
            "Goodness of fit: AIC ranks the candidates (lower is better); KS is the Kolmogorov-Smirnov distance "
            "between the chosen distribution and the data (0 is perfect; above 0.15 the observed durations are "
            "resampled).",
        ]
        return "\n".join(lines) + "\n"


def calibrate(
    log: str | Path,
    mapping: str | Path | None = None,
    name: str | None = None,
    holdout: float | None = None,
    holdout_by: str = "cases",
) -> Calibration:
    """Read the log, discover its production environment, and check the scenario it gives validates and runs.

    With ``holdout``, that share is held out for a back-test on evidence the calibration did not see: the last cases
    to begin, each whole (``holdout_by="cases"``), or the last events to end, cases the split cuts dropped from both
    parts (``"events"``: the split of the published comparisons).
    """
    if holdout_by not in ("cases", "events"):
        raise ScenarioError(f"--holdout-by {holdout_by!r}: cases or events")
    if name is not None and not (re.fullmatch(NAME_PATTERN, name) and len(name) <= NAME_LENGTH):
        raise ScenarioError(
            f"--name {name[:80]!r}: a scenario's name is a file and folder name: letters, digits and _ . -, starting "
            f"with a letter or digit, at most {NAME_LENGTH} characters (no separators, no '..')"
        )
    if holdout is not None and not 0.0 < holdout < 1.0:
        raise ScenarioError(f"--holdout {holdout:g}: a share of the cases between 0 and 1, e.g. 0.3")
    rules = Mapping.read(mapping)
    read = read_log(log, rules)
    held_out = None
    training = None
    if holdout is not None:
        read, held_out = split_log(read, holdout) if holdout_by == "cases" else split_log_by_events(read, holdout)
        training = read.events
    found = discover(read, rules)
    name = name or team_name(Path(log).name.split(".")[0])
    scenario = _validated(scenario_text(found, name), log)
    # the pilot stub works a sample with the log's staff; where that is too few for the sample, give it enough
    short = {load.team: load.staff_needed() for load in team_loads(scenario, scenario.pilot, scenario.pilot.design)}
    short = {team: staff for team, staff in short.items() if staff > scenario.pilot.teams[team].staff}
    text = scenario_text(found, name, short) if short else scenario_text(found, name)
    scenario = _validated(text, log)
    check_pilot(scenario)
    return Calibration(text, scenario, found, held_out, training)


def events_csv(events: pd.DataFrame) -> str:
    """Events in normal form as a CSV that ``read_log`` reads back as they were (Simod's column names; the team as
    the role, so the teams are the calibrated ones; times in the log's local clock, ISO 8601)."""
    frame = events.rename(
        columns={"case": "case_id", "enable": "enable_time", "start": "start_time", "end": "end_time", "team": "role"}
    )
    for column in ("enable_time", "start_time", "end_time"):
        if column in frame:
            frame[column] = frame[column].dt.tz_localize(None).dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return str(frame.to_csv(index=False))


def _validated(text: str, log: str | Path) -> Scenario:
    try:
        return validate(yaml.safe_load(text), source=f"calibrated from {log}")
    except ScenarioError as error:  # a log whose numbers the scenario cannot hold: say which
        raise ScenarioError(f"{log}: the calibrated scenario does not validate: {error}") from None
