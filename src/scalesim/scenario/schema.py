"""The scenario file as typed, immutable models.

A scenario describes one AI use case: its workload and value, a clean *pilot* environment, a real
*production* environment, and named *designs* (integration-design choices applied to production).
Validation is strict — unknown keys are rejected, probabilities live in [0, 1], durations and capacities
are positive, and names that refer to teams must exist — so that a typo cannot silently become a default.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scalesim.scenario.base import NAME_LENGTH as NAME_LENGTH  # re-exported: names are the schema's
from scalesim.scenario.base import NAME_PATTERN as NAME_PATTERN
from scalesim.scenario.base import Currency, Model, Name, Text
from scalesim.scenario.beliefs import Beliefs
from scalesim.scenario.distributions import Distribution, Fixed
from scalesim.scenario.numbers import (
    NO_BOOLEAN,
    Count,
    NonNegative,
    Positive,
    Probability,
    Seed,
    Staff,
    WholeNumber,
)
from scalesim.scenario.paths import suggest
from scalesim.scenario.process import Process

# --------------------------------------------------------------------------- organisation (environments)


class Calendar(Model):
    """When a team works. Service times count working hours only; work pauses outside the shift."""

    hours_per_day: Annotated[float, NO_BOOLEAN, Field(gt=0, le=24)] = 8.0
    days_per_week: Annotated[int, NO_BOOLEAN, Field(ge=1, le=7)] = 5
    start_hour: Annotated[float, NO_BOOLEAN, Field(ge=0, lt=24)] = 9.0

    @model_validator(mode="after")
    def _shift_fits_in_day(self) -> Calendar:
        if self.start_hour + self.hours_per_day > 24:
            raise ValueError(
                f"a shift must end by midnight: start_hour {self.start_hour} + hours_per_day {self.hours_per_day} > 24"
            )
        return self

    @property
    def always_open(self) -> bool:
        return self.hours_per_day == 24 and self.days_per_week == 7


HOURS_OF_WEEK = 168


class Team(Model):
    """A staffed group that works cases one at a time per person (a SimPy resource of ``staff`` servers).

    When its people work is a ``calendar`` (one shift, the same on each working day: work pauses outside it), or a
    **rota**: for each hour of the week (Monday 0:00 first), how many of the team's ``staff`` are at work on average.
    The rota is the team's people's own probabilistic availability calendars added up (López-Pintado & Dumas
    2022, *Discovery and simulation of business processes with probabilistic resource availability calendars*):
    each hour the people at work are that mean's whole part plus one more with its fractional part as the
    probability, new work starts only while fewer people are busy than are at work, and work in progress pauses
    only in the hours nobody of the team is ever at work (as it pauses outside a shift). A rota scales with
    ``staff`` (a design's added staff add presence in the same proportion).
    """

    staff: Staff
    service_hours: Distribution = Field(description="working hours one person spends on one case")
    calendar: Calendar = Calendar()
    rota: list[Annotated[float, NO_BOOLEAN, Field(ge=0.0)]] | None = Field(
        None,
        min_length=HOURS_OF_WEEK,
        max_length=HOURS_OF_WEEK,
        description="people at work on average in each hour of the week, Monday 0:00 first (instead of a calendar)",
    )
    cost_per_staff_year: NonNegative = 0.0
    existing: bool = Field(
        True,
        description="the team works in today's operation; a team a design creates (false) is charged to it",
    )

    @model_validator(mode="after")
    def _rota_or_calendar(self) -> Team:
        if self.rota is None:
            return self
        if self.calendar != Calendar():  # (a dumped scenario writes the default calendar back: that is no choice)
            raise ValueError("a team's time is a 'calendar' or a 'rota', not both (a rota says every hour of the week)")
        if max(self.rota) > self.staff + 1e-9:
            hour = self.rota.index(max(self.rota))
            raise ValueError(
                f"rota.{hour}: {max(self.rota):g} people at work on average, more than the team's staff "
                f"({self.staff}); raise staff or lower the rota"
            )
        if max(self.rota) <= 0.0:
            raise ValueError("rota: nobody is ever at work; give at least one hour with people at work")
        return self


class Handoff(Model):
    """One step of the route: the case is transferred to ``team`` and worked there.

    With ``parallel_with``, those teams work the case at the same time as ``team`` (an AND-split) and the case
    moves on when the last of them is done (the AND-join), so the slowest branch, queue included, sets the pace:
    workflow patterns 2 and 3, *parallel split* and *synchronisation* (van der Aalst et al. 2003). Loan checks
    run this way: an appraisal, a credit check and an anti-money-laundering check of one application.
    """

    team: Name
    parallel_with: list[Name] = Field(
        default_factory=list,
        max_length=16,
        description="teams that work the case at the same time as 'team'; the case waits for the last of them",
    )
    transfer_delay_days: Distribution = Fixed(value=0.0)
    loss_probability: Probability = 0.0

    @property
    def teams(self) -> list[str]:
        """Every team that works the case at this step, ``team`` first."""
        return [self.team, *self.parallel_with]


class Scoring(Model):
    """How the model scores a case: at once (``real_time``) or at the next scheduled batch run."""

    mode: Literal["real_time", "batch"] = "real_time"
    batch_every_days: Positive = 1.0
    latency_days: NonNegative = 0.0


class Adoption(Model):
    """Probability that the acting role follows the model's output, with and without a named process owner."""

    with_owner: Probability
    without_owner: Probability

    @model_validator(mode="after")
    def _owner_helps(self) -> Adoption:
        if self.without_owner > self.with_owner:
            raise ValueError(f"without_owner ({self.without_owner}) cannot exceed with_owner ({self.with_owner})")
        return self


class Visibility(Model):
    """Which outcomes of followed outputs people get to see, and when: the raw material of trust and complaints."""

    errors: Probability = Field(0.5, description="share of followed wrong outputs that become visible")
    successes: Probability = Field(0.5, description="share of followed right outputs that become visible")
    delay_days: NonNegative = Field(7.0, description="time for an outcome to become visible")


class Trust(Model):
    """Trust from experience: it follows the *share* of visible outcomes that are errors, not their count.

    People judge a tool by how often it lets them down (the error rate they experience over a recent
    ``memory_days``), so the same accuracy gives the same trust path at any volume. Each day trust falls by
    ``fall_per_day`` x (error share) x trust and recovers by ``recovery_per_day`` x (success share) x (1 - trust):
    an errors-weigh-more asymmetry (algorithm aversion, Dietvorst, Simmons & Massey 2015; trust is lost faster
    than it is built, Slovic 1993), so ``fall_per_day`` may not be below ``recovery_per_day``. Adoption is the
    base adoption times trust (trust starts at 1). At a steady error share e, trust settles at
    ``recovery x (1 - e) / (recovery x (1 - e) + fall x e)``.
    """

    fall_per_day: Probability = Field(0.03, description="share of trust lost per day if every visible outcome failed")
    recovery_per_day: Probability = Field(
        0.01, description="share of the gap to full trust regained per day if every visible outcome succeeded"
    )
    memory_days: Annotated[float, NO_BOOLEAN, Field(ge=1.0, le=3650.0)] = Field(
        14.0, description="how far back the experienced error share looks (exponential memory, days)"
    )
    accountable_loss_factor: Probability = Field(
        0.4, description="with an accountable owner, errors cost this share of the trust they otherwise would"
    )

    @model_validator(mode="after")
    def _errors_weigh_more(self) -> Trust:
        if self.fall_per_day < self.recovery_per_day:
            raise ValueError(
                f"fall_per_day ({self.fall_per_day}) must be at least recovery_per_day ({self.recovery_per_day}): "
                "people lose faith in an algorithm faster than they regain it (algorithm aversion)"
            )
        return self


class Drift(Model):
    """Accuracy decays with the model's age; retraining restores it (Vela et al. 2022: 91% of models degrade)."""

    per_year: Annotated[float, NO_BOOLEAN, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="relative accuracy lost per year without retraining"
    )
    retraining_days: Positive = Field(30.0, description="time from a detected drop to a retrained model")
    complaints_to_retrain: WholeNumber = Field(
        0, description="without monitoring: visible errors within the window that force a retrain (0: never)"
    )
    complaint_window_days: Positive = 30.0


class Rollout(Model):
    """Share of cases routed through the model grows along an S-curve over ``days`` (0: all from day 0)."""

    days: NonNegative = 0.0


class Reversion(Model):
    """Implementation commitment (Repenning 2002): if adoption stays below ``commitment_threshold`` for
    ``sustained_days``, the organisation reverts to the old process and outputs realize nothing from then on."""

    commitment_threshold: Probability = 0.0
    sustained_days: Positive = 60.0


class Dynamics(Model):
    """How the environment changes over a run. The default is static: no trust loss, drift, ramp or reversion."""

    visibility: Visibility = Visibility()
    trust: Trust | None = None
    drift: Drift = Drift()
    rollout: Rollout = Rollout()
    reversion: Reversion = Reversion()


class Confidence(Model):
    """How well the model's confidence separates its right outputs from its wrong ones.

    The binormal model of a score (Hanley 1988; Pepe 2003, ch. 4): the score of a right output is normal with
    mean ``d`` and of a wrong one normal with mean 0, both with unit variance, so the area under the ROC curve is
    ``Phi(d / sqrt 2)``. The confidence a case carries is the calibrated probability that its output is right
    given its score and the accuracy on its kind of case, so wrong outputs and hard cases (lower accuracy)
    concentrate at low confidence, and the share of right outputs is still exactly the accuracy.
    """

    auc: Annotated[float, NO_BOOLEAN, Field(ge=0.5, le=0.999)] = Field(
        0.75, description="area under the ROC curve of the model's confidence (0.5: says nothing)"
    )

    @property
    def separation(self) -> float:
        """The binormal mean difference ``d`` with this area under the ROC curve: ``AUC = Phi(d / sqrt 2)``."""
        return math.sqrt(2.0) * NormalDist().inv_cdf(self.auc)


class OperatingEnvironment(Model):
    """Operating conditions that cases flow through (the organisation, not the design choices)."""

    data_quality: Probability = Field(description="share of cases whose inputs let the model score them")
    exception_rate: Probability = Field(description="share of scored cases that are out of scope / edge cases")
    accuracy: Probability = Field(description="share of ordinary cases on which the model's output is right")
    hard_case_accuracy: Probability | None = Field(
        default=None, description="accuracy on hard cases (defaults to accuracy)"
    )
    adoption: Adoption
    confidence: Confidence = Confidence()
    scoring: Scoring = Scoring()
    teams: dict[Name, Team] = Field(min_length=1)
    handoffs: list[Handoff] = Field(
        default_factory=list, description="the route to the acting team, in order (or a 'process' graph)"
    )
    process: Process | None = Field(
        None, description="the route as a graph of steps with choices and loops (instead of 'handoffs')"
    )
    dynamics: Dynamics = Dynamics()

    @model_validator(mode="after")
    def _one_route(self) -> OperatingEnvironment:
        if bool(self.handoffs) == (self.process is not None):
            raise ValueError(
                "the route: give either 'handoffs' (a sequence of teams) or 'process' (a graph of steps), "
                + ("not both" if self.handoffs else "one of them")
            )
        return self

    @property
    def accuracy_on_hard(self) -> float:
        return self.accuracy if self.hard_case_accuracy is None else self.hard_case_accuracy


# --------------------------------------------------------------------------- design levers


class SideChannel(Model):
    """Output published on a dashboard/report at a cadence and picked up only sometimes."""

    every_days: Positive = 1.0
    pickup_probability: Probability


class Committee(Model):
    """Approvals batched at a meeting every ``every_days``, deciding at most ``slots`` cases (unset: no limit)."""

    every_days: Positive = 7.0
    slots: Count | None = None
    first_meeting_day: NonNegative = 0.0


class Approval(Model):
    """Approval policy (lever). ``all`` and ``risk_based`` use an approvers team; ``committee`` meets.

    An approval is a control that *detects*: it stops a wrong output with probability ``catch_rate`` (a caught
    wrong action is a prevented loss) and blocks a right one with probability ``rejection_rate`` (a false
    alarm). An approver who cannot tell them apart has ``catch_rate == rejection_rate`` (the default when
    ``catch_rate`` is not given), and can then only lose value. A more thorough check catches more and takes
    longer: ``effort`` multiplies the approvers' service time (Reason 1997 on defences in depth; the detection
    model is signal detection's hit and false-alarm rates, Green & Swets 1966).

    ``risk_based`` sends a case to the approvers when its value is above ``threshold``, or its confidence is
    below ``confidence_below``, or it is among a random ``share`` of the cases (what an event log shows: how many
    cases were approved, not why); any of those given is enough.
    """

    policy: Literal["none", "all", "risk_based", "committee"] = "none"
    team: Name | None = Field(default=None, description="approvers team for 'all' and 'risk_based'")
    activity: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="the approval's name in an event log (default 'approval'; calibrate writes the log's)"
    )
    threshold: NonNegative | None = Field(
        default=None, description="'risk_based': cases above this value need approval"
    )
    confidence_below: Probability | None = Field(
        default=None, description="'risk_based': outputs with confidence below this need approval"
    )
    share: Probability | None = Field(
        default=None, description="'risk_based': this share of the cases needs approval, at random (e.g. from a log)"
    )
    committee: Committee | None = None
    rejection_rate: Probability = Field(0.0, description="share of right outputs the approval blocks")
    catch_rate: Probability | None = Field(
        default=None, description="share of wrong outputs the approval stops (unset: the rejection rate)"
    )
    effort: Annotated[float, NO_BOOLEAN, Field(gt=0.0, le=100.0)] = Field(
        1.0, description="multiplies the approvers' service time: a thorough check takes longer"
    )

    @property
    def catches(self) -> float:
        return self.rejection_rate if self.catch_rate is None else self.catch_rate

    @model_validator(mode="after")
    def _policy_needs(self) -> Approval:
        if self.policy in ("all", "risk_based") and self.team is None:
            raise ValueError(f"policy '{self.policy}' needs 'team' (the approvers team)")
        if (
            self.policy == "risk_based"
            and self.threshold is None
            and self.confidence_below is None
            and self.share is None
        ):
            raise ValueError(
                "policy 'risk_based' needs 'threshold' (a value), 'confidence_below' (a confidence) or 'share' (of "
                "the cases, at random)"
            )
        if self.policy == "committee" and self.committee is None:
            raise ValueError("policy 'committee' needs 'committee' (every_days, slots)")
        return self


