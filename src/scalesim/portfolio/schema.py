"""The portfolio scenario: how an organisation proposes, pilots, funds, integrates and reviews AI initiatives.

Every stage and wait is a parameter a programme office can recognise; the defaults of the bundled status-quo file
are calibrated to published figures (docs/background/portfolio.md).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, model_validator

from scalesim.scenario.distributions import Distribution, Fixed
from scalesim.scenario.numbers import NO_BOOLEAN, Count, NonNegative, Positive, Probability, Seed, WholeNumber
from scalesim.scenario.schema import Currency, Model, Name, Text, UncertainParameter

READINESS = ("process_owner", "decision_change", "governance", "data_ready")


class Readiness(Model):
    """Probability that each attribute is settled before the pilot starts (the organisation's practice).

    The attributes are not independent: an organisation (or a sponsor) that settles one tends to settle the others.
    Each initiative draws a latent *maturity*; attribute ``a`` is settled when ``rho x maturity + sqrt(1 - rho^2) x
    noise_a`` falls in the lower ``p_a`` of its (standard normal) distribution: a one-factor Gaussian copula
    (the structure of Vasicek's 1987 one-factor model), which keeps each attribute's probability exactly ``p_a``
    and gives every pair the latent correlation ``rho^2``.
    """

    process_owner: Probability
    decision_change: Probability
    governance: Probability
    data_ready: Probability
    maturity_loading: Annotated[float, NO_BOOLEAN, Field(ge=0.0, le=0.99)] = Field(
        0.0, description="rho: how strongly the organisation's maturity drives every attribute (0: independent)"
    )


class Gate(Model):
    """Lever *require production design up front*: before a pilot may start, its owner, decision change and
    governance must be settled. Preparing takes ``prep_days``; each missing attribute is settled with
    ``settle_probability``; an initiative still without an owner is stopped at the gate (cheaply)."""

    required: bool = False
    prep_days: Distribution = Field(default=Fixed(value=30.0), description="time to prepare the production design")
    settle_probability: Probability = 0.8


class Endorsement(Model):
    """After the demo, funding waits for the next budget cycle, where it is granted with ``probability``."""

    budget_cycle_days: Positive = 90.0
    probability: Probability = 0.85


class Integration(Model):
    """Turning a pilot into production: work for the shared integration team, longer for each missing attribute,
    and a governance board (meeting every ``board_every_days``) that can send the work back."""

    team_size: Count = Field(3, description="integrations the shared team can run at once")
    base_days: Distribution
    missing_owner_days: NonNegative = 45.0
    missing_decision_days: NonNegative = 60.0
    missing_data_days: NonNegative = 40.0
    board_every_days: Positive = 30.0
    send_back_probability: Probability = Field(0.4, description="without governance secured, per board meeting")
    rework_days: NonNegative = 30.0
    max_send_backs: WholeNumber = 3
    cost_per_day: NonNegative = 2000.0


class QuietStall(Model):
    """At every wait the sponsor may move on: a hazard that grows with time waiting,
    ``base_per_day x (1 + waited / growth_days)``. A stalled initiative is archived after ``idle_limit_days``.

    Sponsors differ: a ``persistent_share`` of them never move on, so their initiatives wait as long as it takes
    and arrive late instead of stalling quietly. A population of two hazards (a mixture, the simplest frailty
    model, Vaupel, Manton & Stallard 1979) gives the long right tail a single growing hazard cannot.
    """

    base_per_day: NonNegative = 0.002
    growth_days: Positive = 60.0
    idle_limit_days: NonNegative = 90.0
    persistent_share: Probability = Field(0.0, description="sponsors who never move on (their initiatives arrive late)")


class Review(Model):
    """Value reviews recur: the first ``after_days`` after go-live, then every ``every_days``. An initiative whose
    value over the period since the last review is below ``min_share`` of its pilot value is decommissioned (an
    explicit kill) with ``decommission_probability``; otherwise it is *kept at low value*: organisations keep
    systems that no longer pay for themselves because of what was already spent (the sunk-cost effect, Arkes &
    Blumer 1985), the cost of switching back, and the status quo's pull (Samuelson & Zeckhauser 1988)."""

    after_days: Positive = 180.0
    every_days: Positive | None = Field(None, description="between reviews after the first (unset: after_days)")
    min_share: Probability = 0.25
    decommission_probability: Probability = Field(
        1.0,
        description="a review below min_share decommissions with this probability; otherwise the system is kept "
        "running at low value (sunk cost, switching cost, nobody reviewing)",
    )
    noise_cv: NonNegative = Field(
        0.3, description="spread of value between initiatives of one design beyond their operation's draw"
    )

    @property
    def period(self) -> float:
        return self.after_days if self.every_days is None else self.every_days


class DesignRule(Model):
    """Initiatives whose ``when`` attributes were all settled before the pilot get ``design``'s retention."""

    when: list[str] = Field(default_factory=list)
    design: str

    @model_validator(mode="after")
    def _known_attributes(self) -> DesignRule:
        unknown = [a for a in self.when if a not in READINESS]
        if unknown:
            raise ValueError(f"unknown readiness attribute {unknown[0]!r}; allowed: {', '.join(READINESS)}")
        return self


class OperationsLink(Model):
    """A use case: where production value comes from for the initiatives of one kind. The operations model, run
    with its dynamics, for the design that an initiative's readiness implies (first matching rule).

    Initiatives differ in their operations: ``variants`` operations are drawn (each field of ``vary`` uniform in
    its range, or one of its values) and run once per design, each for ``days``: one simulation carried on, so
    drift, trust and backlog keep acting for as long as it lives. Each initiative gets one of them at random. Its
    value follows that operation's weekly retention, and if the operation stalls (reverted, trust collapse,
    backlog, drift) the initiative is retired on the stall day (attrition after go-live) unless rescued.
    """

    scenario: str = Field(description="operations scenario file, relative to this file")
    share: Positive = Field(1.0, description="relative share of the proposals that are of this use case")
    rules: list[DesignRule] = Field(min_length=1)
    days: Annotated[float, NO_BOOLEAN, Field(ge=28.0, le=3650.0)] = Field(
        365.0,
        description="length of each operation run; past it, value continues at its last quarter's level and "
        "survival is censored (not extrapolated)",
    )
    variants: Annotated[int, NO_BOOLEAN, Field(ge=1, le=200)] = Field(
        6, description="operations drawn per design (each a full run of the operations model)"
    )
    fixed: dict[str, Any] = Field(
        default_factory=dict,
        description="operations fields (paths as for --set) and the value this programme's operations all have",
    )
    vary: dict[str, UncertainParameter] = Field(
        default_factory=dict, description="operations fields (paths as for --set) and their ranges"
    )

    @model_validator(mode="after")
    def _catch_all_last(self) -> OperationsLink:
        if self.rules[-1].when:
            raise ValueError("the last rule must have an empty 'when' (it applies to every other initiative)")
        return self

    @property
    def name(self) -> str:
        """The use case's name: its scenario file's stem."""
        return PurePath(self.scenario).stem

    @property
    def designs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.design for rule in self.rules))

    def owned(self, design: str) -> bool:
        """Whether initiatives of ``design`` got it because a process owner was named (they can lose one)."""
        return any(rule.design == design and "process_owner" in rule.when for rule in self.rules)

    @property
    def without_owner(self) -> str:
        """The design an initiative falls back to without its owner: the catch-all rule's."""
        return self.rules[-1].design


