"""Verification against queueing theory, with tolerances derived from the run, not guessed.

Each check runs R independent replications of a production environment reduced to the mechanism under test
(24/7 calendars, Poisson arrivals, exponential service) and asserts that the theoretical value lies inside the
99.9% Student-t interval of the replication means, widened by the start-up bias the finite run allows
(runs start empty; the bias of a mean wait over a run of T days is O(1/T) and is bounded here by 2%).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scalesim.experiment.tasks import replication_seed
from scalesim.ops import simulate
from scalesim.ops.capacity import team_loads
from scalesim.scenario.schema import Scenario

from conftest import ROOT, SCENARIOS, tiny

ALWAYS = "{hours_per_day: 24, days_per_week: 7, start_hour: 0}"
START_UP_BIAS = 0.02


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def test_erlang_c_reference_value():
    assert erlang_c_wait(9, 1, 10) == pytest.approx(0.66873, abs=5e-6)  # docs/background/model.md
    assert erlang_c_wait(0.8, 1, 1) == pytest.approx(0.8 / (1 - 0.8))  # M/M/1: rho / (mu - lambda)


def replicate_team(team: str, *overrides: str, replications: int = 6, days: float = 600) -> list:
    """Stats of ``team`` in each replication of the tiny scenario with ``overrides``."""
    scenario = tiny(f"run.horizon_days={days}", "run.drain_days=60", *overrides)
    out = []
    for r in range(replications):
        result = simulate(scenario, seed=replication_seed(99, r))
        out.append(next(t for t in result.production["plain"].teams if t.team == team))
    return out


def assert_matches(samples: list[float], theory: float) -> None:
    x = np.asarray(samples)
    half = stats.t.ppf(0.9995, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - theory) <= half + START_UP_BIAS * theory, (x.mean(), half, theory)


@pytest.mark.slow
@pytest.mark.parametrize(("lam", "service_hours", "staff"), [(20, 0.84, 1), (9, 24.0, 10), (40, 2.0, 4)])
def test_single_team_reproduces_mm1_and_erlang_c(lam, service_hours, staff):
    teams = replicate_team(
        "desk",
        f"workload.arrival_rate={lam}",
        f"production.teams.desk={{staff: {staff}, service_hours: {{dist: exponential, mean: {service_hours}}}, "
        f"calendar: {ALWAYS}}}",
        days=600 if staff < 10 else 2000,
    )
    mu = 24 / service_hours
    assert_matches([t.mean_wait_days for t in teams], erlang_c_wait(lam, mu, staff))
    assert_matches([t.utilisation for t in teams], lam / (staff * mu))


@pytest.mark.slow
def test_tandem_of_teams_reproduces_the_jackson_network_sojourn():
    """Three teams in series: the mean time through them is the sum of each M/M/c sojourn (Jackson)."""
    lam = 20
    chain = [("desk", 1, 0.8), ("approvers", 2, 1.6), ("triage", 3, 2.4)]  # each at rho = 0.667
    teams = ", ".join(
        f"{name}: {{staff: {c}, service_hours: {{dist: exponential, mean: {h}}}, calendar: {ALWAYS}}}"
        for name, c, h in chain
    )
    route = ", ".join(f"{{team: {name}}}" for name, _, _ in chain)
    scenario = tiny(
        "run.horizon_days=600",
        "run.drain_days=60",
        f"workload.arrival_rate={lam}",
        f"production.teams={{{teams}}}",
        f"production.handoffs=[{route}]",
    )
    theory = sum(erlang_c_wait(lam, 24 / h, c) + h / 24 for _, c, h in chain)
    means = [
        float(simulate(scenario, seed=replication_seed(7, r)).production["plain"].ledger.lead_times().mean())
        for r in range(6)
    ]
    assert_matches(means, theory)


def fork_join(lam: float, hours: float, staff: int, days: float) -> Scenario:
    """A route with one parallel step: desk and approvers (same staff and exponential service) each work every
    case at the same time, and the case waits for both."""
    team = f"{{staff: {staff}, service_hours: {{dist: exponential, mean: {hours}}}, calendar: {ALWAYS}}}"
    return tiny(
        f"run.horizon_days={days}",
        "run.drain_days=60",
        f"workload.arrival_rate={lam}",
        f"production.teams={{desk: {team}, approvers: {team}}}",
        "production.handoffs=[{team: desk, parallel_with: [approvers]}]",
    )


def lead_times(scenario: Scenario, replications: int) -> list[float]:
    return [
        float(simulate(scenario, seed=replication_seed(11, r)).production["plain"].ledger.lead_times().mean())
        for r in range(replications)
    ]


def test_a_parallel_step_without_queues_takes_the_longer_of_its_branches():
    """No queueing (ample staff): a case's time at an AND-split of two exponential branches of mean h is
    E[max] = h + h - h/2 = 1.5 h, not the 2 h a sequence takes nor the h of one branch; both branches carry the
    whole workload, in the simulation and in the expected load."""
    hours = 2.0
    scenario = fork_join(20, hours, 200, 200)
    assert_matches(lead_times(scenario, 5), 1.5 * hours / 24)
    loads = {x.team: x.work_hours_per_day for x in team_loads(scenario, scenario.production, scenario.designs["plain"])}
    assert loads == pytest.approx({"desk": 20 * hours, "approvers": 20 * hours})
    served = {t.team: t.served for t in simulate(scenario).production["plain"].teams}
    assert served["desk"] == served["approvers"] > 0


@pytest.mark.slow
def test_a_parallel_step_of_two_single_servers_reproduces_the_fork_join_queue():
    """Two M/M/1 queues fed the same cases, each case leaving when both are done: the mean response time is
    exactly (12 - rho) / 8 x 1 / (mu - lambda) (Flatto & Hahn 1984; Nelson & Tantawi 1988)."""
    lam, hours = 12.0, 1.2  # rho = 0.6
    mu = 24 / hours
    theory = (12 - lam / mu) / 8 / (mu - lam)
    assert_matches(lead_times(fork_join(lam, hours, 1, 800), 6), theory)


@pytest.mark.slow
def test_periodic_committee_wait_is_half_its_cadence_plus_nothing_else():
    scenario = tiny(
        "run.horizon_days=700",
        "workload.arrival_rate=20",
        "production.teams.desk.service_hours=0",
        "designs.plain.approval={policy: committee, committee: {every_days: 14}}",
    )
    means = [
        float(simulate(scenario, seed=replication_seed(5, r)).production["plain"].ledger.lead_times().mean())
        for r in range(4)
    ]
    assert_matches(means, 7.0)


def test_littles_law_holds_at_every_team(bundled_short_runs):
    """L (time-average number at the team, integrated event by event) = lambda x W (per-case sojourns)."""
    checked = 0
    for result in bundled_short_runs.values():
        length = result.scenario.run.horizon_days + result.scenario.run.drain_days
        for run in [result.pilot, *result.production.values()]:
            for team in run.teams:
                if team.in_system_at_end == 0 and team.served > 0:
                    lam = team.served / length
                    assert team.mean_in_system == pytest.approx(lam * team.mean_sojourn_days, rel=1e-9)
                    assert team.arrival_rate == pytest.approx(lam)
                    checked += 1
    assert checked >= 10


@pytest.mark.slow
def test_same_seed_gives_the_same_ledger_in_separate_processes(tmp_path):
    """Two interpreters with different hash seeds write identical results."""
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "scalesim.cli",
                "run",
                str(SCENARIOS / "stall-demo.yaml"),
                "--days",
                "60",
                "--format",
                "json",
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        (folder,) = (out / "stall-demo").iterdir()
        outputs.append((proc.stdout, pd.read_parquet(folder / "ledger.parquet")))
    assert outputs[0][0] == outputs[1][0]
    pd.testing.assert_frame_equal(outputs[0][1], outputs[1][1], check_exact=True)
    assert json.loads(outputs[0][0])["scenario"] == "stall-demo"


def test_a_mechanism_with_its_own_stream_does_not_shift_the_others():
    """Accountability draws from a new stream ('dynamics:fix'); with no effect configured, nothing else moves."""
    base = tiny("production.accuracy=0.7", "production.adoption={with_owner: 0.8, without_owner: 0.5}")
    with_stream = tiny(
        "production.accuracy=0.7",
        "production.adoption={with_owner: 0.8, without_owner: 0.5}",
        "designs.plain.accountability={review_hours: 0, fix_probability: 0}",
    )
    a = simulate(base).production["plain"].ledger
    b = simulate(with_stream).production["plain"].ledger
    assert np.array_equal(a.fate, b.fate) and np.array_equal(a.value, b.value) and np.array_equal(a.end, b.end)
