"""Before a run: can the pilot serve its own cases, and how big will the run be?

A pilot whose team cannot keep up measures its own queue, not the model: its value per case falls toward zero
and every ratio to it (retention) becomes an artefact — 11,502 % in one user's run. Such a scenario is refused
with the team, its offered load and the staff or sample share that would serve it.

The run-size estimate is refused beyond a limit the user can raise, so a typo in a rate or horizon ends in one
line instead of an out-of-memory crash half an hour later. The per-case costs are measured by
``benchmarks/`` on this kind of machine: about 60 microseconds per case and environment for the bundled scenarios
(a 547,682-case claims-triage year at ten times its volume took 77 s for a 10 % pilot sample and two designs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scalesim.errors import ScenarioError
from scalesim.limits import DEFAULT_MAX_CASES, DEFAULT_MAX_RUNS
from scalesim.ops.capacity import base_adoption, expected_flow, team_loads
from scalesim.scenario.paths import suggest
from scalesim.scenario.schema import TODAY, Scenario

SECONDS_PER_CASE_PASS = 60e-6
BYTES_PER_CASE = 200 + 150  # the shared draws, plus one environment's ledger and state
BYTES_PER_CASE_PASS = 150
MIN_PILOT_CASES = 20
"""Fewer expected pilot cases than this measure no value per case worth a ratio."""
ANNOUNCE_SECONDS = 20.0
"""Runs expected to take longer than this say so before they start."""


@dataclass(frozen=True)
class Estimate:
    """What one run (one replication) will cost."""

    cases: int
    environments: int
    pilot_share: float = 1.0

    @property
    def seconds(self) -> float:
        return self.cases * (self.environments - 1 + self.pilot_share) * SECONDS_PER_CASE_PASS

    @property
    def bytes(self) -> float:
        return self.cases * (BYTES_PER_CASE + BYTES_PER_CASE_PASS * self.environments)

    def describe(self) -> str:
        return (
            f"about {self.cases:,} cases x {self.environments} environments: "
            f"up to ~{_duration(self.seconds)} and ~{_size(self.bytes)} per run"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:,.1f} h" if seconds < 360_000 else f"{seconds / 86400:,.0f} days"


def _size(nbytes: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes / 2**20:,.0f} MiB"


def estimate(scenario: Scenario, designs: Sequence[str]) -> Estimate:
    cases = scenario.workload.arrival_rate * scenario.run.horizon_days
    return Estimate(round(cases), 1 + len(designs), scenario.pilot.sample_share)


def check_size(scenario: Scenario, designs: Sequence[str], max_cases: int = DEFAULT_MAX_CASES) -> Estimate:
    """Refuse a run whose expected cases exceed ``max_cases``; return the estimate otherwise."""
    guess = estimate(scenario, designs)
    if guess.cases > max_cases:
        raise ScenarioError(
            f"workload.arrival_rate {scenario.workload.arrival_rate:g} x run.horizon_days "
            f"{scenario.run.horizon_days:g}: {guess.describe()}; the limit is {max_cases:,} cases per run — "
            "shorten the horizon (--days), or raise the limit with --max-cases N"
        )
    return guess


def check_runs(scenario: Scenario, what: str, runs: int, environments: int, max_runs: int = DEFAULT_MAX_RUNS) -> None:
    """Refuse an analysis of ``runs`` runs (each of ``environments`` passes over the cases) above ``max_runs``,
    with the estimate of its CPU time, before anything is drawn or run."""
    if runs <= max_runs:
        return
    per_run = Estimate(estimate(scenario, ()).cases, environments, scenario.pilot.sample_share).seconds
    raise ScenarioError(
        f"{what} = {runs:,} production runs, about {_duration(runs * per_run)} of CPU; the limit is "
        f"{max_runs:,} runs — ask for fewer, or raise the limit with --max-runs N"
    )


def check_pilot(scenario: Scenario) -> None:
    """Refuse a pilot that would measure nothing: too few cases, or a team that cannot serve the cases it is
    given (offered load >= 1)."""
    pilot = scenario.pilot
    run = scenario.run
    expected = scenario.workload.arrival_rate * (run.horizon_days - run.warmup_days) * pilot.sample_share
    if expected < MIN_PILOT_CASES:
        raise ScenarioError(
            f"workload.arrival_rate {scenario.workload.arrival_rate:g} x {run.horizon_days - run.warmup_days:g} "
            f"counted days x pilot.sample_share {pilot.sample_share:g}: about {expected:.1f} cases reach the pilot, "
            f"too few to measure a value per case (at least {MIN_PILOT_CASES}); lengthen the horizon, or raise "
            "the rate or the pilot's sample share"
        )
    loads = team_loads(scenario, pilot, pilot.design, pilot.sample_share)
    over = [load for load in loads if load.overloaded]
    if not over:
        return
    worst = max(over, key=lambda load: load.offered_load)
    share = pilot.sample_share / worst.offered_load * 0.85
    raise ScenarioError(
        f"pilot.teams.{worst.team}: the pilot cannot serve its own cases — {worst.explain()}; "
        f"give it at least {worst.staff_needed()} staff, or let the pilot work a sample of the cases "
        f"(pilot.sample_share <= {share:.2g})"
        + (f"; also overloaded: {', '.join(load.team for load in over if load is not worst)}" if len(over) > 1 else "")
    )


def complaint_loops(scenario: Scenario) -> list[str]:
    """Designs whose normal operation alone — no drift, full roll-out — makes enough visible errors in one complaint
    window to force a retrain: their complaints would retrain the model back to back, whatever its accuracy."""
    production = scenario.production
    drift, visibility = production.dynamics.drift, production.dynamics.visibility
    if not drift.complaints_to_retrain:
        return []
    found = []
    for name, design in scenario.designs.items():
        if design.monitoring is not None:  # complaints only count where nobody monitors
            continue
        flow = expected_flow(scenario, production, design)
        errors = flow.followed(base_adoption(production, design)) * (1.0 - flow.right) * visibility.errors
        per_window = scenario.workload.arrival_rate * errors * drift.complaint_window_days
        if per_window >= drift.complaints_to_retrain:
            found.append(
                f"production.dynamics.drift.complaints_to_retrain {drift.complaints_to_retrain}: under design "
                f"{name}, normal operation alone makes about {per_window:,.0f} visible errors in "
                f"{drift.complaint_window_days:g} days (no drift, full roll-out), so complaints would retrain the "
                "model back to back; raise the threshold above that, or shorten complaint_window_days"
            )
    return found


def select_designs(scenario: Scenario, designs: Iterable[str] | None) -> list[str]:
    """The designs to run, in the order asked (all of the scenario's when none are named); ``today`` (today's
    process, "do not scale") is one in every scenario."""
    if designs is None:
        return list(scenario.designs)
    names = list(dict.fromkeys(designs))
    unknown = [n for n in names if n not in scenario.designs and n != TODAY]
    if unknown:
        raise ScenarioError(
            f"--design {unknown[0]!r}: no such design in scenario {scenario.name!r}"
            f"{suggest(unknown[0], [*scenario.designs, TODAY])}; designs: {', '.join(scenario.designs)}, "
            f"and {TODAY} (today's process: do not scale)"
        )
    return names