class Life(Model):
    """What happens to an initiative in production over the years, beyond its operation's own dynamics.

    **The owner leaves**: an initiative that went live as a design with a process owner loses the owner, with no
    successor taking the role, at ``owner_lost_per_year`` (a constant hazard). From that week it lives its use
    case's catch-all design (``without_owner``) in the same drawn operation (the same cases, common random
    numbers), at the same age: the workflow is still there, nobody owns it. Manager turnover is the cause
    (assumption for the size; no published rate of AI-process owners leaving without a successor was found).

    **Rescue**: when an operation stalls, someone responds with ``rescue_probability``: after
    ``rescue_delay_days`` and at ``rescue_cost`` the initiative is relaunched as ``rescue_design`` (default: the
    first rule's design, the one with an owner), living a fresh operation of that design from its first week,
    with its review clock restarted. At most one relaunch; a second stall is final. Without a response the
    initiative is retired (and says so). The organisational response to a visible failure with a lag is
    Repenning & Sterman's (2001) "fixing" loop; its probability, delay and cost are assumptions.
    """

    owner_lost_per_year: NonNegative = Field(0.0, description="hazard of losing the process owner without successor")
    rescue_probability: Probability = Field(0.0, description="share of stalled operations someone relaunches")
    rescue_delay_days: NonNegative = Field(90.0, description="from the stall to the relaunch")
    rescue_cost: NonNegative = Field(0.0, description="cost of a relaunch")
    rescue_design: str | None = Field(None, description="design of a relaunch (unset: the first rule's design)")


