"""The case flow through one environment under one design (docs/design.md; the steps are docs/background/model.md).

Each case is a SimPy process: score -> exception check -> (human review) -> deliver -> handoffs -> approval ->
act -> value.
Every decision compares the case's own pre-drawn uniform with a probability read *at decision time* from
:class:`OperatingState`, so mechanisms that move accuracy or adoption over time act on the same cases.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from scalesim.ops.calendar import calendar_of, next_tick
from scalesim.ops.capacity import base_adoption, staff_of
from scalesim.ops.cases import Cases
from scalesim.ops.dynamics import Dynamics, OperatingState, pilot_experience
from scalesim.ops.eventlog import EventLog
from scalesim.ops.ledger import CaseFate, Ledger
from scalesim.ops.route import acting_team, route_of
from scalesim.ops.teams import Station
from scalesim.ops.walk import ProcessWalk
from scalesim.scenario.process import Process as ProcessGraph
from scalesim.scenario.schema import Committee, Decay, Design, GoLive, Handoff, OperatingEnvironment, Scenario

Process = Generator[simpy.Event, object, None]


def confidence(score: float, accuracy: float, separation: float) -> float:
    """The calibrated probability that an output is right, given its binormal score (see ``Confidence``).

    Right outputs score N(separation, 1) and wrong ones N(0, 1); by Bayes with prior ``accuracy`` the posterior
    odds are the prior odds times the likelihood ratio ``exp(separation x score - separation^2 / 2)``.
    """
    if accuracy <= 0.0 or accuracy >= 1.0:
        return accuracy
    log_odds = math.log(accuracy / (1.0 - accuracy)) + separation * score - separation * separation / 2.0
    if log_odds < -700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-log_odds))


def wrong_action(value: float, scenario: Scenario) -> float:
    """What acting on a wrong output costs a case of ``value`` (a negative value)."""
    return -(value * scenario.value.wrong_action_cost_share)


def decay_factor(decay: Decay, lead_time: float) -> float:
    """Share of a case's value left after ``lead_time`` days (cost of delay)."""
    if decay.kind == "half_life":
        return math.exp(-math.log(2.0) * lead_time / decay.days)
    if decay.kind == "deadline":
        return 1.0 if lead_time <= decay.days else 0.0
    return 1.0


def drive(case: Process) -> None:
    """Run a case's generator on SimPy's clock without making it a SimPy process: start it now, and resume it
    from the callback of each event it waits for.

    A ``simpy.Process`` costs two scheduled events of its own (its start, and its end, which only a waiting
    process needs) and a general resume path; nothing waits on a case, so a case is driven directly. It starts at
    once, as its start event (scheduled first, at the arrival's moment) would have started it, and it sees each
    event's value as a process would. An exception inside a case stops the run, as in a process.
    """
    _Driver(case).resume(None)


class _Driver:
    """Resumes one case's generator. A small object whose bound method is the callback, not a closure that names
    itself: a closure would hold itself through its own cell, a reference cycle per case that only the cyclic
    garbage collector frees (it was 15 % of a production year's CPU)."""

    __slots__ = ("case",)

    def __init__(self, case: Process) -> None:
        self.case = case

    def resume(self, event: simpy.Event | None) -> None:
        case = self.case
        while True:
            try:
                waited = next(case) if event is None else case.send(event._value)
            except StopIteration:
                return
            if waited.callbacks is not None:  # not yet processed: wait for it
                waited.callbacks.append(self.resume)
                return
            event = waited  # already processed: go on with its value at once, as a process would


class CommitteeQueue:
    """Approval requests wait for the next meeting; each meeting decides at most ``slots`` of them, FIFO."""

    def __init__(self, env: simpy.Environment, spec: Committee) -> None:
        self.env = env
        self.spec = spec
        self.waiting: deque[simpy.Event] = deque()
        env.process(self._meetings())

    def request(self) -> simpy.Event:
        decided = self.env.event()
        self.waiting.append(decided)
        return decided

    def _meetings(self) -> Process:
        yield self.env.timeout(self.spec.first_meeting_day)
        while True:
            slots = self.spec.slots
            for _ in range(len(self.waiting) if slots is None else min(slots, len(self.waiting))):
                self.waiting.popleft().succeed()
            yield self.env.timeout(self.spec.every_days)


@dataclass(frozen=True)
class Branch:
    """A team working a case at a step, with its per-case service draws."""

    station: Station
    service: Sequence[float]


@dataclass(frozen=True)
class RouteStep:
    """One handoff with its per-case draws resolved (shared across designs by team name): ``branches`` work the
    case at the same time, the first is the step's own team."""

    branches: tuple[Branch, ...]
    transfer: Sequence[float]
    loss_u: Sequence[float]
    loss_probability: float

    @property
    def station(self) -> Station:
        return self.branches[0].station