class ExceptionHandling(Model):
    """How exceptions are handled (lever).

    ``defined``: a triage team with its own capacity works each exception once and can repair missing
    inputs (``recover_probability``) so the case rejoins the model path. ``ad_hoc``: the exception bounces
    between the route's teams (``mean_bounces`` rework loops on average), loading the same staff as the main
    path, and may be dropped on each bounce.
    """

    mode: Literal["defined", "ad_hoc"] = "ad_hoc"
    team: Name | None = Field(default=None, description="'defined': the triage team")
    recover_probability: Probability = 0.0
    mean_bounces: NonNegative = 2.0
    bounce_delay_days: Distribution = Fixed(value=0.5)
    drop_probability: Probability = 0.1

    @model_validator(mode="after")
    def _defined_needs_team(self) -> ExceptionHandling:
        if self.mode == "defined" and self.team is None:
            raise ValueError("mode 'defined' needs 'team' (the triage team)")
        return self


class Monitoring(Model):
    """Lever *monitoring cadence*: every ``every_days`` someone measures recent accuracy; a drop of more than
    ``threshold`` below the trained level starts retraining. The check is work for ``team`` and waits in its
    queue like any case, so a team buried in backlog monitors late (the capability trap)."""

    every_days: Positive = 30.0
    threshold: Probability = Field(0.03, description="absolute accuracy drop that triggers retraining")
    team: Name | None = None
    check_hours: NonNegative = 4.0
    cost_per_year: NonNegative = 0.0


