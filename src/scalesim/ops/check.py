"""Before a run: can the pilot serve its own cases, and how big will the run be?

A pilot whose team cannot keep up measures its own queue, not the model: its value per case falls toward zero
and every ratio to it (retention) becomes an artefact — 11,502 % in one user's run. Such a scenario is refused
with the team, its offered load and the staff or sample share that would serve it.

The run-size estimate is refused beyond a limit the user can raise, so a typo in a rate or horizon ends in one
line instead of an out-of-memory crash half an hour later. Time is estimated for this machine: a fixed piece of
Python (:func:`probe`) is timed once, and a case's pass through an environment costs a measured multiple of it
(:data:`CASE_PASS_IN_PROBES`); every batch command says its estimate before it starts, and
``benchmarks/bench_estimate.py`` checks it against the measured time.
"""

from __future__ import annotations

import functools
import heapq
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scalesim.errors import ScenarioError
from scalesim.limits import DEFAULT_MAX_CASES
from scalesim.ops.capacity import base_adoption, expected_flow, team_loads
from scalesim.scenario.paths import suggest
from scalesim.scenario.schema import TODAY, Scenario

CASE_PASS_IN_PROBES = 5.4e-4
"""CPU a case's pass through one environment costs, in units of :func:`probe`'s CPU: the bundled scenarios' runs
measured against the probe on the same machine (10-18 us a case pass at a 26 ms probe; their geometric mean).
Multiplying by this machine's probe makes the estimate this machine's, not the one it was measured on."""
WORKER_START_SECONDS = 1.5
"""CPU a worker process spends before its first run (imports, the scenario), in the estimate of a batch."""
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
        """CPU seconds of one run on this machine (see :data:`CASE_PASS_IN_PROBES`)."""
        return self.cases * (self.environments - 1 + self.pilot_share) * case_pass_seconds()

    @property
    def design_seconds(self) -> float:
        """CPU of the designs' passes alone: a run whose pilot pass a worker remembers (an input that does not
        touch the pilot, varied in a search) costs this."""
        return self.cases * (self.environments - 1) * case_pass_seconds()

    @property
    def bytes(self) -> float:
        return self.cases * (BYTES_PER_CASE + BYTES_PER_CASE_PASS * self.environments)

    def describe(self) -> str:
        return (
            f"about {self.cases:,} cases x {self.environments} environments: "
            f"~{_duration(self.seconds)} of CPU and ~{_size(self.bytes)} per run"
        )


@functools.cache
def case_pass_seconds() -> float:
    """This machine's CPU seconds for a case's pass through one environment (measured once per process)."""
    return CASE_PASS_IN_PROBES * min(probe(), probe())


def probe(n: int = 60_000) -> float:
    """CPU seconds of a fixed piece of pure Python shaped like a simulation's inner loop (a heap of timed events
    and a dictionary of state): ~26 ms on the machine the constants were measured on."""
    started = time.process_time()
    heap: list[tuple[int, int]] = []
    state: dict[int, int] = {}
    for i in range(n):
        heapq.heappush(heap, ((i * 7919) % 1000, i))
        state[i & 1023] = i
        if len(heap) > 64:
            heapq.heappop(heap)
    return time.process_time() - started


@dataclass(frozen=True)
class Batch:
    """What a batch of runs will cost on this machine: CPU in all, and wall time on its workers."""

    what: str
    tasks: int  # a task: one replication of one point, every environment of it
    task_seconds: float
    workers: int
    up_to_tasks: int | None = None  # a batch that stops early (precision, an emulator): at most this many
    before_seconds: float = 0.0  # work done before the tasks (a portfolio's operations) ...
    before_tasks: int = 1  # ... in this many pieces, on the same workers

    @property
    def cpu(self) -> float:
        return self.before_seconds + self.tasks * self.task_seconds + self.workers * WORKER_START_SECONDS

    @property
    def wall(self) -> float:
        parallel = self.tasks * self.task_seconds / max(1, min(self.workers, self.tasks))
        before = self.before_seconds / max(1, min(self.workers, self.before_tasks))
        return before + parallel + WORKER_START_SECONDS

    def describe(self) -> str:
        more = ""
        if self.up_to_tasks is not None and self.up_to_tasks > self.tasks:
            most = self.up_to_tasks * self.task_seconds
            more = f" (up to ~{_duration(most)} of CPU if it needs all {self.up_to_tasks:,})"
        return (
            f"{self.what}: expect ~{_duration(self.cpu)} of CPU, ~{_duration(self.wall)} on {self.workers} "
            f"worker(s) on this machine{more}"
        )


def check_batch(batch: Batch, max_runs: int, runs: int, announce: Callable[[str], None] | None = None) -> None:
    """Refuse a batch of more than ``max_runs`` production runs with its estimate, before anything runs; say the
    estimate of the others before they start."""
    if runs > max_runs:
        raise ScenarioError(
            f"{batch.what} = {runs:,} production runs, ~{_duration(batch.cpu)} of CPU on this machine; the limit "
            f"is {max_runs:,} runs — ask for fewer, or raise the limit with --max-runs N"
        )
    if announce is not None:
        announce(batch.describe())


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