class Operation:
    """One environment working the shared cases under one design, writing fates into a ledger."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        environment: OperatingEnvironment,
        design: Design,
        cases: Cases,
        sample: np.ndarray | None = None,
        event_log: bool = False,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.environment = environment
        self.design = design
        self.cases = cases
        self.ledger = Ledger(cases.arrival)
        self.state = OperatingState(
            accuracy=environment.accuracy,
            hard_accuracy=environment.accuracy_on_hard,
            adoption=base_adoption(environment, design),
        )
        staff = staff_of(environment, design)
        calendars = {name: calendar_of(team) for name, team in environment.teams.items()}
        self.log = EventLog(staff, calendars) if event_log else None
        self.stations = {
            name: Station(env, name, team, staff[name], self.log, cases.streams)
            for name, team in environment.teams.items()
        }
        self.sample = sample
        route = route_of(environment, design)
        if isinstance(route, ProcessGraph):
            self.walker: ProcessWalk | None = ProcessWalk(env, route, self.stations, environment.teams, cases)
            self.route: list[RouteStep] = []
        else:
            self.walker = None
            self.route = self._resolve_route(route)
        self.acting = self.stations[acting_team(route)]
        self.separation = environment.confidence.separation
        review = design.human_review
        self._reviewers = self._staffed_step(review.team) if review is not None else None
        share = 1.0 if sample is None else scenario.pilot.sample_share
        experience = pilot_experience(scenario, environment, design, share)
        self.dynamics = Dynamics(
            env, environment, design, self.state, self.stations, cases, scenario.pilot.accuracy, experience
        )
        approval = design.approval
        committee = approval.committee if approval.policy == "committee" else None
        self.committee = CommitteeQueue(env, committee) if committee is not None else None
        self._side_channel = design.side_channel if design.integration_point == "side_channel" else None
        self._approvers = self._staffed_step(approval.team)
        self._triage = self._staffed_step(design.exception_handling.team)
        self._u = {
            name: cases.uniform(name)
            for name in (
                "routed",
                "data_quality",
                "exception",
                "correct",
                "pickup",
                "reject",
                "adopt",
                "recover",
                "bounces",
                "catch",
                "human",
            )
        }
        self._score_noise = cases.normal("confidence")
        self._hard = cases.hard.tolist()  # read once a case: a list's item costs less than a numpy scalar
        self._ramped = environment.dynamics.rollout.days > 0  # without a ramp every case is routed
        self._needs_confidence = review is not None or approval.confidence_below is not None
        self._exception_draws = self._exception_streams()
        self._parallel_until = design.go_live.parallel_run_days if design.go_live is not None else 0.0
        self._parallel_run = (
            cases.draws("service:parallel_run", self.acting.spec.service_hours) if self._parallel_until > 0 else None
        )
        if design.go_live is not None:
            self._go_live(design.go_live)

    def _go_live(self, go_live: GoLive) -> None:
        """New-process work starts slow and speeds up with each team's experience; training takes people off the
        floor at go-live (each person's training is one piece of work queued before the first case)."""
        for station in self.used_stations():
            station.learn(go_live.initial_time_factor, go_live.learning_rate)
            if go_live.training_hours > 0:
                for _ in range(station.staff):
                    self.env.process(station.work(go_live.training_hours, -1, "training"))

    def _resolve_route(self, handoffs: list[Handoff]) -> list[RouteStep]:
        """Each step's draws come from streams named by team and visit number (``desk``, ``desk#2``), so a route
        that visits a team again, or in a parallel branch, draws afresh, and the same route always draws alike."""
        seen: dict[str, int] = {}

        def key(team: str) -> str:
            seen[team] = seen.get(team, 0) + 1
            return team if seen[team] == 1 else f"{team}#{seen[team]}"

        steps = []
        for h in handoffs:
            keys = [key(team) for team in h.teams]
            branches = tuple(
                Branch(
                    self.stations[team], self.cases.draws(f"service:{k}", self.environment.teams[team].service_hours)
                )
                for team, k in zip(h.teams, keys, strict=True)
            )
            steps.append(
                RouteStep(
                    branches=branches,
                    transfer=self.cases.draws(f"transfer:{keys[0]}", h.transfer_delay_days),
                    loss_u=self.cases.uniform(f"loss:{keys[0]}"),
                    loss_probability=h.loss_probability,
                )
            )
        return steps

    def used_stations(self) -> list[Station]:
        """Teams this design sends work to (route, approvers, triage, monitoring, reviews), in route order."""
        used = self._route_stations()
        used += [step[0] for step in (self._reviewers, self._approvers, self._triage) if step is not None]
        for lever in (self.design.monitoring, self.design.accountability):
            if lever is not None and lever.team is not None:
                used.append(self.stations[lever.team])
        return list(dict.fromkeys(used))

    def _route_stations(self) -> list[Station]:
        """Every team the route sends work to, branches included, in route order (rework lands on one of them)."""
        if self.walker is not None:
            return self.walker.stations()
        return [branch.station for step in self.route for branch in step.branches]

    def _staffed_step(self, team: str | None) -> tuple[Station, Sequence[float]] | None:
        """A team outside the route (approvers, triage) with its per-case service draws."""
        if team is None or team not in self.environment.teams:
            return None
        return self.stations[team], self.cases.draws(f"service:{team}", self.environment.teams[team].service_hours)

    def _exception_streams(self) -> dict[str, Iterator[float]]:
        """Draws for rework loops, whose number depends on the run: block streams, not per-case arrays."""
        handling = self.design.exception_handling
        blocks = self.cases.streams.blocks
        draws = {
            "delay": blocks("exception:bounce_delay", handling.bounce_delay_days.sample),
            "team": blocks("exception:team", lambda rng, n: rng.random(n)),
            "drop": blocks("exception:drop", lambda rng, n: rng.random(n)),
        }
        for name, team in self.environment.teams.items():
            draws[f"rework:{name}"] = blocks(f"exception:rework:{name}", team.service_hours.sample)
        return draws

    # ------------------------------------------------------------------ the case process

    def arrivals(self) -> None:
        """Start each case at its arrival time (only the sampled cases, where the environment works a sample): one
        timeout a case, whose callback starts the case and sets the next (no process of its own to resume)."""
        env = self.env
        arrival = self.cases.arrival
        indices = range(len(arrival)) if self.sample is None else np.flatnonzero(self.sample).tolist()
        times = arrival.tolist() if self.sample is None else arrival[self.sample].tolist()
        upcoming = iter(zip(indices, times, strict=True))

        def arrive(i: int) -> Callable[[simpy.Event], None]:
            def start(_: simpy.Event) -> None:
                drive(self.case(i))
                schedule()

            return start

        def schedule() -> None:
            following = next(upcoming, None)
            if following is not None:
                i, t = following
                env.timeout(t - env.now).callbacks.append(arrive(i))

        schedule()

    def warmup(self, until: float) -> Process:
        """At the end of the warm-up, every team's statistics start again from zero."""
        yield self.env.timeout(until)
        for station in self.stations.values():
            station.clear_statistics()

    def case(self, i: int) -> Process:
        env, u, environment, state = self.env, self._u, self.environment, self.state
        arrival = env.now
        # 1. arrive: after a reversion, or before the roll-out reaches it, the case goes the old way
        if state.reverted:
            self.ledger.close(i, CaseFate.REVERTED, 0.0, env.now)
            return
        if self._ramped and u["routed"][i] >= self.dynamics.routed_share():
            self.ledger.close(i, CaseFate.NOT_ROUTED, 0.0, env.now)
            return
        # 2. score: missing inputs make the case an exception the model cannot score
        if u["data_quality"][i] >= environment.data_quality:
            recovered = yield from self.exception_path(i, CaseFate.NO_SCORE)
            if not recovered:
                return
        # 3. exception check: out-of-scope / edge cases leave the model path
        if u["exception"][i] < environment.exception_rate:
            yield from self.exception_path(i, CaseFate.EXCEPTION)
            return
        scoring = environment.scoring
        if scoring.mode == "batch":
            wait = next_tick(env.now, scoring.batch_every_days) - env.now
            if wait:  # a wait of no time is no event
                yield env.timeout(wait)
        if scoring.latency_days:
            yield env.timeout(scoring.latency_days)
        hard = self._hard[i]
        accuracy = state.hard_accuracy if hard else state.accuracy
        correct = u["correct"][i] < accuracy
        self.dynamics.scored(correct, hard)
        sure = 1.0
        if self._needs_confidence:
            sure = confidence(self.separation * correct + self._score_noise[i], accuracy, self.separation)
        # human in the loop: a low-confidence output goes to people who decide the case themselves
        review = self.design.human_review
        if review is not None and sure < review.confidence_below and self._reviewers is not None:
            reviewers, service = self._reviewers
            yield from reviewers.work(service[i], i, "human review")
            correct = u["human"][i] < review.accuracy
        # 4. deliver: a side channel publishes at a cadence and is read only sometimes
        side = self._side_channel
        if side is not None:
            wait = next_tick(env.now, side.every_days) - env.now
            if wait:  # already at a publication (a nightly batch publishes at once)
                yield env.timeout(wait)
            if u["pickup"][i] >= side.pickup_probability:
                self.ledger.close(i, CaseFate.ORPHANED, 0.0, env.now)
                return
        # 5. handoffs: the route's steps in order, or a walk through the process graph
        if self.walker is not None:
            ended = yield from self.walker.walk(i)
            if not ended:
                self.ledger.close(i, CaseFate.LOST_IN_HANDOFF, 0.0, env.now)
                return
        for step in self.route:
            delay = step.transfer[i]
            if delay:
                yield env.timeout(delay)
            if step.loss_u[i] < step.loss_probability:
                self.ledger.close(i, CaseFate.LOST_IN_HANDOFF, 0.0, env.now)
                return
            if len(step.branches) == 1:
                yield from step.station.work(step.branches[0].service[i], i)
            else:  # AND-split: every branch queues at once; the case goes on when the last is done
                yield env.all_of([env.process(b.station.work(b.service[i], i)) for b in step.branches])
        if self._parallel_run is not None and arrival < self._parallel_until:
            yield from self.acting.work(self._parallel_run[i], i, "old process (parallel run)")
        # 6. approval: a control that stops wrong outputs (caught) and sometimes right ones (rejected)
        approval = self.design.approval
        if approval.policy != "none":
            needs = approval.policy != "risk_based" or (
                (approval.threshold is not None and self.cases.value[i] > approval.threshold)
                or (approval.confidence_below is not None and sure < approval.confidence_below)
                or (approval.share is not None and self.cases.uniform("approval_share")[i] < approval.share)
            )
            if needs:
                if self.committee is not None:
                    asked = env.now
                    yield self.committee.request()
                    if self.log is not None:
                        self.log.done("committee", 0, i, "committee approval", asked, env.now, env.now)
                elif self._approvers is not None:
                    approvers, service = self._approvers
                    yield from approvers.work(service[i] * approval.effort, i, approval.activity or "approval")
                if correct and u["reject"][i] < approval.rejection_rate:
                    self.ledger.close(i, CaseFate.REJECTED, 0.0, env.now)
                    return
                if not correct and u["catch"][i] < approval.catches:
                    self.ledger.close(i, CaseFate.CAUGHT, 0.0, env.now)
                    return
        # 7. act, 8. value
        self.act(i, correct, env.now - arrival)

    def act(self, i: int, correct: bool, lead_time: float) -> None:
        now = self.env.now
        if self.state.reverted:
            self.ledger.close(i, CaseFate.REVERTED, 0.0, now)
            return
        if self._u["adopt"][i] >= self.state.adoption:
            self.ledger.close(i, CaseFate.NOT_ADOPTED, 0.0, now)
            return
        self.dynamics.followed(i, correct)
        if correct:
            kept = decay_factor(self.scenario.value.decay, lead_time)
            self.ledger.factor[i] = kept
            self.ledger.close(i, CaseFate.REALIZED, self.cases.value[i] * kept, now)
        else:
            self.ledger.close(i, CaseFate.WRONG_ACTION, wrong_action(self.cases.value[i], self.scenario), now)

    def exception_path(self, i: int, cause: CaseFate) -> Generator[simpy.Event, object, bool]:
        """Work an exception; return True if triage repaired its inputs and it rejoins the model path.

        The case's value is lost (to ``cause``) as soon as it leaves the model path; the work that follows
        matters for the *load* it puts on staff, which is what slows every other case.
        """
        handling = self.design.exception_handling
        env = self.env
        if handling.mode == "defined":
            recovered = cause is CaseFate.NO_SCORE and self._u["recover"][i] < handling.recover_probability
            if not recovered:
                self.ledger.close(i, cause, 0.0, env.now)
            if self._triage is not None:
                triage, service = self._triage
                yield from triage.work(service[i], i, "exception triage")
            return recovered
        self.ledger.close(i, cause, 0.0, env.now)
        p = 1.0 / (1.0 + handling.mean_bounces)
        bounces = 0 if p >= 1.0 else int(math.log(1.0 - self._u["bounces"][i]) / math.log(1.0 - p))
        draws = self._exception_draws
        stations = self._route_stations()
        for _ in range(bounces):
            yield env.timeout(next(draws["delay"]))
            station = stations[int(next(draws["team"]) * len(stations))]
            yield from station.work(next(draws[f"rework:{station.name}"]), i, f"rework ({station.name})")
            if next(draws["drop"]) < handling.drop_probability:
                break
        return False
