"""Time dynamics of one environment run (docs/background/model.md, step 10).

Why value that survives the first month can still collapse by month nine:

- **trust** (algorithm aversion, Dietvorst et al. 2015): trust follows the share of visible outcomes that are
  errors, over a recent memory, not their count, so a bigger operation does not lose faith faster at the same
  accuracy; errors weigh more than successes; adoption = base adoption x trust. An accountable owner reviews
  errors, so they cost less trust, and a review can fix a root cause (accuracy moves toward the pilot's);
- **drift**: accuracy decays with the model's age; a monitoring check that measures a drop beyond its threshold
  starts retraining, which restores it. Without monitoring, only enough complaints (visible errors) force it;
- **capability trap** (Repenning & Sterman 2001): checks and reviews are work for a team, queued behind its cases,
  so a team buried in backlog monitors and improves late;
- **roll-out ramp**: the share of cases routed through the model grows along an S-curve;
- **reversion** (Repenning 2002): adoption below the commitment threshold for long enough, and the organisation
  goes back to the old way.

Everything here writes to :class:`OperatingState`, which the case flow reads at each decision, and records a
daily trace and the events (checks, retraining, reversion) that figures and the stall verdict use.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from statistics import NormalDist

import pandas as pd
import simpy

from scalesim.ops.capacity import base_adoption, expected_flow, mixed_accuracy
from scalesim.ops.cases import Cases
from scalesim.ops.teams import Station
from scalesim.scenario.schema import Accountability, Design, Monitoring, OperatingEnvironment, Scenario


@dataclass
class OperatingState:
    """The quantities decisions read at the moment they are made."""

    accuracy: float
    hard_accuracy: float
    adoption: float
    trust: float = 1.0
    reverted: bool = False


@dataclass
class Trace:
    """Daily samples of the state and of each team, plus dated events."""

    day: list[float] = field(default_factory=list)
    trust: list[float] = field(default_factory=list)
    adoption: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    routed_share: list[float] = field(default_factory=list)
    backlog: dict[str, list[int]] = field(default_factory=dict)
    busy_hours: dict[str, list[float]] = field(default_factory=dict)
    events: list[tuple[float, str, float, float]] = field(default_factory=list)
    """(day, event, value, expected): a check's ``value`` is the measured share right and ``expected`` the share
    its cases' mix of kinds should give at the trained accuracy; other events carry NaN there."""

    def daily(self) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "day": self.day,
                "trust": self.trust,
                "adoption": self.adoption,
                "accuracy": self.accuracy,
                "routed_share": self.routed_share,
            }
        )
        for team, backlog in self.backlog.items():
            frame[f"backlog:{team}"] = backlog
        for team, busy in self.busy_hours.items():
            frame[f"busy_hours:{team}"] = busy
        return frame

    def event_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.events, columns=["day", "event", "value", "expected"])

    def note(self, day: float, event: str, value: float, expected: float = math.nan) -> None:
        self.events.append((day, event, value, expected))


def rollout_share(now: float, days: float) -> float:
    """Logistic S-curve from 1% at day 0 to 99% at ``days`` (all cases after it)."""
    if days <= 0 or now >= days:
        return 1.0
    k = 2.0 * math.log(99.0) / days
    return 1.0 / (1.0 + math.exp(-k * (now - days / 2.0)))


def false_alarm_probability(variance: float, cases: float, threshold: float) -> float:
    """The chance that a monitoring check of ``cases`` outputs reads a drop of more than ``threshold`` below their
    expected share right when nothing has drifted.

    Each checked output is right or wrong with its own kind's accuracy ``a``, so the share right has variance
    ``variance / cases`` about its expectation, with ``variance`` the mean of ``a (1 - a)`` over the kinds' mix;
    the lower tail is taken by the normal approximation (de Moivre-Laplace; a check covers hundreds of cases). A
    check's false alarms fall fast with its size: about 2 sd of the share right is a 2 % alarm rate, 4 sd 0.003 %.
    """
    if cases <= 0 or variance <= 0.0:
        return 0.0
    return 1.0 - NormalDist().cdf(threshold / math.sqrt(variance / cases))


@dataclass(frozen=True)
class Experience:
    """What people remember of a model's outcomes when it goes live: the pilot's experience, as pseudo-counts.

    The memory starts as full as it would be at full roll-out (visible outcomes a day x the memory's length),
    holding the pilot's share of errors: a beta prior on the error share that fades at the memory's own rate
    (the beta reputation model with forgetting, Josang & Ismail 2002). Its mass grows with the volume exactly as
    the evidence does, so the onset of trust does not depend on volume; sparse early evidence neither freezes
    trust (no outcome seen yet) nor jolts it (one error among two outcomes).
    """

    errors: float = 0.0
    successes: float = 0.0


