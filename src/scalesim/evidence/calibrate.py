"""From an event log to a scenario file that validates, and a report of the fits behind it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from scalesim.errors import ScenarioError
from scalesim.evidence.discover import Discovery, discover
from scalesim.evidence.log import Mapping, read_log
from scalesim.evidence.write import scenario_text, team_name
from scalesim.ops.check import check_pilot
from scalesim.scenario.load import validate
from scalesim.scenario.schema import Scenario


@dataclass(frozen=True)
class Calibration:
    """The scenario file's text, the scenario it validates to, and what was found."""

    text: str
    scenario: Scenario
    found: Discovery

    def report(self) -> str:
        """The fits behind each number, as Markdown."""
        f = self.found
        lines = [
            f"# Calibration of `{self.scenario.name}` from `{f.source}`",
            "",
            f"{f.cases:,} cases, {f.events:,} events, {f.first} to {f.last}.",
            "",
            *(f"- note: {note}" for note in f.notes),
            f"- arrivals: {f.arrival_rate:.4g} cases a calendar day; weekly pattern {f.weekly_pattern}",
            f"  ({f.weekly_note})",
            f"- route followed (as a prefix) by {f.route_share:.1%} of the cases",
            f"- rework: {f.exception_rate:.1%} of the cases return to a team, {f.mean_bounces:g} times on average",
            f"- exit work: {f.exit_visits:,} visits after which a lost case ended (not simulated)",
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
            "## Route",
            "",
            "| step | team (teams in parallel) | cases completing it | loss before it | handoff delay (days) |",
        ]
        lines.append("|---|---|---|---|---|")
        for k, step in enumerate(f.route, 1):
            delay = step.transfer.describe() if step.transfer is not None else "-"
            teams = " + ".join(team_name(team) for team in step.teams)
            lines.append(f"| {k} | {teams} | {step.reached:,} | {step.loss_probability:.2%} | {delay} |")
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


def calibrate(log: str | Path, mapping: str | Path | None = None, name: str | None = None) -> Calibration:
    """Read the log, discover its production environment, and check the scenario it gives validates and runs."""
    rules = Mapping.read(mapping)
    found = discover(read_log(log, rules), rules)
    name = team_name(name or Path(log).name.split(".")[0])
    text = scenario_text(found, name)
    try:
        scenario = validate(yaml.safe_load(text), source=f"calibrated from {log}")
    except ScenarioError as error:  # a log whose numbers the scenario cannot hold: say which
        raise ScenarioError(f"{log}: the calibrated scenario does not validate: {error}") from None
    check_pilot(scenario)
    return Calibration(text, scenario, found)
