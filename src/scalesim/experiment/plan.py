"""The pilot plan: a pilot designed for production from the outset, read from the scenario and its decision.

A pilot that cannot answer "what has to change in how we work?" is an experiment, not a path to value. The plan
answers, for one design: who owns the process (the design's owner and the team that acts), how the output changes
daily decisions (where it enters the workflow, who acts, what today's process does instead), which governance scale
needs (approvals, monitoring, accountability); then what the pilot must measure and on how many cases (EVSI,
:mod:`scalesim.experiment.evsi`), the go / no-go values of each measured input (where today's process becomes the
better bet, from the decision's worlds), and what the organisation must change (new teams, a changed route,
training, parallel running, money). What the design leaves open is listed as a gap, never left blank.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scalesim.experiment import evsi, voi
from scalesim.experiment.decide import Decision
from scalesim.labels import short_money
from scalesim.ops.route import acting_team, describe, route_of, route_teams
from scalesim.scenario.schema import TODAY, TODAYS_PROCESS, Design, Scenario


def default_design(decision: Decision, data: dict[str, Any]) -> str:
    """The design to plan when none is named: the best on average, or, when that is today's process, the real
    design that comes closest (the plan then says that not scaling is the better bet)."""
    real = [d for d in decision.designs if d != TODAY]
    return max(real, key=lambda d: data["designs"][d]["net_value"]["mean"] or -np.inf)


def _the(team: str) -> str:
    """How a sentence names a team: "the supervisors team", "the retention_team"."""
    return f"the {team}" if team.lower().endswith("team") else f"the {team} team"


def _staff(scenario: Scenario, team: str) -> str:
    return f"{team} ({scenario.production.teams[team].staff} staff)"


def ownership(scenario: Scenario, design: Design) -> dict[str, Any]:
    acting = acting_team(route_of(scenario.production, design))
    if not design.process_owner:
        owner, gap = "nobody", "no process owner: nobody is answerable for acting on the output; name one"
    elif design.owner:
        owner, gap = design.owner, None
    else:
        owner, gap = "a process owner (not named)", "the design assumes an owner but does not say who: name the role"
    return {"owner": owner, "acting_team": _staff(scenario, acting), "gap": gap}


def daily_decisions(scenario: Scenario, design: Design) -> dict[str, Any]:
    today = describe(route_of(scenario.production, TODAYS_PROCESS))
    route = route_of(scenario.production, design)
    acting = acting_team(route)
    if design.integration_point == "embedded":
        where = f"embedded: the output arrives with the case in {_the(acting)}'s queue, where the decision is made"
    else:
        channel = design.side_channel
        assert channel is not None  # the schema insists on it for a side channel
        where = (
            f"side channel: the output waits on a separate list checked every {channel.every_days:g} day(s); "
            f"{channel.pickup_probability:.0%} of outputs are picked up"
        )
    exceptions = design.exception_handling
    if exceptions.mode == "defined":
        handled = (
            f"defined: {_the(str(exceptions.team))} takes each exception and recovers "
            f"{exceptions.recover_probability:.0%}"
        )
    else:
        handled = (
            f"ad hoc: an exception bounces about {exceptions.mean_bounces:g} times and "
            f"{exceptions.drop_probability:.0%} are dropped"
        )
    review = design.human_review
    acts = f"{_the(acting)} acts on the output"
    if review is not None:
        acts += f"; {_the(review.team)} reviews outputs with confidence below {review.confidence_below:g}"
    return {
        "integration_point": where,
        "who_acts": acts,
        "today": f"today: cases go {today} with no model output; the decision is made as it is now",
        "route": describe(route),
        "exceptions": handled,
        "gap": None if exceptions.mode == "defined" else "exceptions have no defined owner: they bounce and get lost",
    }


def governance(scenario: Scenario, design: Design) -> dict[str, Any]:
    approval = design.approval
    cur = scenario.currency
    if approval.policy == "none":
        approvals = "none: the acting team's decision stands"
    elif approval.policy == "all":
        approvals = f"every output is approved by {_the(str(approval.team))} before it is acted on"
    elif approval.policy == "risk_based":
        rules = []
        if approval.threshold is not None:
            rules.append(f"cases worth more than {approval.threshold:,.0f} {cur}")
        if approval.confidence_below is not None:
            rules.append(f"outputs with confidence below {approval.confidence_below:g}")
        if approval.share is not None:
            rules.append(f"{approval.share:.0%} of outputs chosen by risk")
        approvals = f"risk-based: {_the(str(approval.team))} approves {' and '.join(rules) or 'the risky cases'}"
    else:
        committee = approval.committee
        every = committee.every_days if committee is not None else 7.0
        approvals = f"a committee meets every {every:g} days and approves the outputs waiting for it"
    gaps = []
    if design.monitoring is None:
        monitoring = "none: nobody checks the model's accuracy in production"
        gaps.append("no monitoring: drift goes unseen until people stop trusting the output")
    else:
        m = design.monitoring
        monitoring = (
            f"every {m.every_days:g} days{f' by {_the(m.team)}' if m.team else ''}: a drop in accuracy of more than "
            f"{m.threshold:.0%} triggers retraining"
        )
    if design.accountability is None:
        accountable = "none: an error is nobody's to review"
        gaps.append("no accountability: errors are not reviewed, their causes not fixed")
    else:
        a = design.accountability
        who = _the(a.team) if a.team else "the owner"
        accountable = f"{who} reviews each visible error ({a.review_hours:g} h each)"
    return {"approvals": approvals, "monitoring": monitoring, "accountability": accountable, "gaps": gaps}


def go_no_go(decision: Decision, design: str, study: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """For each measured input: the value at which the design and today's process are worth the same on average
    (the fitted expected difference crosses zero), on which side the design is the better bet, and — at the
    pilot's planned size (``study``'s best size) — the *observed* share or mean at which to go, by Bayes' rule
    (:func:`scalesim.experiment.evsi.observed_threshold`): what the pilot can actually apply."""
    planned = {m["input"]: m.get("best_n") for m in study or []}
    beliefs = decision.beliefs
    nb = decision.net_benefit()
    designs = list(decision.designs)
    difference = nb[:, designs.index(design)] - (nb[:, designs.index(TODAY)] if TODAY in designs else 0.0)
    out: list[dict[str, Any]] = []
    for name in beliefs.measurements:
        j = decision.worlds.names.index(name)
        theta = decision.worlds.values_of(name)
        fit = voi.fitted(decision.worlds.u[:, j : j + 1], difference)
        order = np.argsort(theta, kind="stable")
        x, y = theta[order], fit[order]
        crossings = np.flatnonzero(np.sign(y[:-1]) * np.sign(y[1:]) < 0)
        label = beliefs.label(name)
        if not len(crossings):
            pays = bool(np.mean(y) > 0)
            out.append({"input": name, "label": label, "threshold": None, "go_above": None, "pays_everywhere": pays})
            continue
        mean = float(np.mean(theta))
        k = min(crossings, key=lambda c: abs(x[c] - mean))
        cut = float(x[k] + (x[k + 1] - x[k]) * (0 - y[k]) / (y[k + 1] - y[k]))
        n = planned.get(name)
        seen = None
        if n:
            seen = evsi.observed_threshold(
                difference,
                decision.worlds.u[:, j],
                theta,
                beliefs.inputs[name].quantile,
                n,
                beliefs.measurements[name],
            )
        out.append(
            {
                "input": name,
                "label": label,
                "threshold": cut,
                "go_above": bool(y[k + 1] > y[k]),
                "pays_everywhere": None,
                "cases": n,
                "observed_threshold": None if seen is None else seen[0],
                "observed_go_above": None if seen is None else seen[1],
            }
        )
    return out


def changes(scenario: Scenario, design: Design, name: str) -> list[str]:
    """What the organisation must do differently to run the design, against today's process."""
    out = []
    teams = set(route_teams(route_of(scenario.production, design)))
    for lever in (design.approval, design.exception_handling, design.monitoring, design.accountability):
        team = getattr(lever, "team", None) if lever is not None else None
        if team:
            teams.add(team)
    if design.human_review is not None:
        teams.add(design.human_review.team)
    for team in sorted(teams):
        if not scenario.production.teams[team].existing:
            out.append(f"a new team: {_staff(scenario, team)}, staffed before go-live")
    for team, staff in design.added_staff.items():
        out.append(f"{staff} more people in {team}")
    if design.handoffs or design.process is not None:
        today, theirs = route_of(scenario.production, TODAYS_PROCESS), route_of(scenario.production, design)
        out.append(f"the route changes: today {describe(today)}; with {name}, {describe(theirs)}")
    if design.approval.policy != "none":
        who = _the(design.approval.team) if design.approval.team else "a committee"
        out.append(f"{who} takes on approvals (a new queue for them)")
    live = design.go_live
    if live is not None:
        acting = acting_team(route_of(scenario.production, design))
        people = scenario.production.teams[acting].staff
        if live.training_hours:
            out.append(
                f"training: {live.training_hours:g} h for each of the {people} people in {acting} "
                f"({live.training_hours * people:,.0f} h in all)"
            )
        if live.parallel_run_days:
            out.append(f"{live.parallel_run_days:g} days of the old process running alongside after go-live")
        if live.initial_time_factor > 1:
            out.append(f"the first cases take {live.initial_time_factor - 1:.0%} longer while people learn")
    costs = design.costs
    cur = scenario.currency
    money = [
        f"build {short_money(costs.one_off)} {cur}" + (f" over {costs.build_days:g} days" if costs.build_days else "")
    ]
    if costs.change_management:
        money.append(f"change management {short_money(costs.change_management)} {cur} at go-live")
    if costs.recurring_per_year:
        money.append(f"{short_money(costs.recurring_per_year)} {cur} a year to run")
    out.append("money: " + ", ".join(money))
    return out


