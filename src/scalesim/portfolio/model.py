"""The programme-level model: initiatives moving (or not) from pilot to production (docs/background/portfolio.md).

Each initiative is a SimPy process: [gate] -> pilot build -> demo -> endorsement at the next budget cycle ->
integration by the shared team (longer for every attribute not settled before the pilot) -> governance board
(which may send the work back) -> production -> recurring value reviews. At every wait the sponsor may move on (a
hazard growing with the time waited); a stalled initiative joins the archive after an idle limit. Explicit kills
(demo, endorsement, governance, gate, review) are counted apart from these quiet stalls. In production, an
initiative lives its operation: one of the operations model's runs for its design, with that run's weekly
retention, for as long as it runs; the owner may leave (the rest of its life is the design without one), a review
may keep a system at low value, and a stalled operation may be rescued (relaunched) or retired.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import simpy
from scipy.special import ndtr, ndtri

from scalesim.ops.calendar import next_tick
from scalesim.ops.streams import Streams
from scalesim.portfolio.schema import READINESS, OperationsLink, PortfolioScenario
from scalesim.scenario.distributions import Distribution

MAX_WAITS = 8  # waits an initiative can meet: pilot slot, budget cycle, integration team, board meetings

INITIATIVE_FATES = (
    "delivering",  # in production and passed its value reviews so far
    "in_production",  # in production, first review still to come
    "kept_at_low_value",  # in production, failed its last review and was kept running anyway
    "relaunching",  # its operation stalled and a relaunch is under way at the end of the run
    "decommissioned",  # failed a value review (explicit kill)
    "retired",  # its operation stalled after go-live (attrition)
    "killed_at_demo",  # explicit kill
    "not_endorsed",  # explicit kill at the budget cycle
    "rejected_by_governance",  # explicit kill: sent back too often
    "stopped_at_gate",  # no owner could be found before the pilot (explicit, cheap)
    "archived",  # quiet stall, idle for longer than the limit
    "stalled",  # quiet stall, not yet archived at the end
    "in_progress",  # still moving at the end of the run
)
EXPLICIT_KILLS = ("decommissioned", "killed_at_demo", "not_endorsed", "rejected_by_governance", "stopped_at_gate")
LEFT_PRODUCTION = ("decommissioned", "retired")
WEEK = 7.0
MAX_REVIEWS = 64  # reviews an initiative can meet (a draw each: kept or decommissioned); later ones reuse the last


@dataclass(frozen=True)
class Operation:
    """One operations-model run of a design, as an initiative in production lives it."""

    weekly_retention: tuple[float, ...]  # value of each week's cases over the pilot's projection for them
    stall_day: float | None  # day after go-live the operation stalled (None: it did not)
    verdict: str

    def retention_at(self, week: int) -> float:
        """Retention in a week after go-live; past the run, its last quarter's level (zero once stalled)."""
        if week < len(self.weekly_retention):
            return self.weekly_retention[week]
        if self.stall_day is not None:
            return 0.0
        tail = self.weekly_retention[-13:]
        return sum(tail) / len(tail)

    @property
    def retention(self) -> float:
        return sum(self.weekly_retention) / len(self.weekly_retention)

    @property
    def days(self) -> float:
        """How long the operation was simulated: survival past it is censored, not extrapolated."""
        return len(self.weekly_retention) * WEEK


Operations = dict[str, dict[str, tuple[Operation, ...]]]
"""The operations each use case's designs may live: use case -> design -> drawn operations."""


QUIET_STALLS = ("archived", "stalled")


@dataclass
class Initiative:
    """What happened to one initiative (days from the start of the programme; NaN where not reached)."""

    proposed: float
    use_case: str = ""
    design: str = ""
    pilot_start: float = math.nan
    demo: float = math.nan
    endorsed: float = math.nan
    production: float = math.nan
    fate: str = "in_progress"
    fate_day: float = math.nan
    spent: float = 0.0
    retention: float = math.nan  # share of its pilot value it delivered while in production
    pilot_value_per_year: float = 0.0
    operation: int = -1  # which of its design's operations it lives
    maturity: float = math.nan
    value: float = 0.0  # delivered while in production, to the end of the run
    owner_lost: float = math.nan  # day its process owner left without a successor
    relaunched: float = math.nan  # day it went live again after its operation stalled
    relaunch_operation: int = -1  # which of its relaunch design's operations it lived then
    stall_reason: str = ""  # why its (last) operation stalled
    kept_at_low_value: int = 0  # reviews it failed and survived
    observed_until: float = math.nan  # to here its life in production was simulated (the run's or its operation's end)
    persistent: bool = False  # its sponsor never moves on
    waits: int = field(default=0, repr=False)