def pilot_experience(
    scenario: Scenario, environment: OperatingEnvironment, design: Design, share: float = 1.0
) -> Experience:
    """The memory at go-live of ``environment`` under ``design`` (``share``: of the workload it sees)."""
    spec = environment.dynamics
    if spec.trust is None:
        return Experience()
    flow = expected_flow(scenario, environment, design)
    followed = scenario.workload.arrival_rate * share * flow.followed(base_adoption(environment, design))
    mass = followed / (1.0 - math.exp(-1.0 / spec.trust.memory_days))
    right = mixed_accuracy(scenario, scenario.pilot)
    return Experience(
        errors=mass * (1.0 - right) * spec.visibility.errors, successes=mass * right * spec.visibility.successes
    )


class Dynamics:
    """Moves trust, adoption and accuracy over a run and records what happened."""

    def __init__(
        self,
        env: simpy.Environment,
        environment: OperatingEnvironment,
        design: Design,
        state: OperatingState,
        stations: dict[str, Station],
        cases: Cases,
        ceiling_accuracy: float,
        experience: Experience = Experience(),
    ) -> None:
        self.env = env
        self.spec = environment.dynamics
        self.design = design
        self.state = state
        self.stations = stations
        self.base_adoption = state.adoption
        self.base_accuracy = environment.accuracy
        self.base_hard = environment.accuracy_on_hard
        self.ceiling = max(ceiling_accuracy, environment.accuracy)
        self.fix_bonus = 0.0
        self.trained_at = 0.0
        self.decay_per_day = -math.log1p(-self.spec.drift.per_year) / 365.0
        self.retraining = False
        self.checked_scored = 0
        self.checked_hard = 0
        self.checked_correct = 0
        self.recent_errors: deque[float] = deque()
        self.seen_errors = experience.errors  # visible outcomes, exponentially weighted over the trust memory
        self.seen_successes = experience.successes
        self.forget = math.exp(-1.0 / self.spec.trust.memory_days) if self.spec.trust is not None else 0.0
        self.low_adoption_since: float | None = None
        self.visible_u = cases.uniform("visible")
        self.fix_u = cases.streams.blocks("dynamics:fix", lambda rng, n: rng.random(n))
        self.trace = Trace(backlog={n: [] for n in stations}, busy_hours={n: [] for n in stations})
        self.accountable = design.accountability
        self.reviewers = (
            stations[design.accountability.team] if design.accountability and design.accountability.team else None
        )
        self.observes = (
            self.spec.trust is not None or self.accountable is not None or self.spec.drift.complaints_to_retrain > 0
        )
        env.process(self._daily())
        if design.monitoring is not None:
            env.process(self._monitor(design.monitoring))

    # ------------------------------------------------------------------ hooks called by the case flow

    def routed_share(self) -> float:
        return rollout_share(self.env.now, self.spec.rollout.days)

    def scored(self, correct: bool, hard: bool) -> None:
        self.checked_scored += 1
        if hard:
            self.checked_hard += 1
        self.checked_correct += correct

    def followed(self, case: int, correct: bool) -> None:
        """An output was acted on; if its outcome becomes visible, it moves trust after the visibility delay."""
        if not self.observes:
            return
        visibility = self.spec.visibility
        if self.visible_u[case] >= (visibility.successes if correct else visibility.errors):
            return
        seen = self.env.timeout(visibility.delay_days)
        seen.callbacks.append(self._visible_success if correct else self._visible_error)

    # ------------------------------------------------------------------ mechanisms

    def _visible_success(self, _: simpy.Event) -> None:
        self.seen_successes += 1.0

    def _visible_error(self, _: simpy.Event) -> None:
        self.seen_errors += 1.0
        drift = self.spec.drift
        # complaints count from the end of the last retrain: errors of the model being replaced do not carry over
        if drift.complaints_to_retrain and self.design.monitoring is None and not self.retraining:
            now = self.env.now
            self.recent_errors.append(now)
            while self.recent_errors[0] < now - drift.complaint_window_days:
                self.recent_errors.popleft()
            if len(self.recent_errors) >= drift.complaints_to_retrain:
                self.trace.note(now, "complaints", float(len(self.recent_errors)))
                self.recent_errors.clear()
                self.env.process(self._retrain())
        if self.accountable is not None:
            self.env.process(self._review(self.accountable))

    def _review(self, accountable: Accountability) -> Generator[simpy.Event, object, None]:
        """The accountable owner's team reviews the error; sometimes it finds and fixes a root cause."""
        if self.reviewers is not None:
            yield from self.reviewers.work(accountable.review_hours)
        if next(self.fix_u) < accountable.fix_probability:
            gap = self.ceiling - (self.base_accuracy + self.fix_bonus)
            self.fix_bonus += accountable.fix_gain * max(gap, 0.0)
            self._update_accuracy()

    def _monitor(self, monitoring: Monitoring) -> Generator[simpy.Event, object, None]:
        """Periodic checks; each is work for the monitoring team and waits in its queue."""
        team = self.stations.get(monitoring.team) if monitoring.team else None
        while True:
            yield self.env.timeout(monitoring.every_days)
            if team is not None:
                yield from team.work(monitoring.check_hours)
            if self.checked_scored == 0:
                continue
            measured = self.checked_correct / self.checked_scored
            expected = self.expected_accuracy()
            self.checked_scored = self.checked_hard = self.checked_correct = 0
            self.trace.note(self.env.now, "check", measured, expected)
            if expected - measured > monitoring.threshold and not self.retraining:
                self.env.process(self._retrain())

    def expected_accuracy(self) -> float:
        """The share right the checked cases should show at the trained accuracy, given their mix of kinds: the
        check compares like with like, so hard cases alone never read as drift."""
        hard = self.checked_hard
        trained = min(1.0, self.base_accuracy + self.fix_bonus)
        trained_hard = min(1.0, self.base_hard + self.fix_bonus)
        return ((self.checked_scored - hard) * trained + hard * trained_hard) / self.checked_scored

    def _retrain(self) -> Generator[simpy.Event, object, None]:
        self.retraining = True
        self.trace.note(self.env.now, "retrain_start", self.state.accuracy)
        yield self.env.timeout(self.spec.drift.retraining_days)
        self.trained_at = self.env.now
        self.retraining = False
        self.recent_errors.clear()
        self._update_accuracy()
        self.trace.note(self.env.now, "retrain_end", self.state.accuracy)

    def _update_trust(self) -> None:
        """A day's step of trust toward what people experienced: the error share of their remembered outcomes.

        Only shares enter, so the expected path is the same at any volume (the noise shrinks with volume)."""
        trust = self.spec.trust
        seen = self.seen_errors + self.seen_successes
        if trust is None or seen == 0.0:
            return
        errors = self.seen_errors / seen
        fall = trust.fall_per_day * (trust.accountable_loss_factor if self.accountable else 1.0)
        t = self.state.trust
        self._set_trust(t - fall * errors * t + trust.recovery_per_day * (1.0 - errors) * (1.0 - t))
        self.seen_errors *= self.forget
        self.seen_successes *= self.forget

    def _daily(self) -> Generator[simpy.Event, object, None]:
        """Once a day: trust, drift, reversion check, and a sample of the state and every team."""
        state, reversion = self.state, self.spec.reversion
        while True:
            now = self.env.now
            self._update_trust()
            self._update_accuracy()
            if reversion.commitment_threshold > 0 and not state.reverted:
                if state.adoption < reversion.commitment_threshold:
                    if self.low_adoption_since is None:
                        self.low_adoption_since = now
                    if now - self.low_adoption_since >= reversion.sustained_days:
                        state.reverted = True
                        self.trace.note(now, "reverted", state.adoption)
                else:
                    self.low_adoption_since = None
            self._sample()
            yield self.env.timeout(1.0)

    def _sample(self) -> None:
        trace, state = self.trace, self.state
        trace.day.append(self.env.now)
        trace.trust.append(state.trust)
        trace.adoption.append(0.0 if state.reverted else state.adoption)
        trace.accuracy.append(state.accuracy)
        trace.routed_share.append(self.routed_share())
        for name, station in self.stations.items():
            trace.backlog[name].append(station.backlog)
            trace.busy_hours[name].append(station.work_done(self.env.now))

    def finish(self) -> None:
        """A last sample at the end of the run, so daily increments cover the final day too."""
        self._sample()

    # ------------------------------------------------------------------ state updates

    def _set_trust(self, trust: float) -> None:
        self.state.trust = trust
        self.state.adoption = self.base_adoption * trust

    def _update_accuracy(self) -> None:
        age = self.env.now - self.trained_at
        factor = math.exp(-self.decay_per_day * age) if self.decay_per_day else 1.0
        self.state.accuracy = min(1.0, self.base_accuracy + self.fix_bonus) * factor
        self.state.hard_accuracy = min(1.0, self.base_hard + self.fix_bonus) * factor