def _one_or_several(value: object) -> str:
    return SEVERAL if isinstance(value, list) else ONE


ONE, SEVERAL = "one use case", "use cases"
"""The tags of the two shapes ``operations`` may have (pydantic puts them in an error's location; dropped there)."""
UseCases = Annotated[
    Annotated[OperationsLink, Tag(ONE)] | Annotated[list[OperationsLink], Tag(SEVERAL)],
    Discriminator(_one_or_several),
]


class PortfolioRun(Model):
    years: Positive = 3.0
    follow_up_days: NonNegative = Field(540.0, description="initiatives proposed in the window may finish here")
    seed: Seed = 1


class PortfolioScenario(Model):
    """A programme of AI initiatives, its practice (readiness) and its levers."""

    name: Name
    description: Text = ""
    currency: Currency = "EUR"
    run: PortfolioRun = PortfolioRun()
    proposals_per_year: Positive
    readiness: Readiness
    gate: Gate = Gate()
    wip_limit: Count | None = Field(None, description="most pilots in flight at once (pilot start to exit)")
    pilot_days: Distribution
    pilot_cost: Distribution
    demo_kill_probability: Probability = 0.1
    endorsement: Endorsement = Endorsement()
    integration: Integration
    quiet_stall: QuietStall = QuietStall()
    review: Review = Review()
    pilot_value_per_year: Distribution = Field(description="value per year the pilot projects if fully scaled")
    operations: UseCases = Field(description="one use case, or several (each with its share of the proposals)")
    life: Life = Life()

    @model_validator(mode="after")
    def _use_cases_apart(self) -> PortfolioScenario:
        names = [link.name for link in self.use_cases]
        twice = next((n for n in names if names.count(n) > 1), None)
        if twice is not None:
            raise ValueError(f"operations: use case {twice!r} is named twice (each scenario file once)")
        if not self.use_cases:
            raise ValueError("operations: give at least one use case")
        design = self.life.rescue_design
        if design is not None:
            missing = [link.name for link in self.use_cases if design not in link.designs]
            if missing:
                raise ValueError(
                    f"life.rescue_design: {design!r} is not a design the rules of {missing[0]!r} name "
                    f"(they name: {', '.join(next(x for x in self.use_cases if x.name == missing[0]).designs)})"
                )
        return self

    @property
    def use_cases(self) -> tuple[OperationsLink, ...]:
        """The use cases, one or several, in the file's order."""
        return tuple(self.operations) if isinstance(self.operations, list) else (self.operations,)

    def relaunch_design(self, link: OperationsLink) -> str:
        """The design a stalled initiative of ``link`` is relaunched as."""
        return self.life.rescue_design or link.rules[0].design
