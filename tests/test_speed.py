"""The shortcuts that make many runs cheap give the same answers: the shared pilot pass, nested decision worlds,
the emulator (checked against the full run), and the time budgets."""

from __future__ import annotations

import numpy as np
import pytest

from scalesim.api import decide, resolve, sensitivity
from scalesim.experiment.tasks import replication_seed
from scalesim.ops.pilotpass import PilotPasses
from scalesim.ops.run import simulate

from conftest import SCENARIOS
from test_decide import decision_scenario


@pytest.mark.parametrize(
    ("overrides", "reused"),
    [
        ([], True),
        (["production.accuracy=0.7", "designs.redesigned.approval.policy=all"], True),
        (["value.uplift.mean=80", "value.wrong_action_cost_share=0.6"], True),  # valued again, same fates
        (["pilot.accuracy=0.95"], False),
        (["workload.arrival_rate=100"], False),
        (["value.decay.days=3"], False),
    ],
)
def test_a_shared_pilot_pass_is_bit_identical_to_a_fresh_one(overrides, reused):
    base = resolve(SCENARIOS / "claims-triage.yaml", days=40)
    seed = replication_seed(base.run.seed, 0)
    passes = PilotPasses()
    simulate(base, seed=seed, pilot_passes=passes)  # remembered
    scenario = resolve(base, overrides=overrides)
    shared = simulate(scenario, seed=seed, pilot_passes=passes)
    fresh = simulate(scenario, seed=seed)
    assert passes.reused == int(reused)
    assert shared.summary_table().equals(fresh.summary_table())
    for column in ("fate", "value", "end"):
        assert np.array_equal(getattr(shared.pilot.ledger, column), getattr(fresh.pilot.ledger, column), equal_nan=True)


def test_a_pilot_routing_on_value_is_not_valued_again():
    """A pilot design that sends valuable cases to approval makes its fates depend on the values."""
    routed = (
        "pilot.design.approval={policy: risk_based, team: pilot_squad, threshold: 70, rejection_rate: 0.5}",
        "pilot.teams.pilot_squad.staff=30",
    )
    base = resolve(SCENARIOS / "claims-triage.yaml", days=40, overrides=routed)
    passes = PilotPasses()
    simulate(base, pilot_passes=passes)
    richer = resolve(base, overrides=["value.uplift.mean=90"])
    assert simulate(richer, pilot_passes=passes).summary_table().equals(simulate(richer).summary_table())
    assert passes.reused == 0


def test_more_worlds_reuse_the_ones_already_run(tmp_path):
    scenario = decision_scenario()
    first = decide(scenario, samples=16, out=tmp_path, full=True)
    more = decide(scenario, samples=32, out=tmp_path, full=True)
    assert first.experiment.folder == more.experiment.folder
    assert more.experiment.ran == 16 and more.experiment.reused == 16
    assert more.worlds.values[:16] == first.worlds.values


def test_the_emulated_decision_agrees_with_the_full_one(tmp_path):
    """96 worlds of the synthetic decision: a first batch of 48, then full runs only where the emulator is unsure."""
    scenario = decision_scenario()
    fast = decide(scenario, samples=96, out=tmp_path / "fast").to_dict()
    full = decide(scenario, samples=96, out=tmp_path / "full", full=True).to_dict()
    assert 48 <= fast["simulated_worlds"] < 96 and full["simulated_worlds"] == 96
    assert fast["emulation"]["emulated_worlds"] == 96 - fast["simulated_worlds"]
    for design in full["design_names"]:
        a, b = fast["designs"][design]["probability_best"], full["designs"][design]["probability_best"]
        assert abs(a - b) <= 0.02, design
    assert fast["evpi"] == pytest.approx(full["evpi"], rel=0.10)
    assert fast["evppi"][0]["name"] == full["evppi"][0]["name"]
    assert fast["best"] == full["best"]


def test_a_stored_emulated_decision_loads_back_the_same(tmp_path):
    from scalesim.experiment.decide import Decision

    decision = decide(decision_scenario(), samples=96, out=tmp_path)
    assert decision.to_dict()["emulation"]["emulated_worlds"] > 0
    again = Decision.load(decision.experiment.folder)
    assert again.to_dict() == decision.to_dict()


def test_a_sensitivity_budget_runs_whole_samples_and_says_how_many(tmp_path):
    result = sensitivity(
        SCENARIOS / "stall-demo.yaml", "morris", samples=8, days=60, out=tmp_path, budget=1.0
    ).to_dict()
    assert 1 <= result["samples_run"] < result["samples_asked"] == 8
    assert result["model_runs"] == result["samples_run"] * 7  # whole trajectories: six parameters + 1


def test_a_case_leaves_no_garbage_cycle_behind():
    """Each case used to hold itself through its resume closure: a reference cycle per case for the cyclic
    collector (15 % of a production year's CPU). With the collector off during a run, what it finds afterwards
    must not grow with the cases."""
    import gc

    from scalesim.scenario.load import load_scenario

    scenario = load_scenario(SCENARIOS / "claims-triage.yaml", ["run.horizon_days=60"])
    gc.collect()
    gc.disable()
    try:
        result = simulate(scenario, ["bolt_on", "redesigned"], 1)
        cycles = gc.collect()
    finally:
        gc.enable()
    assert len(result.weekly_table()) > 0
    cases = int(scenario.workload.arrival_rate * 60)  # arrivals in the 60 days, each through both designs
    assert cycles < cases / 20, f"{cycles} objects in cycles after {cases} cases"
