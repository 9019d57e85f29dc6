"""Write what a log showed as a scenario file, every number with a comment naming its evidence.

The production environment and the as-is design come from the log. The pilot, the value of a case and the
model's accuracy and adoption cannot: they are written as a clearly marked STUB for the user to replace, so the
file validates and runs at once (``scalesim validate``, ``scalesim backtest``) but says what is not evidence.
"""

from __future__ import annotations

import json
from typing import Any

from scalesim.about import VERSION
from scalesim.evidence.discover import ALL_APPROVED, Discovery, StepFound
from scalesim.evidence.fit import Fit
from scalesim.evidence.names import team_name

STUB = "STUB: not in the log; replace with your own figure"


def _flow(value: Any) -> str:
    """A YAML flow value (JSON is YAML)."""
    return json.dumps(value)


def _fit(fit: Fit) -> str:
    return f"{_flow(fit.dist)}   # {fit.describe()}"


def scenario_text(found: Discovery, name: str, pilot_staff: dict[str, int] | None = None) -> str:
    """The scenario file's text. ``pilot_staff`` sizes the pilot stub's teams (by scenario team name) where the
    log's staff could not serve the pilot's sample of the cases."""
    names = {team: team_name(team) for team in found.teams}
    span = f"{found.first:%Y-%m-%d %H:%M} to {found.last:%Y-%m-%d %H:%M} UTC"
    lines = [
        f"# Calibrated by scalesim {VERSION} from {found.source}",
        f"# ({found.cases:,} cases, {found.events:,} events, {span}).",
        "# `production` and the `as_is` design come from the log: each number's comment names its evidence.",
        "# The pilot, the value of a case, accuracy and adoption are a STUB: replace them, then add your designs.",
        *(f"# note: {note}" for note in found.notes),
        f"name: {name}",
        f"description: {_flow('calibrated from ' + found.source)}",
        "currency: EUR   # " + STUB,
        "",
        "run:",
        "  horizon_days: 365",
        "  seed: 1",
        "",
        "workload:",
        f"  arrival_rate: {found.arrival_rate:.6g}   # a calendar day: {found.cases:,} cases; {found.weekly_note}",
        f"  weekly_pattern: {_flow(found.weekly_pattern)}   # Monday..Sunday",
        f"  hourly_pattern: {_flow(found.hourly_pattern)}   # 0..23 h, from the hours cases arrived",
        "",
        "value:",
        "  uplift: 100   # " + STUB + " (value of acting on a right output, per case)",
        "  wrong_action_cost_share: 0.3   # " + STUB,
        "",
        "pilot:   # " + STUB + ": the pilot's own conditions",
        "  sample_share: 0.1",
        "  data_quality: 1.0",
        "  exception_rate: 0.0",
        "  accuracy: 0.9",
        "  adoption: {with_owner: 0.95, without_owner: 0.95}",
        "  teams:",
    ]
    lines += _teams(found, names, pilot_staff or {})
    lines += ["  handoffs:"] + [f"    - {_step(step, names)}" for step in found.route]
    lines += [
        "",
        "production:",
        "  data_quality: 1.0   # assumption: the log does not say which cases a model could not score",
        "  exception_rate: 0.0   # assumption: the log's returns and loops are steps of the process below, not "
        "exceptions; set the share of cases the model cannot cover",
        "  accuracy: 0.8   # " + STUB,
        "  adoption: {with_owner: 0.85, without_owner: 0.5}   # " + STUB,
        "  teams:",
    ]
    lines += _teams(found, names)
    lines += _process(found, names)
    lines += [
        "",
        "designs:",
        "  as_is:",
        "    description: the process as the log shows it, with no model (what `scalesim backtest` simulates)",
        "    integration_point: embedded",
        "    process_owner: true",
        "    exception_handling:",
        "      mode: ad_hoc",
        "      mean_bounces: 0   # the log's returns are loops of the process, not bounces",
        "      drop_probability: 0.0",
    ]
    if found.approval is not None:
        approvers = names.get(str(found.approval["team"]), team_name(str(found.approval["team"])))
        share = float(found.approval["share"])
        cases = int(found.approval["cases"])
        lines.append("    approval:")
        if share >= ALL_APPROVED:
            lines.append(f"      policy: all   # {share:.0%} of the cases were approved ({cases:,})")
        else:
            lines += [
                f"      policy: risk_based   # {cases:,} cases ({share:.1%}) were approved; the log does not say why",
                f"      share: {share:g}   # so that share of the cases, at random",
            ]
        lines += [
            f"      team: {approvers}   # the team of the approval activities named in the mapping",
            f"      activity: {_flow(str(found.approval['activity']))}   # the approval's name in the log",
            f"      rejection_rate: {found.approval['rejection_rate']:g}   # approved cases later rejected",
        ]
    lines += [
        "  with_model:   # " + STUB + ": a design to start from",
        "    description: the model's output in the acting team's own work queue, a named owner",
        "    integration_point: embedded",
        "    process_owner: true",
        "    costs: {one_off: 100000, recurring_per_year: 20000, build_days: 90}   # " + STUB,
        "",
        "beliefs:   # " + STUB + ": what is not known about the inputs (for `scalesim decide` and `plan`)",
        "  metric: npv",
        "  inputs:",
        "    production.accuracy: {dist: beta, mean: 0.8, sd: 0.05, label: field accuracy, source: STUB}",
        "    production.adoption.with_owner: {dist: beta, mean: 0.85, sd: 0.05, label: adoption with an owner, "
        "source: STUB}",
    ]
    return "\n".join(lines) + "\n"


