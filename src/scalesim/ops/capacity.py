"""Offered load: the work a design sends each team per day, against the staff time the team has.

A team's offered load is ``rho = lambda x E[S] / (c x h)``: cases reaching it per calendar day times the mean
working hours per case, over staff times open hours per calendar day. A queue whose offered load is 1 or more
has no steady state: it grows for as long as work keeps arriving (the stability condition of the M/G/c queue,
e.g. Kleinrock 1975, *Queueing Systems* vol. 1, ch. 2 — it holds whatever the service distribution). The
visits per case follow the case flow of :mod:`scalesim.ops.flow` step by step, with the *expected* share of
cases that reaches each step, so the estimate is exact in the mean for static scenarios; with dynamics it is
the load at full roll-out and full adoption (the most the design asks of the team).

Used twice: before a run, a pilot that cannot serve its own cases is refused (its "value per case" would be
an artefact of its own queue); after a run, every overloaded production team is named in the summary.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from statistics import NormalDist

from scalesim.ops.rota import capacity_hours
from scalesim.ops.route import Route, profile, route_of
from scalesim.ops.summary import TeamLoad
from scalesim.scenario.process import Process
from scalesim.scenario.schema import TODAYS_PROCESS, Design, OperatingEnvironment, Scenario, Team

WEEK_DAYS = 7.0


@dataclass(frozen=True)
class Load:
    """One team's demand and capacity, in working hours per calendar day."""

    team: str
    staff: int
    work_hours_per_day: float
    staff_hours_per_day: float

    @property
    def offered_load(self) -> float:
        return self.work_hours_per_day / self.staff_hours_per_day

    @property
    def overloaded(self) -> bool:
        return self.offered_load >= 1.0

    def staff_needed(self, target: float = 0.85) -> int:
        """The smallest staff that brings the offered load to ``target`` (a queue near 1 is stable but slow)."""
        per_person = self.staff_hours_per_day / self.staff
        return max(1, int(-(-self.work_hours_per_day // (target * per_person))))

    def explain(self) -> str:
        return (
            f"offered load {self.offered_load:.2f}: {self.work_hours_per_day:,.1f} hours of work a day for "
            f"{self.staff_hours_per_day:,.1f} hours of staff time ({self.staff} staff)"
        )

    def as_dict(self) -> TeamLoad:
        return {
            "staff": self.staff,
            "offered_load": self.offered_load,
            "work_hours_per_day": self.work_hours_per_day,
            "staff_hours_per_day": self.staff_hours_per_day,
        }


def staff_of(environment: OperatingEnvironment, design: Design) -> dict[str, int]:
    """Each team's staff under a design: today's staff plus what the design hires."""
    return {name: team.staff + design.added_staff.get(name, 0) for name, team in environment.teams.items()}


def staff_hours_per_day(team: Team, staff: int) -> float:
    """Working hours a team has per calendar day, averaged over its week."""
    return capacity_hours(team, staff, 0.0, WEEK_DAYS) / WEEK_DAYS


def below_confidence(scenario: Scenario, environment: OperatingEnvironment, level: float) -> float:
    """Expected share of scored outputs whose confidence is below ``level`` (the binormal model of ``Confidence``,
    mixed over ordinary and hard cases)."""
    d = environment.confidence.separation
    hard = scenario.workload.hard_case_share
    share = 0.0
    for weight, accuracy in ((1.0 - hard, environment.accuracy), (hard, environment.accuracy_on_hard)):
        if weight == 0.0:
            continue
        if accuracy <= 0.0 or accuracy >= 1.0 or d == 0.0:  # every output carries the same confidence
            share += weight * float(accuracy < level)
            continue
        if level <= 0.0 or level >= 1.0:
            share += weight * float(level >= 1.0)
            continue
        # the score at which the confidence equals ``level``: logit(level) = logit(accuracy) + d s - d^2 / 2
        cut = (_logit(level) - _logit(accuracy) + d * d / 2.0) / d
        normal = NormalDist()
        share += weight * (accuracy * normal.cdf(cut - d) + (1.0 - accuracy) * normal.cdf(cut))
    return share


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class Flow:
    """The expected path of one case through an environment under a design, at full roll-out and static state.

    ``work`` is the working hours per arriving case each team spends; ``acted`` the share of arriving cases whose
    output reaches the acting role; ``right`` the share of those outputs that are right (after human review);
    ``scored`` the share of arriving cases the model scores (what a monitoring check measures).
    """

    work: dict[str, float]
    acted: float
    right: float
    scored: float

    def followed(self, adoption: float) -> float:
        """Share of arriving cases whose output is followed (acted on) at this ``adoption``."""
        return self.acted * adoption


def base_adoption(environment: OperatingEnvironment, design: Design) -> float:
    """The share of outputs the acting role follows before trust moves it: with or without a process owner."""
    return environment.adoption.with_owner if design.process_owner else environment.adoption.without_owner


def mixed_accuracy(scenario: Scenario, environment: OperatingEnvironment) -> float:
    """The share of scored outputs that are right, over the mix of ordinary and hard cases."""
    hard = scenario.workload.hard_case_share
    return environment.accuracy * (1.0 - hard) + environment.accuracy_on_hard * hard


def outcome_variance(scenario: Scenario, environment: OperatingEnvironment) -> float:
    """The mean of ``a (1 - a)`` over the mix of kinds: the variance of one scored output's rightness about its
    kind's accuracy ``a`` (what a monitoring check's noise is made of)."""
    hard = scenario.workload.hard_case_share
    ordinary, difficult = environment.accuracy, environment.accuracy_on_hard
    return (1.0 - hard) * ordinary * (1.0 - ordinary) + hard * difficult * (1.0 - difficult)


def rework_teams(route: Route) -> list[str]:
    """The teams an ad-hoc rework bounce may land on, one uniformly (as :meth:`Operation.exception_path` draws):
    every team of every step, a parallel branch or a team visited twice counted each time."""
    if isinstance(route, Process):
        return route.teams()
    return [team for step in route for team in step.teams]


def expected_flow(scenario: Scenario, environment: OperatingEnvironment, design: Design) -> Flow:
    """Each step of :mod:`scalesim.ops.flow` with the expected share of cases reaching it."""
    teams = environment.teams
    work: dict[str, float] = defaultdict(float)  # working hours per case, by team

    handling = design.exception_handling
    recovered = handling.recover_probability if handling.mode == "defined" else 0.0
    no_score = 1.0 - environment.data_quality
    scored = environment.data_quality + no_score * recovered
    exceptions = no_score * (1.0 - recovered) + scored * environment.exception_rate
    if handling.mode == "defined" and handling.team is not None:
        triaged = no_score + scored * environment.exception_rate
        work[handling.team] += triaged * teams[handling.team].service_hours.mean
    route = route_of(environment, design)
    if handling.mode == "ad_hoc" and exceptions > 0:
        stay = 1.0 - 1.0 / (1.0 + handling.mean_bounces)  # a bounce follows with this probability
        reworks = stay / (1.0 - stay * (1.0 - handling.drop_probability))
        stations = rework_teams(route)
        for team in stations:  # each rework lands on a route team chosen uniformly
            work[team] += exceptions * reworks / len(stations) * teams[team].service_hours.mean

    reach = scored * (1.0 - environment.exception_rate)
    scored_share = reach
    review = design.human_review
    right = mixed_accuracy(scenario, environment)
    if review is not None:
        reviewed = below_confidence(scenario, environment, review.confidence_below)
        work[review.team] += reach * reviewed * teams[review.team].service_hours.mean
        right = right * (1.0 - reviewed) + review.accuracy * reviewed
    if design.integration_point == "side_channel" and design.side_channel is not None:
        reach *= design.side_channel.pickup_probability
    if isinstance(route, Process):  # each step's expected visits per case that enters the process
        seen = profile(route)
        for name, graph_step in route.steps.items():
            own = graph_step.service_hours or teams[graph_step.team].service_hours  # whoever works it
            pieces = [(team, share, own) for team, share in graph_step.team_shares()]
            pieces += [(w.team, 1.0, w.service_hours or teams[w.team].service_hours) for w in graph_step.parallel]
            for team, share, service in pieces:
                work[team] += reach * seen.visits[name] * share * service.mean
        reach *= 1.0 - seen.lost
    else:
        for step in route:
            reach *= 1.0 - step.loss_probability
            for team in step.teams:  # every parallel branch works every case that reaches the step
                work[team] += reach * teams[team].service_hours.mean
    approval = design.approval
    if approval.policy in ("all", "risk_based") and approval.team is not None:
        needing = 1.0
        if approval.policy == "risk_based":
            passes = 1.0 - scenario.value.uplift.exceeds(approval.threshold) if approval.threshold is not None else 1.0
            if approval.confidence_below is not None:
                passes *= 1.0 - below_confidence(scenario, environment, approval.confidence_below)
            if approval.share is not None:
                passes *= 1.0 - approval.share
            needing = 1.0 - passes
        work[approval.team] += reach * needing * teams[approval.team].service_hours.mean * approval.effort
        reach *= 1.0 - needing * (right * approval.rejection_rate + (1.0 - right) * approval.catches)
    return Flow(dict(work), reach, right, scored_share)


def team_loads(scenario: Scenario, environment: OperatingEnvironment, design: Design, share: float = 1.0) -> list[Load]:
    """Expected load on every team the design uses, when ``share`` of the workload reaches the environment."""
    if design is TODAYS_PROCESS:
        return []
    teams = environment.teams
    cases_per_day = scenario.workload.arrival_rate * share
    flow = expected_flow(scenario, environment, design)
    per_day = {team: hours * cases_per_day for team, hours in flow.work.items()}
    if design.monitoring is not None and design.monitoring.team is not None:
        per_day[design.monitoring.team] = (
            per_day.get(design.monitoring.team, 0.0) + design.monitoring.check_hours / design.monitoring.every_days
        )
    accountable = design.accountability
    if accountable is not None and accountable.team is not None:
        errors = flow.followed(base_adoption(environment, design)) * (1.0 - flow.right)
        errors *= environment.dynamics.visibility.errors
        reviews = errors * cases_per_day * accountable.review_hours
        per_day[accountable.team] = per_day.get(accountable.team, 0.0) + reviews
    staff = staff_of(environment, design)
    return [
        Load(team, staff[team], hours, staff_hours_per_day(teams[team], staff[team]))
        for team, hours in per_day.items()
        if hours > 0
    ]