class Accountability(Model):
    """Lever *accountability*: an accountable owner's ``team`` reviews every visible error (``review_hours`` of
    its time), so trust falls less and some root causes get fixed."""

    team: Name | None = None
    review_hours: NonNegative = 1.0
    fix_probability: Probability = Field(0.1, description="chance a reviewed error's root cause is fixed")
    fix_gain: Probability = Field(
        0.01, description="a fix closes this share of the gap between field accuracy and the pilot's accuracy"
    )


class HumanReview(Model):
    """Lever *human in the loop*: outputs whose confidence is below ``confidence_below`` go to ``team``, who decide
    the case themselves (right with probability ``accuracy``) before it goes on. The routing most real
    deployments use (Amershi et al. 2019; selective prediction, Geifman & El-Yaniv 2017)."""

    team: Name
    confidence_below: Probability = Field(description="outputs with confidence below this go to the team")
    accuracy: Probability = Field(description="share of the cases the team reviews that it decides right")


class GoLive(Model):
    """What going live asks of the people doing the new work (every team the design sends work to).

    - A learning curve with an incompressible part (Wright 1936; De Jong 1957; Argote & Epple 1990): the n-th
      case a team works in the new process takes ``1 + (initial_time_factor - 1) x n^log2(learning_rate)`` times
      its steady-state service time, so each doubling of the team's cumulative cases keeps ``learning_rate``
      of the excess; it converges to the steady state.
    - Training takes every person of those teams off the floor for ``training_hours`` at go-live.
    - For ``parallel_run_days`` after go-live the old process runs alongside: the acting team works every routed
      case a second time, the old way (double work).
    """

    initial_time_factor: Annotated[float, NO_BOOLEAN, Field(ge=1.0, le=10.0)] = Field(
        1.0, description="service time of a team's first new-process case, as a multiple of the steady state"
    )
    learning_rate: Annotated[float, NO_BOOLEAN, Field(gt=0.0, le=1.0)] = Field(
        0.8, description="share of the excess time left after each doubling of cumulative cases"
    )
    training_hours: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=2000.0)] = Field(
        0.0, description="working hours of training per person at go-live"
    )
    parallel_run_days: NonNegative = Field(0.0, description="days after go-live the old process runs alongside")