def _step(step: StepFound, names: dict[str, str], comment: str = "") -> str:
    """A route step as YAML: its team (with ``comment`` on its line), and the teams working the case at the same
    time."""
    text = f"team: {names[step.team]}" + (f"   # {comment}" if comment else "")
    if step.parallel_with:
        text += f"\n      parallel_with: [{', '.join(names[t] for t in step.parallel_with)}]"
    return text


def _teams(found: Discovery, names: dict[str, str], staff: dict[str, int] | None = None) -> list[str]:
    """The teams as YAML; ``staff`` (the pilot stub's) replaces the log's staff of the teams it names."""
    lines = []
    for team, t in found.teams.items():
        people = (staff or {}).get(names[team])
        staffed = (
            f"      staff: {people}   # the pilot's sample needs this many (the log's {t.staff} could not serve it)"
            if people is not None
            else f"      staff: {t.staff}   # median people at work on a day the team worked"
        )
        lines += [
            f"    {names[team]}:   # '{team}' in the log: {t.people} people, {t.visits:,} visits",
            staffed,
            f"      service_hours: {_fit(t.service)}",
        ]
        if t.rota is not None:
            lines.append(
                f"      rota: {_flow(t.rota)}   # people at work on average each hour of the week (Monday 0:00 "
                f"first): each person's own days at work over {t.weeks:.1f} weeks, added up"
            )
        else:
            lines.append(
                f"      calendar: {{start_hour: {t.start_hour:g}, hours_per_day: {t.hours_per_day:g}, "
                f"days_per_week: {t.days_per_week}}}   # when its work starts and ends (1st-99th percentile)"
            )
    return lines


def _process(found: Discovery, names: dict[str, str]) -> list[str]:
    """The production route as the log's process graph (:mod:`scalesim.evidence.graph`), each number with its
    evidence."""
    graph = found.process
    lines = [
        f"  process:   # the log's process: {len(graph.steps)} steps, the paths of {graph.cases:,} whole cases; "
        "choices by visit (row k: after the k-th visit, the last row for every later one)",
        f"    start: {_flow(graph.start)}   # the first step of each whole case",
        "    steps:",
    ]
    for name, step in graph.steps.items():
        lines += [
            f"      {name}:   # {_flow(step.activity)} in the log: {step.visits:,} pieces in {step.cases:,} cases",
            f"        activity: {_flow(step.activity)}",
            f"        team: {names[step.team]}   # the team that did most of its pieces",
        ]
        if step.shared:
            shared = {names[team]: share for team, share in step.shared.items()}
            lines.append(f"        shared: {_flow(shared)}   # the share of its pieces other teams did")
        lines.append(f"        service_hours: {_fit(step.service)}")
        if step.delay.mean > 0:
            lines.append(
                f"        delay_hours: {_fit(step.delay)}; waited with a person free in {step.delayed:.0%} of "
                "the visits (extraneous delay)"
            )
        if step.delay_after:
            lines.append(
                "        delay_after:   # the delay after these steps (transitions the log shows 30 times or more)"
            )
            lines += [f"          {before}: {_fit(fit)}" for before, fit in step.delay_after.items()]
        if step.parallel:
            lines.append("        parallel:   # worked at the same time, as a rule (overlapping pieces)")
            for work in step.parallel:
                lines += [
                    f"          - activity: {_flow(work.activity)}",
                    f"            team: {names[work.team]}",
                    f"            service_hours: {_fit(work.service)}",
                ]
        lines.append("        next:")
        for k, (row, n) in enumerate(zip(step.rows, step.row_visits, strict=True), 1):
            which = f"visit {k}" if k < len(step.rows) else (f"visits {k}+" if k > 1 else "every visit")
            lines.append(f"          - {_flow(row)}   # {which}: {n:,} seen")
    return lines
