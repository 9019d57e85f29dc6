"""Cases per second for a production year of the claims scenario, against a bare SimPy model of the same topology.

Both are measured in this process, in this run, so the ratio is meaningful on any machine:

    python benchmarks/bench_ops.py [--design bolt_on] [--repeats 3]

The reference is what a competent SimPy user would write by hand for the same flow — pre-drawn numpy arrays,
one generator process per case, the same teams as ``simpy.Resource`` with the same calendars, transfer delays,
batch scoring, side channel and approval steps, and the same work the design's mechanisms cause: approvals of
uncertain outputs (the binormal confidence), reviews of visible errors by the accountable team, training at
go-live, the learning curve, a parallel run and a daily trust update — but with no ledger, no named streams, no
exception path bookkeeping and no team statistics. The ratio is scalesim's overhead for what it records.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import simpy

from scalesim.ops.calendar import WorkCalendar, next_tick
from scalesim.ops.cases import Cases
from scalesim.ops.run import run_environment
from scalesim.ops.streams import Streams
from scalesim.scenario import load_scenario
from scalesim.scenario.schema import Design, Scenario

CLAIMS = Path(__file__).resolve().parents[1] / "scenarios" / "claims-triage.yaml"


def reference(scenario: Scenario, design: Design, seed: int) -> int:
    """Bare SimPy: the same route, approval and delivery, no bookkeeping. Returns cases simulated."""
    rng = np.random.default_rng(seed)
    production = scenario.production
    cases = Cases(scenario, Streams(seed))  # same arrival process; its cost is counted here too
    arrival = cases.arrival.tolist()
    n = len(arrival)
    u = rng.random((7, n))
    env = simpy.Environment()
    route = []
    for h in design.handoffs or production.handoffs:
        team = production.teams[h.team]
        route.append(
            (
                simpy.Resource(env, team.staff),
                WorkCalendar(team.calendar),
                h.transfer_delay_days.sample(rng, n).tolist(),
                team.service_hours.sample(rng, n).tolist(),
                h.loss_probability,
            )
        )
    approvers = None
    if design.approval.team:
        team = production.teams[design.approval.team]
        approvers = (
            simpy.Resource(env, team.staff),
            WorkCalendar(team.calendar),
            team.service_hours.sample(rng, n).tolist(),
        )
    side = design.side_channel if design.integration_point == "side_channel" else None
    dq, er = production.data_quality, production.exception_rate
    approval, go_live, owner = design.approval, design.go_live, design.accountability
    d = production.confidence.separation
    noise = rng.standard_normal(n).tolist()
    learned = {"count": 0}
    excess = go_live.initial_time_factor - 1.0 if go_live else 0.0
    exponent = math.log2(go_live.learning_rate) if go_live else 0.0
    reviewers = None
    if owner is not None and owner.team is not None:
        reviewers = (
            simpy.Resource(env, production.teams[owner.team].staff),
            WorkCalendar(production.teams[owner.team].calendar),
        )
    visibility = production.dynamics.visibility
    trust = {"errors": 0, "seen": 0, "level": 1.0}

    def work(resource, calendar, hours):
        if excess:
            learned["count"] += 1
            hours *= 1.0 + excess * learned["count"] ** exponent
        with resource.request() as req:
            yield req
            yield env.timeout(calendar.finish(env.now, hours) - env.now)

    def review(correct: bool):
        yield env.timeout(visibility.delay_days)
        trust["seen"] += 1
        if not correct:
            trust["errors"] += 1
            if reviewers is not None:
                yield from work(*reviewers, owner.review_hours)

    def daily():
        while True:
            yield env.timeout(1.0)
            if trust["seen"]:
                e = trust["errors"] / trust["seen"]
                trust["level"] += -0.03 * e * trust["level"] + 0.01 * (1 - e) * (1 - trust["level"])

    def case(i: int):
        if u[0, i] >= dq or u[1, i] < er:
            return
        yield env.timeout(next_tick(env.now, production.scoring.batch_every_days) - env.now)
        accuracy = production.accuracy
        correct = u[4, i] < accuracy
        sure = 1.0 / (1.0 + (1 - accuracy) / accuracy * math.exp(-(d * (d * correct + noise[i]) - d * d / 2)))
        if side is not None:
            yield env.timeout(next_tick(env.now, side.every_days) - env.now)
            if u[2, i] >= side.pickup_probability:
                return
        for resource, calendar, transfer, service, loss in route:
            yield env.timeout(transfer[i])
            if u[3, i] < loss:
                return
            yield from work(resource, calendar, service[i])
        if go_live is not None and cases.arrival[i] < go_live.parallel_run_days:
            yield from work(*route[-1][:2], route[-1][3][i])
        if approvers is not None and (
            approval.policy == "all"
            or (approval.threshold is not None and cases.value[i] > approval.threshold)
            or (approval.confidence_below is not None and sure < approval.confidence_below)
        ):
            resource, calendar, service = approvers
            yield from work(resource, calendar, service[i] * approval.effort)
            if u[5, i] < (approval.rejection_rate if correct else approval.catches):
                return
        adoption = production.adoption.with_owner if design.process_owner else production.adoption.without_owner
        if u[6, i] < adoption * trust["level"] and u[5, i] < (visibility.successes if correct else visibility.errors):
            env.process(review(correct))

    def source():
        for i, t in enumerate(arrival):
            yield env.timeout(t - env.now)
            env.process(case(i))

    env.process(source())
    env.process(daily())
    if go_live is not None and go_live.training_hours:
        for resource, calendar, *_ in route:
            for _ in range(resource.capacity):
                env.process(work(resource, calendar, go_live.training_hours))
    env.run(until=scenario.run.horizon_days + scenario.run.drain_days)
    return n


def scalesim_production(scenario: Scenario, design: Design, seed: int) -> int:
    cases = Cases(scenario, Streams(seed))
    run_environment(scenario, scenario.production, design, cases)
    return cases.count


def best_rate(fn, scenario: Scenario, design: Design, repeats: int) -> float:
    best = math.inf
    for r in range(repeats):
        start = time.perf_counter()
        n = fn(scenario, design, seed=r + 1)
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", action="append", help="design(s) to measure (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario(CLAIMS)
    print(
        f"claims-triage production year: {scenario.run.horizon_days:g} days + {scenario.run.drain_days:g} drain, "
        f"best of {args.repeats}"
    )
    print(f"{'design':<12} {'scalesim cases/s':>17} {'bare SimPy cases/s':>19} {'overhead':>9}")
    for name in args.design or list(scenario.designs):
        design = scenario.designs[name]
        ours = best_rate(scalesim_production, scenario, design, args.repeats)
        bare = best_rate(reference, scenario, design, args.repeats)
        print(f"{name:<12} {ours:>17,.0f} {bare:>19,.0f} {bare / ours:>8.2f}x")


if __name__ == "__main__":
    main()