class Costs(Model):
    """What a design costs on top of the organisation's existing teams, and when it is paid.

    ``one_off`` is the build, spent evenly over the ``build_days`` before go-live (day 0; at go-live when 0);
    ``change_management`` is paid at go-live; recurring costs accrue every day of the run.
    """

    one_off: NonNegative = 0.0
    recurring_per_year: NonNegative = 0.0
    build_days: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=3650.0)] = Field(
        0.0, description="days of building before go-live, over which one_off is spent"
    )
    change_management: NonNegative = Field(0.0, description="one-off cost paid at go-live (training, communication)")


class Design(Model):
    """A set of integration-design choices applied to an environment."""

    description: Text = ""
    integration_point: Literal["embedded", "side_channel"] = "embedded"
    side_channel: SideChannel | None = None
    process_owner: bool = True
    owner: Text = Field(
        "", description="who owns the process the output changes, as a role (for the pilot plan); needs process_owner"
    )
    approval: Approval = Approval()
    exception_handling: ExceptionHandling = ExceptionHandling()
    handoffs: list[Handoff] | None = Field(
        default=None, description="replaces the environment's route (e.g. a redesign that removes a handoff)"
    )
    process: Process | None = Field(
        default=None, description="replaces the environment's route by a graph of steps (e.g. one step less)"
    )
    monitoring: Monitoring | None = None
    accountability: Accountability | None = None
    human_review: HumanReview | None = None
    go_live: GoLive | None = None
    added_staff: dict[Name, Staff] = Field(
        default_factory=dict,
        description="people the design hires on top of a team's staff (simulated, and charged to the design)",
    )
    costs: Costs = Costs()

    @model_validator(mode="after")
    def _side_channel_needs(self) -> Design:
        if self.integration_point == "side_channel" and self.side_channel is None:
            raise ValueError("integration_point 'side_channel' needs 'side_channel' (every_days, pickup_probability)")
        if self.handoffs is not None and self.process is not None:
            raise ValueError("a design replaces the route by 'handoffs' or by 'process', not both")
        if self.owner and not self.process_owner:
            raise ValueError(
                f"owner {self.owner!r} is named but process_owner is false; set process_owner: true, or leave owner out"
            )
        return self