def _pick(choices: tuple[Operation, ...], u: float) -> int:
    """Which of ``choices`` a uniform draw picks (each equally likely)."""
    return min(int(u * len(choices)), len(choices) - 1)


def patience(exp_draw: float, base: float, growth: float) -> float:
    """Days until the sponsor moves on, for hazard ``base x (1 + w / growth)``: solve the cumulative hazard
    ``base (w + w^2 / (2 growth)) = E`` for a unit exponential draw E."""
    if base <= 0:
        return math.inf
    return growth * (math.sqrt(1.0 + 2.0 * exp_draw / (base * growth)) - 1.0)


class Portfolio:
    """The programme: proposals arrive, each runs as a process, shared resources are the integration team and
    (with a WIP limit) the pilot slots."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: PortfolioScenario,
        operations: Operations,
        streams: Streams,
    ) -> None:
        self.env = env
        self.spec = spec
        self.operations = operations
        window = spec.run.years * 365.0
        rng = streams.generator("portfolio:proposals")
        gaps = rng.standard_exponential(int(spec.proposals_per_year * spec.run.years * 2 + 50))
        arrivals = np.cumsum(gaps * 365.0 / spec.proposals_per_year)
        self.arrivals = arrivals[arrivals < window].tolist()
        n = len(self.arrivals)

        def uniform(name: str) -> np.ndarray:
            return streams.generator(f"portfolio:{name}").random(n)

        def sample(name: str, dist: Distribution) -> np.ndarray:
            return dist.sample(streams.generator(f"portfolio:{name}"), n)

        self.maturity = streams.generator("portfolio:maturity").standard_normal(n)
        self.ready_u = {a: self._correlated(uniform(f"ready:{a}")) for a in READINESS}
        self.settle_u = {a: uniform(f"settle:{a}") for a in READINESS}
        self.prep_days = sample("prep_days", spec.gate.prep_days)
        self.pilot_days = sample("pilot_days", spec.pilot_days)
        self.pilot_cost = sample("pilot_cost", spec.pilot_cost)
        self.pilot_value = sample("pilot_value", spec.pilot_value_per_year)
        self.integration_days = sample("integration_days", spec.integration.base_days)
        self.demo_u = uniform("demo")
        self.endorse_u = uniform("endorse")
        self.review_z = streams.generator("portfolio:review").standard_normal(n)
        self.operation_u = uniform("operation")
        self.send_back_u = streams.generator("portfolio:send_back").random((n, spec.integration.max_send_backs + 1))
        self.patience_e = streams.generator("portfolio:patience").standard_exponential((n, MAX_WAITS))
        self.persistent_u = uniform("persistent")
        self.use_case_u = uniform("use_case")
        self.owner_e = streams.generator("portfolio:owner_lost").standard_exponential(n)
        self.keep_u = streams.generator("portfolio:keep").random((n, MAX_REVIEWS))
        self.rescue_u = uniform("rescue")
        self.relaunch_u = uniform("relaunch")
        shares = np.array([link.share for link in spec.use_cases])
        self.use_case_edges = np.cumsum(shares) / shares.sum()
        self.integration_team = simpy.Resource(env, capacity=spec.integration.team_size)
        self.pilot_slots = simpy.Resource(env, capacity=spec.wip_limit) if spec.wip_limit else None
        self.initiatives = [Initiative(proposed=t) for t in self.arrivals]
        env.process(self._proposals())

    def _correlated(self, u: np.ndarray) -> np.ndarray:
        """Uniforms that share the initiative's maturity (a one-factor Gaussian copula; see ``Readiness``): a
        mature organisation settles every attribute more often, and each stays uniform on its own."""
        rho = self.spec.readiness.maturity_loading
        if rho == 0.0:
            return u
        latent = -rho * self.maturity + math.sqrt(1.0 - rho * rho) * ndtri(np.clip(u, 1e-15, 1 - 1e-15))
        return np.asarray(ndtr(latent))

    def _proposals(self) -> Generator[simpy.Event, object, None]:
        for i, t in enumerate(self.arrivals):
            yield self.env.timeout(t - self.env.now)
            self.env.process(self._initiative(i))

    def _close(self, i: int, fate: str) -> None:
        self.initiatives[i].fate = fate
        self.initiatives[i].fate_day = self.env.now

    def _wait(self, i: int, event: simpy.Event) -> Generator[simpy.Event, object, bool]:
        """Wait for ``event`` unless the sponsor moves on first; False means the initiative stalled."""
        record = self.initiatives[i]
        stall = self.spec.quiet_stall
        draw = self.patience_e[i, min(record.waits, MAX_WAITS - 1)]
        record.waits += 1
        limit = math.inf if record.persistent else patience(draw, stall.base_per_day, stall.growth_days)
        if math.isinf(limit):
            yield event
            return True
        timer = self.env.timeout(limit)
        happened = yield event | timer
        if event in happened:  # type: ignore[operator]  # a simpy ConditionValue  # processed, not merely scheduled: a Timeout counts as triggered from creation
            return True
        if isinstance(event, simpy.resources.resource.Request):
            if event.triggered:  # granted in the same instant the sponsor gave up: take it
                return True
            event.cancel()
        self._close(i, "stalled")
        return False

    def _initiative(self, i: int) -> Generator[simpy.Event, object, None]:
        spec, env, record = self.spec, self.env, self.initiatives[i]
        record.maturity = float(self.maturity[i])
        record.persistent = bool(self.persistent_u[i] < spec.quiet_stall.persistent_share)
        link = self.use_case(i)
        record.use_case = link.name
        ready = {a: self.ready_u[a][i] < getattr(spec.readiness, a) for a in READINESS}
        if spec.gate.required:
            yield env.timeout(self.prep_days[i])
            for a in ("process_owner", "decision_change", "governance"):
                ready[a] = ready[a] or self.settle_u[a][i] < spec.gate.settle_probability
            if not ready["process_owner"]:
                self._close(i, "stopped_at_gate")
                return
        record.design = next(r.design for r in link.rules if all(ready[a] for a in r.when))
        record.pilot_value_per_year = float(self.pilot_value[i])
        slots = self.pilot_slots
        slot = slots.request() if slots is not None else None
        if slot is not None and not (yield from self._wait(i, slot)):
            return
        try:
            yield from self._pilot_to_production(i, ready)
        finally:
            if slots is not None and slot is not None:
                slots.release(slot)
        if math.isnan(record.production):
            return
        yield from self._in_production(i)

    def use_case(self, i: int) -> OperationsLink:
        """The use case initiative ``i`` is of, drawn by the use cases' shares (the only one, when one)."""
        links = self.spec.use_cases
        if len(links) == 1:
            return links[0]
        k = int(np.searchsorted(self.use_case_edges, self.use_case_u[i], side="right"))
        return links[min(k, len(links) - 1)]

    def _in_production(self, i: int) -> Generator[simpy.Event, object, None]:
        """Live the operation drawn for the initiative; if it stalls, be relaunched (once, if someone responds)
        or retired."""
        spec, env, record = self.spec, self.env, self.initiatives[i]
        link = next(x for x in spec.use_cases if x.name == record.use_case)
        choices = self.operations[link.name][record.design]
        record.operation = variant = _pick(choices, self.operation_u[i])
        design, origin, first = record.design, record.production, 0
        while True:
            stalled = yield from self._live(i, link, design, variant, origin, first)
            if not stalled:
                return
            life = spec.life
            if not math.isnan(record.relaunched) or not self.rescue_u[i] < life.rescue_probability:
                self._close(i, "retired")
                return
            self._close(i, "relaunching")
            record.observed_until = math.inf  # waiting for the relaunch: still not out of production at the end
            yield env.timeout(life.rescue_delay_days)
            design = spec.relaunch_design(link)
            record.relaunch_operation = variant = _pick(self.operations[link.name][design], self.relaunch_u[i])
            record.relaunched = origin = env.now
            first = MAX_REVIEWS // 2  # the relaunch's reviews draw their own keep-or-decommission numbers
            record.spent += life.rescue_cost
            self._close(i, "in_production")

    def _live(
        self, i: int, link: OperationsLink, design: str, variant: int, origin: float, first_review: int
    ) -> Generator[simpy.Event, object, bool]:
        """One spell in production from ``origin``, living ``design``'s drawn operation ``variant``: value week by
        week at its retention (times the initiative's own spread), reviews at their cadence (their draws from
        ``first_review`` on), the owner's departure (the rest of the spell is the same drawn operation without an
        owner). True if the operation stalled, False once the spell ended otherwise."""
        spec, env, record = self.spec, self.env, self.initiatives[i]
        operation = self.operations[link.name][design][variant]
        sigma = math.sqrt(math.log1p(spec.review.noise_cv**2))
        spread = math.exp(sigma * self.review_z[i] - sigma**2 / 2)
        review = spec.review
        owner_leaves = math.inf
        if spec.life.owner_lost_per_year > 0 and math.isnan(record.owner_lost) and link.owned(design):
            owner_leaves = origin + float(self.owner_e[i]) / spec.life.owner_lost_per_year * 365.0
        record.observed_until = origin + operation.days
        next_review = review.after_days
        stall = operation.stall_day if operation.stall_day is not None else math.inf
        end = spec.run.years * 365.0 + spec.run.follow_up_days
        since_review = 0.0
        weeks_since_review = 0
        reviews = 0
        week = 0
        while True:
            start = origin + week * WEEK
            if start >= end:
                return False
            if start >= owner_leaves:
                record.owner_lost, owner_leaves = owner_leaves, math.inf
                operation = self.operations[link.name][link.without_owner][variant]
                stall = operation.stall_day if operation.stall_day is not None else math.inf
            share = operation.retention_at(week) * spread
            length = min(WEEK, end - start, max(stall - week * WEEK, 0.0))
            record.value += record.pilot_value_per_year * share * length / 365.0
            since_review += share
            weeks_since_review += 1
            if stall <= (week + 1) * WEEK:  # (a design without the owner may have stalled before this week)
                yield env.timeout(max(origin + max(stall, week * WEEK) - env.now, 0.0))
                record.stall_reason = operation.verdict
                return True
            if (week + 1) * WEEK >= next_review:
                yield env.timeout(max(origin + next_review - env.now, 0.0))
                if since_review / weeks_since_review < review.min_share:
                    if self.keep_u[i, min(first_review + reviews, MAX_REVIEWS - 1)] < review.decommission_probability:
                        self._close(i, "decommissioned")
                        return False
                    record.kept_at_low_value += 1
                    self._close(i, "kept_at_low_value")
                else:
                    self._close(i, "delivering")
                reviews += 1
                next_review += review.period
                since_review, weeks_since_review = 0.0, 0
            week += 1

    def _pilot_to_production(self, i: int, ready: dict[str, bool]) -> Generator[simpy.Event, object, None]:
        spec, env, record = self.spec, self.env, self.initiatives[i]
        integration = spec.integration
        record.pilot_start = env.now
        record.spent += float(self.pilot_cost[i])
        yield env.timeout(self.pilot_days[i])
        record.demo = env.now
        if self.demo_u[i] < spec.demo_kill_probability:
            self._close(i, "killed_at_demo")
            return
        cycle = env.timeout(next_tick(env.now, spec.endorsement.budget_cycle_days) - env.now)
        if not (yield from self._wait(i, cycle)):
            return
        if self.endorse_u[i] >= spec.endorsement.probability:
            self._close(i, "not_endorsed")
            return
        record.endorsed = env.now
        team = self.integration_team.request()
        if not (yield from self._wait(i, team)):
            return
        work = float(self.integration_days[i])
        work += 0 if ready["process_owner"] else integration.missing_owner_days
        work += 0 if ready["decision_change"] else integration.missing_decision_days
        work += 0 if ready["data_ready"] else integration.missing_data_days
        record.spent += work * integration.cost_per_day
        yield env.timeout(work)
        self.integration_team.release(team)
        if not ready["governance"]:
            for attempt in range(integration.max_send_backs + 1):
                board = env.timeout(next_tick(env.now, integration.board_every_days) - env.now)
                if not (yield from self._wait(i, board)):
                    return
                if self.send_back_u[i, attempt] >= integration.send_back_probability:
                    break
                if attempt == integration.max_send_backs:
                    self._close(i, "rejected_by_governance")
                    return
                record.spent += integration.rework_days * integration.cost_per_day
                yield env.timeout(integration.rework_days)
        record.production = env.now
        self._close(i, "in_production")

    def finish(self) -> list[Initiative]:
        """Close the books at the end of the run: stalled initiatives past the idle limit are archived."""
        end = self.env.now
        for record in self.initiatives:
            if record.fate == "stalled" and record.fate_day + self.spec.quiet_stall.idle_limit_days <= end:
                record.fate = "archived"
                record.fate_day += self.spec.quiet_stall.idle_limit_days
            if not math.isnan(record.production):  # what was simulated: not the extrapolation past an operation
                record.observed_until = min(record.observed_until, end)
            lived = (record.fate_day if record.fate in LEFT_PRODUCTION else end) - record.production
            if lived > 0 and record.pilot_value_per_year > 0:
                record.retention = record.value / (record.pilot_value_per_year * lived / 365.0)
        return self.initiatives
