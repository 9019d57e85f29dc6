"""Invariants that must hold on every run, over randomly generated valid scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalesim.ops import CaseFate, simulate
from scalesim.ops.ledger import EROSION_CAUSES

from conftest import tiny

prob = st.floats(0.0, 1.0)
calendars = st.sampled_from(
    [
        "{hours_per_day: 24, days_per_week: 7, start_hour: 0}",
        "{hours_per_day: 8, days_per_week: 5}",
    ]
)


@st.composite
def scenarios(draw):
    """A small valid scenario with every lever and environment parameter drawn at random."""
    overrides = [
        f"workload.arrival_rate={draw(st.floats(3, 40))}",
        f"workload.hard_case_share={draw(prob)}",
        f"run.horizon_days={draw(st.floats(7, 20))}",
        f"run.drain_days={draw(st.floats(0, 10))}",
        f"run.seed={draw(st.integers(0, 2**32))}",
        f"value.wrong_action_cost_share={draw(st.floats(0, 2))}",
        f"value.decay={{kind: {draw(st.sampled_from(['none', 'half_life', 'deadline']))}, "
        f"days: {draw(st.floats(0.5, 20))}}}",
        f"production.data_quality={draw(prob)}",
        f"production.exception_rate={draw(prob)}",
        f"production.accuracy={draw(prob)}",
        f"production.hard_case_accuracy={draw(prob)}",
        f"production.scoring={{mode: {draw(st.sampled_from(['real_time', 'batch']))}, batch_every_days: 1}}",
        f"production.teams.desk.staff={draw(st.integers(1, 6))}",
        f"production.teams.desk.service_hours={{dist: exponential, mean: {draw(st.floats(0.05, 4))}}}",
        f"production.teams.desk.calendar={draw(calendars)}",
        f"production.teams.approvers.staff={draw(st.integers(1, 3))}",
        f"production.teams.triage.staff={draw(st.integers(1, 3))}",
        f"production.handoffs=[{{team: desk, loss_probability: {draw(prob)}, transfer_delay_days: "
        f"{draw(st.floats(0, 2))}}}, {{team: approvers, loss_probability: {draw(prob)}, "
        f"parallel_with: {draw(st.sampled_from(['[]', '[desk]', '[triage]', '[desk, triage]']))}}}]",
    ]
    a = draw(prob)
    overrides.append(f"production.adoption={{with_owner: {a}, without_owner: {a * draw(prob)}}}")
    design = "designs.plain"
    overrides.append(f"{design}.process_owner={draw(st.booleans())}")
    if draw(st.booleans()):
        overrides += [
            f"{design}.integration_point=side_channel",
            f"{design}.side_channel={{every_days: {draw(st.floats(0.2, 7))}, pickup_probability: {draw(prob)}}}",
        ]
    policy = draw(st.sampled_from(["none", "all", "risk_based", "committee"]))
    overrides.append(
        f"{design}.approval={{policy: {policy}, team: approvers, threshold: {draw(st.floats(0, 20))}, "
        f"rejection_rate: {draw(prob)}, committee: {{every_days: {draw(st.floats(0.5, 7))}, "
        f"slots: {draw(st.integers(1, 200))}}}}}"
    )
    if draw(st.booleans()):
        overrides.append(
            f"{design}.exception_handling={{mode: defined, team: triage, recover_probability: {draw(prob)}}}"
        )
    else:
        overrides.append(
            f"{design}.exception_handling={{mode: ad_hoc, mean_bounces: {draw(st.floats(0, 4))}, "
            f"drop_probability: {draw(prob)}}}"
        )
    overrides.append(f"value.uplift={{dist: lognormal, mean: 10, cv: {draw(st.floats(0.1, 2))}}}")
    return tiny(*overrides)


def check_invariants(result) -> None:
    n = result.cases.count
    pilot = result.pilot.ledger
    for run in [result.pilot, *result.production.values()]:
        ledger = run.ledger
        # every case has exactly one fate; arrived = finished + lost (by cause) + still in the system
        counts = np.bincount(ledger.fate, minlength=len(CaseFate))
        assert counts.sum() == n
        assert np.all(np.isnan(ledger.end) == (ledger.fate == CaseFate.UNFINISHED))
        # values: only realized cases gain, only wrong actions cost, nothing beats its potential
        realized = ledger.fate == CaseFate.REALIZED
        wrong = ledger.fate == CaseFate.WRONG_ACTION
        assert np.all(ledger.value[~realized & ~wrong] == 0)
        assert np.all(ledger.value[realized] >= 0)
        assert np.all(ledger.value[realized] <= result.cases.value[realized] + 1e-9)
        assert np.all(ledger.value[wrong] <= 0)
        assert np.all(ledger.end[~np.isnan(ledger.end)] >= ledger.arrival[~np.isnan(ledger.end)] - 1e-9)
        # pilot and production saw the same cases
        assert ledger.arrival is pilot.arrival
        for team in run.teams:
            assert team.served >= 0
            assert team.mean_wait_days >= 0
            assert 0 <= team.utilisation <= 1 + 1e-9
    for name in result.designs:
        summary = result.design_summary(name)
        erosion = summary["erosion"]
        assert list(erosion) == list(EROSION_CAUSES)
        gap = summary["pilot"]["value_per_case"] - summary["production"]["value_per_case"]
        assert sum(erosion.values()) == pytest.approx(gap, rel=1e-9, abs=1e-9)
        assert sum(summary["production"]["fates"].values()) == pytest.approx(1.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_on_random_scenarios(scenario):
    check_invariants(simulate(scenario))


def test_invariants_hold_on_the_bundled_scenarios(bundled_short_runs):
    for result in bundled_short_runs.values():
        check_invariants(result)


def test_identical_environments_give_identical_ledgers():
    """With production set to the pilot's conditions, pairing makes every case end the same way."""
    scenario = tiny(
        "production.teams={squad: {staff: 50, service_hours: 0.1, calendar: {hours_per_day: 24, days_per_week: 7, "
        "start_hour: 0}}}",
        "production.handoffs=[{team: squad}]",
        "pilot.accuracy=0.7",
        "production.accuracy=0.7",
        "pilot.adoption={with_owner: 0.6, without_owner: 0.6}",
        "production.adoption={with_owner: 0.6, without_owner: 0.6}",
    )
    result = simulate(scenario)
    prod = result.production["plain"].ledger
    assert np.array_equal(prod.fate, result.pilot.ledger.fate)
    assert np.array_equal(prod.value, result.pilot.ledger.value)
    assert all(v == 0 for v in result.design_summary("plain")["erosion"].values())