PILOT_DESIGN = Design(description="pilot: output handed straight to a dedicated team, approvals waived")
TODAY = "today"
"""The reserved design name of today's process, an option in every scenario without being written in it."""
TODAYS_PROCESS = Design(description="today's process: the model is not used, nothing is added (do not scale)")
"""Doing nothing: no model, no added cost, no added value. Every design's money is counted against it, so its
value, costs and net present value are exactly 0; it is what "do not scale" chooses."""


class Pilot(OperatingEnvironment):
    """The pilot environment, with the (usually ideal) way the pilot itself was run.

    A real pilot works a slice of the volume: ``sample_share`` of the cases, drawn at random from the same
    stream production sees. Pilot value per case is measured on that sample, and production is compared with
    the pilot on exactly those cases, so the pairing stays exact.
    """

    design: Design = PILOT_DESIGN
    sample_share: Annotated[float, NO_BOOLEAN, Field(gt=0.0, le=1.0)] = Field(
        1.0, description="share of the cases the pilot works (a random sample of the same stream)"
    )


# --------------------------------------------------------------------------- the use case


class Workload(Model):
    """Cases arriving: a Poisson stream, optionally shaped by day of week."""

    arrival_rate: Positive = Field(description="mean cases per calendar day")
    weekly_pattern: list[NonNegative] = Field(
        default=[1.0] * 7, min_length=7, max_length=7, description="relative arrival rate Monday..Sunday"
    )
    hourly_pattern: list[NonNegative] | None = Field(
        default=None,
        min_length=24,
        max_length=24,
        description="relative arrival rate per hour of the day, 0..23 (unset: even over the day)",
    )
    hard_case_share: Probability = 0.0

    @model_validator(mode="after")
    def _some_day_open(self) -> Workload:
        if sum(self.weekly_pattern) <= 0:
            raise ValueError("weekly_pattern needs at least one day with a positive rate")
        if self.hourly_pattern is not None and sum(self.hourly_pattern) <= 0:
            raise ValueError("hourly_pattern needs at least one hour with a positive rate")
        return self


