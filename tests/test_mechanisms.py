"""Each mechanism of the operations model, alone, against the number it should produce.

Tolerances are derived from the sample size (binomial or uniform standard errors, x5), not guessed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalesim.ops import CaseFate, simulate

from conftest import tiny

RATE = 200
DAYS = 63  # a whole number of weeks, so cadence effects have no partial last period


def run(*overrides: str, design: str = "plain"):
    scenario = tiny(f"workload.arrival_rate={RATE}", f"run.horizon_days={DAYS}", *overrides)
    result = simulate(scenario, [design])
    return result, result.production[design].ledger


def share(ledger, fate: CaseFate) -> float:
    return float(np.mean(ledger.fate == fate))


def binomial_tol(p: float, n: int) -> float:
    return 5 * math.sqrt(max(p * (1 - p), 1e-4) / n)


def test_clean_production_equal_to_pilot_realizes_everything():
    result, ledger = run()
    assert share(ledger, CaseFate.REALIZED) == 1.0
    assert ledger.value.sum() == pytest.approx(result.cases.value.sum())
    summary = result.design_summary("plain")
    assert summary["retention"] == pytest.approx(1.0)


def test_side_channel_with_pickup_half_orphans_about_half():
    result, ledger = run(
        "designs.plain.integration_point=side_channel",
        "designs.plain.side_channel={every_days: 1, pickup_probability: 0.5}",
    )
    assert share(ledger, CaseFate.ORPHANED) == pytest.approx(0.5, abs=binomial_tol(0.5, result.cases.count))


def test_side_channel_publishes_at_its_cadence():
    _, ledger = run(
        "designs.plain.integration_point=side_channel",
        "production.teams.desk.service_hours=0",
        "designs.plain.side_channel={every_days: 7, pickup_probability: 1.0}",
    )
    waits = ledger.lead_times()
    assert waits.mean() == pytest.approx(3.5, abs=0.1)
    assert waits.max() <= 7.0 + 1e-6


def test_weekly_committee_makes_approval_waits_average_half_a_week():
    _, ledger = run("designs.plain.approval={policy: committee, committee: {every_days: 7}}")
    lead = ledger.lead_times()
    # uniform arrivals wait U(0, 7) for the next meeting: mean 3.5, sd 7/sqrt(12)
    assert lead.mean() == pytest.approx(3.5, abs=5 * (7 / math.sqrt(12)) / math.sqrt(len(lead)) + 0.01)
    assert share(ledger, CaseFate.REALIZED) == 1.0


def test_committee_with_too_few_slots_builds_a_backlog():
    _, unlimited = run("designs.plain.approval={policy: committee, committee: {every_days: 7}}")
    _, limited = run("designs.plain.approval={policy: committee, committee: {every_days: 7, slots: 1000}}")
    # 1,400 requests a week against 1,000 slots: the queue grows and cases are still waiting at the end
    assert share(limited, CaseFate.UNFINISHED) > 0.1
    assert limited.lead_times().mean() > 2 * unlimited.lead_times().mean()


def test_committee_rejections():
    result, ledger = run("designs.plain.approval={policy: committee, committee: {every_days: 1}, rejection_rate: 0.2}")
    assert share(ledger, CaseFate.REJECTED) == pytest.approx(0.2, abs=binomial_tol(0.2, result.cases.count))


def test_data_quality_and_exception_rate():
    result, ledger = run("production.data_quality=0.8", "production.exception_rate=0.25")
    n = result.cases.count
    assert share(ledger, CaseFate.NO_SCORE) == pytest.approx(0.2, abs=binomial_tol(0.2, n))
    assert share(ledger, CaseFate.EXCEPTION) == pytest.approx(0.8 * 0.25, abs=binomial_tol(0.2, n))
    assert share(result.pilot.ledger, CaseFate.NO_SCORE) == 0.0


def test_handoff_losses_compound_along_the_route():
    result, ledger = run(
        "production.handoffs=[{team: desk, loss_probability: 0.1}, {team: approvers, loss_probability: 0.1}]"
    )
    expected = 1 - 0.9 * 0.9
    assert share(ledger, CaseFate.LOST_IN_HANDOFF) == pytest.approx(
        expected, abs=binomial_tol(expected, result.cases.count)
    )


def test_without_a_process_owner_adoption_is_lower():
    overrides = ("production.adoption={with_owner: 0.9, without_owner: 0.4}",)
    result, owned = run(*overrides)
    _, unowned = run(*overrides, "designs.plain.process_owner=false")
    n = result.cases.count
    assert share(owned, CaseFate.NOT_ADOPTED) == pytest.approx(0.1, abs=binomial_tol(0.1, n))
    assert share(unowned, CaseFate.NOT_ADOPTED) == pytest.approx(0.6, abs=binomial_tol(0.6, n))
    # common random numbers: every case followed without an owner is also followed with one
    assert not np.any((unowned.fate == CaseFate.REALIZED) & (owned.fate != CaseFate.REALIZED))


def test_wrong_outputs_cost_a_share_of_the_case_value():
    result, ledger = run("production.accuracy=0.7", "value.wrong_action_cost_share=0.5")
    wrong = ledger.fate == CaseFate.WRONG_ACTION
    assert wrong.mean() == pytest.approx(0.3, abs=binomial_tol(0.3, result.cases.count))
    assert np.allclose(ledger.value[wrong], -0.5 * result.cases.value[wrong])


def test_hard_cases_use_their_own_accuracy():
    result, ledger = run("workload.hard_case_share=0.5", "production.hard_case_accuracy=0.0")
    hard = result.cases.hard
    assert np.all(ledger.fate[hard] == CaseFate.WRONG_ACTION)
    assert np.all(ledger.fate[~hard] == CaseFate.REALIZED)


def test_risk_based_approval_sends_only_valuable_cases_to_approvers():
    result, _ = run(
        "value.uplift={dist: exponential, mean: 10}",
        "designs.plain.approval={policy: risk_based, team: approvers, threshold: 15}",
    )
    approvers = next(t for t in result.production["plain"].teams if t.team == "approvers")
    assert approvers.served == int(np.sum(result.cases.value > 15))


def test_half_life_decay_matches_the_closed_form_for_a_fixed_delay():
    result, ledger = run(
        "production.teams.desk.service_hours=0",
        "production.handoffs=[{team: desk, transfer_delay_days: 2.0}]",
        "value.decay={kind: half_life, days: 4}",
    )
    assert np.allclose(ledger.value, result.cases.value * 0.5 ** (2 / 4))


def test_deadline_decay_keeps_value_up_to_the_deadline_only():
    result, ledger = run(
        "production.handoffs=[{team: desk, transfer_delay_days: {dist: uniform, low: 0, high: 4}}]",
        "value.decay={kind: deadline, days: 2}",
    )
    late = (ledger.end - ledger.arrival) > 2
    assert 0.3 < late.mean() < 0.7
    assert np.all(ledger.value[late] == 0) and np.all(ledger.fate[late] == CaseFate.REALIZED)
    assert np.allclose(ledger.value[~late], result.cases.value[~late])
    assert result.design_summary("plain")["erosion"]["delay"] > 0


def test_batch_scoring_waits_for_the_next_run():
    _, ledger = run("production.scoring={mode: batch, batch_every_days: 1}", "production.teams.desk.service_hours=0")
    assert ledger.lead_times().mean() == pytest.approx(0.5, abs=0.02)


def test_defined_triage_works_each_exception_once_and_recovers_missing_inputs():
    result, ledger = run(
        "production.data_quality=0.7",
        "designs.plain.exception_handling={mode: defined, team: triage, recover_probability: 1.0}",
    )
    triage = next(t for t in result.production["plain"].teams if t.team == "triage")
    assert share(ledger, CaseFate.NO_SCORE) == 0.0
    assert share(ledger, CaseFate.REALIZED) == 1.0
    assert triage.served == int(np.sum(np.asarray(result.cases.uniform("data_quality")) >= 0.7))


def test_ad_hoc_exceptions_load_the_main_path_teams():
    result, _ = run(
        "production.exception_rate=0.3",
        "designs.plain.exception_handling={mode: ad_hoc, mean_bounces: 3, drop_probability: 0.0}",
    )
    desk = next(t for t in result.production["plain"].teams if t.team == "desk")
    main_path = int(np.sum(result.production["plain"].ledger.fate != CaseFate.EXCEPTION))
    exceptions = result.cases.count - main_path
    # mean_bounces rework loops per exception, all on the route's only team (geometric, so ~3 on average)
    assert desk.served - main_path == pytest.approx(3 * exceptions, rel=0.1)


def test_office_hours_lengthen_lead_times():
    _, always = run("production.teams.desk.service_hours=1")
    _, office = run(
        "production.teams.desk.service_hours=1", "production.teams.desk.calendar={hours_per_day: 8, days_per_week: 5}"
    )
    assert office.lead_times().mean() > always.lead_times().mean() + 0.5


def test_overloaded_team_leaves_cases_unfinished():
    _, ledger = run(
        "production.teams.desk={staff: 1, service_hours: 0.5, calendar: {hours_per_day: 24, "
        "days_per_week: 7, start_hour: 0}}"
    )
    # capacity 48 cases a day against 200 arriving
    assert share(ledger, CaseFate.UNFINISHED) > 0.5


def test_warmup_cases_are_simulated_but_not_counted():
    full, _ = run()
    warm, _ = run("run.warmup_days=21")
    counted = full.cases.arrival >= 21
    summary = warm.summary()
    assert summary["cases"] == int(counted.sum()) < full.cases.count
    assert summary["warmup_days"] == 21
    per_case = warm.design_summary("plain")["production"]["value_per_case"]
    assert per_case == pytest.approx(full.cases.value[counted].mean())
    per_year = warm.design_summary("plain")["production"]["value_per_year"]
    assert per_year == pytest.approx(full.cases.value[counted].sum() * 365 / (DAYS - 21))


def test_warmup_must_be_shorter_than_the_horizon():
    from scalesim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"warmup_days \(70\) must be shorter than horizon_days \(63\)"):
        run("run.warmup_days=70")
