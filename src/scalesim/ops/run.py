"""Run one scenario: the shared cases through the pilot environment and through production per design."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import simpy

from scalesim.errors import ScenarioError
from scalesim.ops.cases import Cases
from scalesim.ops.check import check_pilot
from scalesim.ops.flow import Operation
from scalesim.ops.result import EnvironmentRun, RunResult
from scalesim.ops.streams import Streams
from scalesim.scenario.schema import Design, OperatingEnvironment, Scenario


def simulate(
    scenario: Scenario,
    designs: Iterable[str] | None = None,
    seed: int | np.random.SeedSequence | None = None,
    on_environment: Callable[[str], None] | None = None,
    event_log: bool = False,
) -> RunResult:
    """One run: the same cases through the pilot and through production under each named design.

    ``seed`` defaults to the scenario's ``run.seed``; a ``SeedSequence`` (e.g. one replication spawned by an
    experiment) is used as given. All designs and the pilot share the run's named streams. ``on_environment``
    is told the name of each environment as it finishes (a progress display for long runs). With ``event_log``
    every environment keeps its event log (:meth:`RunResult.event_log_table`).
    """
    done = on_environment or (lambda _: None)
    names = select_designs(scenario, designs)
    check_pilot(scenario)
    seed = scenario.run.seed if seed is None else seed
    cases = Cases(scenario, Streams(seed))
    pilot = run_environment(scenario, scenario.pilot, scenario.pilot.design, cases, cases.sampled, event_log)
    done("pilot")
    production = {}
    for name in names:
        production[name] = run_environment(
            scenario, scenario.production, scenario.designs[name], cases, event_log=event_log
        )
        done(name)
    return RunResult(scenario=scenario, seed=seed, cases=cases, pilot=pilot, production=production)


def select_designs(scenario: Scenario, designs: Iterable[str] | None) -> list[str]:
    """The designs to run, in the order asked (all of the scenario's when none are named)."""
    if designs is None:
        return list(scenario.designs)
    names = list(dict.fromkeys(designs))
    unknown = [n for n in names if n not in scenario.designs]
    if unknown:
        raise ScenarioError(
            f"--design {unknown[0]!r}: no such design in scenario {scenario.name!r}; "
            f"designs: {', '.join(scenario.designs)}"
        )
    return names


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
    env.process(operation.arrivals())
    if scenario.run.warmup_days > 0:
        env.process(operation.warmup(scenario.run.warmup_days))
    horizon = scenario.run.horizon_days
    end = horizon + scenario.run.drain_days
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