class Decay(Model):
    """How a case's value decays with lead time (cost of delay)."""

    kind: Literal["none", "half_life", "deadline"] = "none"
    days: Positive = 30.0


class Value(Model):
    """What a case is worth when the model's output is acted on."""

    uplift: Distribution = Field(description="value realized by acting on a correct output, per case")
    wrong_action_cost_share: NonNegative = Field(
        default=0.0, description="cost of acting on a wrong output, as a share of the case's uplift"
    )
    decay: Decay = Decay()


MIN_HORIZON_DAYS = 7.0
"""Figures per year and the weekly pattern need at least a whole week of arrivals."""
MAX_HORIZON_DAYS = 36_500.0
"""A century; the run-size estimate refuses most long runs well before this."""


class RunSettings(Model):
    """Horizon and seed of a run; cases arrive for ``horizon_days`` and may finish during ``drain_days``.

    Cases arriving before ``warmup_days`` are simulated but left out of every statistic, so a run that starts
    empty does not flatter (or penalise) the steady state; see docs/how-to/replications.md for choosing it.
    """

    horizon_days: Annotated[float, NO_BOOLEAN, Field(ge=MIN_HORIZON_DAYS, le=MAX_HORIZON_DAYS)] = 365.0
    drain_days: NonNegative = 30.0
    warmup_days: NonNegative = 0.0
    seed: Seed = 1
    amortisation_years: Positive = 3.0
    discount_rate: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=1.0)] = Field(
        0.08, description="yearly rate for the net present value (assumption: a typical corporate hurdle rate)"
    )

    @model_validator(mode="after")
    def _warmup_inside_horizon(self) -> RunSettings:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days ({self.warmup_days:g}) must be shorter than horizon_days ({self.horizon_days:g})"
            )
        return self


class UncertainParameter(Model):
    """A number known only within ``low``..``high``, or a lever with discrete ``values`` to choose from."""

    low: Annotated[float, NO_BOOLEAN] | None = None
    high: Annotated[float, NO_BOOLEAN] | None = None
    values: list[Any] | None = Field(default=None, min_length=2)

    @model_validator(mode="after")
    def _range_or_values(self) -> UncertainParameter:
        if self.values is None:
            if self.low is None or self.high is None or not self.low < self.high:
                raise ValueError("give low < high (a range) or values (a list of options)")
        elif self.low is not None or self.high is not None:
            raise ValueError("give either low and high, or values, not both")
        return self


class Sensitivity(Model):
    """What ``scalesim sensitivity`` varies (field paths, as for ``--set``) and which figure it explains."""

    design: str = Field(description="the design whose key figure is analysed")
    key: str = Field("retention", description="a figure of the run table, e.g. retention or net_value_per_year")
    parameters: dict[str, UncertainParameter] = Field(min_length=1)


