"""Run one scenario: the shared cases through the pilot environment and through production per design."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import simpy

from scalesim.ops.cases import Cases
from scalesim.ops.check import check_pilot, select_designs
from scalesim.ops.dynamics import Trace
from scalesim.ops.flow import Operation
from scalesim.ops.ledger import CaseFate, Ledger
from scalesim.ops.pilotpass import PilotPasses
from scalesim.ops.result import EnvironmentRun, RunResult
from scalesim.ops.streams import Streams
from scalesim.scenario.schema import TODAY, TODAYS_PROCESS, Design, OperatingEnvironment, Scenario


def simulate(
    scenario: Scenario,
    designs: Iterable[str] | None = None,
    seed: int | np.random.SeedSequence | None = None,
    on_environment: Callable[[str], None] | None = None,
    event_log: bool = False,
    pilot_passes: PilotPasses | None = None,
) -> RunResult:
    """One run: the same cases through the pilot and through production under each named design.

    ``seed`` defaults to the scenario's ``run.seed``; a ``SeedSequence`` (e.g. one replication spawned by an
    experiment) is used as given. All designs and the pilot share the run's named streams. ``on_environment``
    is told the name of each environment as it finishes (a progress display for long runs). With ``event_log``
    every environment keeps its event log (:meth:`RunResult.event_log_table`). With ``pilot_passes``, a pilot
    pass this process already simulated for the same pilot, workload, run and seed is reused
    (:mod:`scalesim.ops.pilotpass`).
    """
    done = on_environment or (lambda _: None)
    names = select_designs(scenario, designs)
    check_pilot(scenario)
    seed = scenario.run.seed if seed is None else seed
    cases = Cases(scenario, Streams(seed))

    def pilot_pass() -> EnvironmentRun:
        return run_environment(scenario, scenario.pilot, scenario.pilot.design, cases, cases.sampled, event_log)

    shared = pilot_passes is not None and not event_log
    pilot = pilot_passes.get(scenario, cases, seed, pilot_pass) if shared and pilot_passes else pilot_pass()
    done("pilot")
    production = {}
    for name in names:
        design = design_of(scenario, name)
        if design is TODAYS_PROCESS:
            production[name] = todays_process(scenario, cases)
        else:
            production[name] = run_environment(scenario, scenario.production, design, cases, event_log=event_log)
        done(name)
    return RunResult(scenario=scenario, seed=seed, cases=cases, pilot=pilot, production=production)


@contextmanager
def no_cyclic_collection() -> Iterator[None]:
    """Everything that existed before the run set aside from cyclic garbage collection while the event loop runs.

    A run makes millions of short-lived events and generators, which reference counting frees; the collector,
    woken by their number, scanned every object of the interpreter (pandas, scipy, the scenario) at each full
    collection and found almost nothing (66 objects in a production year) for an eighth of the run's time. Frozen,
    those objects are not scanned; the run's own objects still are. They are unfrozen afterwards.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def design_of(scenario: Scenario, name: str) -> Design:
    """A named design of the scenario, or today's process for ``today``."""
    return TODAYS_PROCESS if name == TODAY else scenario.designs[name]


def todays_process(scenario: Scenario, cases: Cases) -> EnvironmentRun:
    """Today's process, without simulating it: every case is handled as it is today, when it arrives, and realizes
    nothing extra; no team does new work and nothing about the model (trust, accuracy) exists to trace."""
    ledger = Ledger(cases.arrival)
    ledger.fate[:] = CaseFate.NOT_SCALED
    ledger.end[:] = cases.arrival
    end = scenario.run.horizon_days + scenario.run.drain_days
    days = [*range(math.ceil(end)), end]
    nothing = [math.nan] * len(days)
    trace = Trace(
        day=[float(d) for d in days],
        trust=nothing,
        adoption=[0.0] * len(days),
        accuracy=nothing,
        routed_share=[0.0] * len(days),
    )
    return EnvironmentRun(design=TODAYS_PROCESS, ledger=ledger, teams=[], trace=trace)


def run_environment(
    scenario: Scenario,
    environment: OperatingEnvironment,
    design: Design,
    cases: Cases,
    sample: np.ndarray | None = None,
    event_log: bool = False,
) -> EnvironmentRun:
    """Simulate one environment until arrivals stop plus the drain period: its ledger, team stats and trace.

    With ``sample``, only those cases arrive (the pilot works a sample of the volume); with ``event_log``, every
    piece of case work is recorded.
    """
    env = simpy.Environment()
    operation = Operation(env, scenario, environment, design, cases, sample, event_log)
    operation.arrivals()
    if scenario.run.warmup_days > 0:
        env.process(operation.warmup(scenario.run.warmup_days))
    horizon = scenario.run.horizon_days
    end = horizon + scenario.run.drain_days
    with no_cyclic_collection():
        env.run(until=horizon)
        for station in operation.stations.values():
            station.mark_horizon()
        if end > horizon:
            env.run(until=end)
    operation.dynamics.finish()
    return EnvironmentRun(
        design=design,
        ledger=operation.ledger,
        teams=[station.stats(end, horizon) for station in operation.used_stations()],
        trace=operation.dynamics.trace,
        events=operation.log,
    )


def run_window(
    scenario: Scenario, design: str, start_day: float, count: int, seed: int | np.random.SeedSequence
) -> EnvironmentRun:
    """``count`` cases arriving from ``start_day`` on, through the production environment under ``design``, with
    the event log kept, until every case is done (or a year after the last arrival): what a back-test compares with
    a real log of that many cases."""
    cases = Cases(scenario, Streams(seed), window=(start_day, count))
    last = float(cases.arrival[-1]) if count else start_day
    run = scenario.run.model_copy(
        update={"horizon_days": math.ceil(last) + 1.0, "warmup_days": 0.0, "drain_days": 365.0}
    )
    return run_environment(
        scenario.model_copy(update={"run": run}),
        scenario.production,
        design_of(scenario, design),
        cases,
        event_log=True,
    )