def timeline(scenario: Scenario, measurements: list[dict[str, Any]]) -> dict[str, Any]:
    """The pilot's cases turned into time: the cases that reach the pilot a day (the arrival rate times the pilot's
    sample share), the days each measurement's planned cases take — all are measured on the same cases, at once —
    and the week the go / no-go decision can be taken (when the largest is complete)."""
    per_day = scenario.workload.arrival_rate * scenario.pilot.sample_share
    items = []
    for m in measurements:
        if m.get("best_n") is None:
            continue
        days = m["best_n"] / per_day
        items.append({"input": m["input"], "label": m["label"], "cases": m["best_n"], "days": days})
    longest = max((item["days"] for item in items), default=None)
    return {
        "cases_per_day": per_day,
        "measurements": items,
        "days": longest,
        "decision_week": None if longest is None else max(1, math.ceil(longest / 7)),
    }


def pilot_plan(decision: Decision, data: dict[str, Any], design: str) -> dict[str, Any]:
    """The plan for ``design`` as plain data (what ``scalesim plan`` writes)."""
    scenario = decision.scenario
    chosen = scenario.designs[design]
    owner = ownership(scenario, chosen)
    daily = daily_decisions(scenario, chosen)
    rules = governance(scenario, chosen)
    gaps = [g for g in (owner["gap"], daily["gap"], *rules["gaps"]) if g]
    if not decision.beliefs.measurements:
        gaps.append("no measurement is defined (beliefs.measurements): the pilot's size cannot be chosen")
    stats = data["designs"][design]
    return {
        "kind": "plan",
        "scenario": scenario.name,
        "design": design,
        "description": chosen.description,
        "currency": scenario.currency,
        "decision_headline": data["headline"],
        "pilot_headline": data["pilot_headline"],
        "best": data["best"],
        "probability_best": stats["probability_best"],
        "net_value": stats["net_value"],
        "metric": data["metric"],
        "worlds": data["worlds"],
        "ownership": owner,
        "daily_decisions": daily,
        "governance": rules,
        "measurements": data["pilot_study"],
        "go_no_go": go_no_go(decision, design, data["pilot_study"]),
        "timeline": timeline(scenario, data["pilot_study"]),
        "changes": changes(scenario, chosen, design),
        "gaps": gaps,
    }