class StallCriteria(Model):
    """When a production run counts as ``eroded`` or ``stalled`` (see :mod:`scalesim.ops.stall`)."""

    eroded_below: Probability = Field(0.5, description="retention below this is 'eroded'")
    trust_collapse_below: Probability = Field(0.5, description="trust below this at the end is 'trust_collapse'")
    drift_below: Probability = Field(0.85, description="accuracy below this share of its trained level is 'drift'")
    sustained_days: Positive = Field(30.0, description="a condition must hold this long, to the end")


class Workshop(Model):
    """What the levers of a design cost, for designs the scenario does not name (``scalesim app``), and the
    budget a workshop table may commit. Checked against every design: see :mod:`scalesim.scenario.levers`."""

    budget: NonNegative | None = Field(
        None, description="up-front spend (one_off + change_management) a workshop table may commit"
    )
    baseline: Costs = Field(Costs(), description="what a design costs with the cheapest option of every lever")
    lever_costs: dict[Name, dict[Name, Costs]] = Field(
        {}, description="lever -> option -> what choosing it adds to the baseline (build_days: the longest)"
    )


class Scenario(Model):
    """One AI use case, its two environments and its named designs."""

    name: Name
    description: Text = ""
    currency: Currency = "EUR"
    run: RunSettings = RunSettings()
    workload: Workload
    value: Value
    pilot: Pilot
    production: OperatingEnvironment
    designs: dict[Name, Design] = Field(min_length=1)
    stall: StallCriteria = StallCriteria()
    sensitivity: Sensitivity | None = None
    beliefs: Beliefs | None = Field(None, description="what is uncertain about the inputs (for `scalesim decide`)")
    workshop: Workshop | None = Field(None, description="lever costs and a table's budget (for `scalesim app`)")

    @model_validator(mode="after")
    def _teams_exist(self) -> Scenario:
        """Every team a route, approval or exception path names must be defined in its environment."""
        problems: list[str] = []

        def check(env_name: str, env: OperatingEnvironment, design_path: str, design: Design) -> None:
            known = sorted(env.teams)
            refs: list[tuple[str, str | None]] = []
            for route, handoffs in (
                (f"{env_name}.handoffs", env.handoffs),
                (f"{design_path}.handoffs", design.handoffs),
            ):
                for i, h in enumerate(handoffs or []):
                    refs.append((f"{route}.{i}.team", h.team))
                    refs += [(f"{route}.{i}.parallel_with.{j}", team) for j, team in enumerate(h.parallel_with)]
            for route, process in ((f"{env_name}.process", env.process), (f"{design_path}.process", design.process)):
                for step_name, step in (process.steps if process is not None else {}).items():
                    refs.append((f"{route}.steps.{step_name}.team", step.team))
                    refs += [(f"{route}.steps.{step_name}.shared.{team}", team) for team in step.shared]
                    refs += [
                        (f"{route}.steps.{step_name}.parallel.{j}.team", work.team)
                        for j, work in enumerate(step.parallel)
                    ]
            if design.approval.policy in ("all", "risk_based"):
                refs.append((f"{design_path}.approval.team", design.approval.team))
            if design.exception_handling.mode == "defined":
                refs.append((f"{design_path}.exception_handling.team", design.exception_handling.team))
            for team in design.added_staff:
                refs.append((f"{design_path}.added_staff.{team}", team))
            for lever in ("monitoring", "accountability", "human_review"):
                chosen = getattr(design, lever)
                if chosen is not None and chosen.team is not None:
                    refs.append((f"{design_path}.{lever}.team", chosen.team))
            for path, ref in refs:
                team = str(ref)
                if team not in env.teams:
                    problems.append(
                        f"{path}: unknown team {team!r}{suggest(str(team), known)}; "
                        f"teams defined in {env_name}.teams: {', '.join(known)}"
                    )

        if self.sensitivity is not None and self.sensitivity.design not in self.designs:
            problems.append(
                f"sensitivity.design: unknown design {self.sensitivity.design!r}"
                f"{suggest(self.sensitivity.design, list(self.designs))}; designs are {', '.join(self.designs)}"
            )
        if TODAY in self.designs:
            problems.append(
                f"designs.{TODAY}: the name is reserved for today's process (do not scale), which every scenario "
                "has without writing it; give this design another name"
            )
        check("pilot", self.pilot, "pilot.design", self.pilot.design)
        for name, design in self.designs.items():
            check("production", self.production, f"designs.{name}", design)
        if problems:
            raise ValueError("\n  ".join(dict.fromkeys(problems)))
        return self
