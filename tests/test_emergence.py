"""Mechanisms that let the answer emerge from the work rather than restate the inputs: controls that detect,
confidence and human review, trust from the experienced error rate, learning after go-live, money over time.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalesim.api import compare
from scalesim.ops import CaseFate, simulate
from scalesim.ops.capacity import below_confidence, team_loads
from scalesim.ops.flow import confidence
from scalesim.ops.money import CostPlan, cash_flow
from scalesim.ops.teams import Station

from conftest import tiny

APPROVAL = {"policy": "all", "team": "approvers", "rejection_rate": 0.1, "catch_rate": 0.8}


@pytest.mark.parametrize(("cost", "sign"), [(2.0, 1), (0.1, -1)])
def test_a_detecting_approval_pays_where_wrong_actions_are_costly_and_costs_where_they_are_cheap(tmp_path, cost, sign):
    """Expected per case: approval minus none = -0.7 x 0.1 x 10 + 0.3 x 0.8 x 10 x cost (accuracy 0.7, uplift 10)."""
    scenario = tiny(
        "production.accuracy=0.7",
        f"value.wrong_action_cost_share={cost}",
        "run.horizon_days=28",
        designs={"plain": {}, "approved": {"approval": APPROVAL}},
    )
    result = compare(scenario, ["plain", "approved"], replications=5, out=tmp_path, progress=False)
    (diff,) = [c for c in result.to_dict()["comparisons"] if c["metric"] == "production_value_per_case"]
    expected = -0.7 * 0.1 * 10 + 0.3 * 0.8 * 10 * cost
    assert sign * (diff["mean"] - diff["half_width"]) > 0  # the paired interval excludes zero, on the right side
    assert diff["mean"] == pytest.approx(expected, abs=0.3)


def test_an_approval_that_cannot_tell_right_from_wrong_only_loses():
    blind = simulate(
        tiny(
            "production.accuracy=0.7",
            "value.wrong_action_cost_share=2",
            "designs.plain.approval={policy: all, team: approvers, rejection_rate: 0.3}",
        )
    )
    ledger = blind.production["plain"].ledger
    stopped = np.isin(ledger.fate, [CaseFate.REJECTED, CaseFate.CAUGHT])
    # blocked at the same rate whether right or wrong (catch_rate defaults to the rejection rate)
    assert np.mean(stopped) == pytest.approx(0.3, abs=5 * math.sqrt(0.21 / blind.cases.count))


def test_a_caught_wrong_output_is_a_prevented_loss_and_the_erosion_still_adds_up():
    result = simulate(
        tiny(
            "production.accuracy=0.6",
            "value.wrong_action_cost_share=1",
            "designs.plain.approval={policy: all, team: approvers, catch_rate: 1.0}",
        )
    )
    summary = result.design_summary("plain")
    ledger = result.production["plain"].ledger
    caught = ledger.fate == CaseFate.CAUGHT
    assert caught.any() and (ledger.fate != CaseFate.WRONG_ACTION).all()
    assert summary["production"]["prevented_loss_per_year"] == pytest.approx(
        result.cases.value[caught].sum() * 365 / 60
    )
    gap = summary["pilot"]["value_per_case"] - summary["production"]["value_per_case"]
    assert sum(summary["erosion"].values()) == pytest.approx(gap, abs=1e-9)


def test_the_approvals_effort_is_work_for_the_approvers():
    plain = simulate(tiny("designs.plain.approval={policy: all, team: approvers}", "run.horizon_days=14"))
    thorough = simulate(tiny("designs.plain.approval={policy: all, team: approvers, effort: 3}", "run.horizon_days=14"))

    def utilisation(result):
        return {t.team: t.utilisation for t in result.production["plain"].teams}["approvers"]

    assert utilisation(thorough) == pytest.approx(3 * utilisation(plain), rel=0.02)


def test_confidence_is_calibrated_and_separates_wrong_outputs():
    rng = np.random.default_rng(4)
    d = tiny("production.confidence.auc=0.8").production.confidence.separation
    accuracy = 0.75
    correct = rng.random(200_000) < accuracy
    noise = rng.standard_normal(len(correct))
    sure = np.array([confidence(d * c + z, accuracy, d) for c, z in zip(correct, noise, strict=True)])
    # calibrated: among outputs with confidence near p, a share p is right
    for lo in (0.3, 0.5, 0.7, 0.9):
        band = (sure >= lo) & (sure < lo + 0.05)
        assert correct[band].mean() == pytest.approx(lo + 0.025, abs=0.02)
    # the area under the ROC curve is what the scenario says
    from scipy.stats import mannwhitneyu

    auc = mannwhitneyu(sure[correct], sure[~correct]).statistic / (correct.sum() * (~correct).sum())
    assert auc == pytest.approx(0.8, abs=0.005)
    # and the analytic share below a level matches
    scenario = tiny("production.accuracy=0.75", "production.confidence.auc=0.8")
    assert below_confidence(scenario, scenario.production, 0.6) == pytest.approx(np.mean(sure < 0.6), abs=0.005)


def test_human_review_of_low_confidence_outputs_raises_value_and_loads_the_reviewers():
    base = ("production.accuracy=0.7", "value.wrong_action_cost_share=1", "production.confidence.auc=0.85")
    review = "designs.plain.human_review={team: triage, confidence_below: 0.6, accuracy: 0.95}"
    without = simulate(tiny(*base))
    with_review = simulate(tiny(*base, review))
    assert (
        with_review.design_summary("plain")["production"]["value_per_case"]
        > without.design_summary("plain")["production"]["value_per_case"] + 1.0
    )
    reviewed = {t.team: t.served for t in with_review.production["plain"].teams}["triage"]
    scenario = tiny(*base, review)
    share = below_confidence(scenario, scenario.production, 0.6)
    assert reviewed / with_review.cases.count == pytest.approx(share, abs=5 * math.sqrt(share * (1 - share) / reviewed))
    load = {x.team: x for x in team_loads(scenario, scenario.production, scenario.designs["plain"])}
    measured = {t.team: t.utilisation for t in with_review.production["plain"].teams}
    assert measured["triage"] == pytest.approx(load["triage"].offered_load, rel=0.1)


def test_risk_based_approval_can_key_on_confidence():
    result = simulate(
        tiny(
            "production.accuracy=0.7",
            "designs.plain.approval={policy: risk_based, team: approvers, confidence_below: 0.5, catch_rate: 1}",
        )
    )
    ledger = result.production["plain"].ledger
    scenario = result.scenario
    expected = below_confidence(scenario, scenario.production, 0.5)
    served = {t.team: t.served for t in result.production["plain"].teams}["approvers"]
    assert served / result.cases.count == pytest.approx(expected, abs=0.03)
    # low-confidence outputs are mostly wrong, so most of what the approvers see, they catch
    assert np.sum(ledger.fate == CaseFate.CAUGHT) > 0.5 * served


def _trust_at(rate: float, day: int) -> float:
    """Trust on ``day`` of an operation at ``rate`` cases a day, staffed in proportion (no queues)."""
    staff = max(1, int(rate))
    result = simulate(
        tiny(
            f"workload.arrival_rate={rate}",
            f"production.teams.desk.staff={staff}",
            "production.accuracy=0.85",
            "production.dynamics={trust: {fall_per_day: 0.03, recovery_per_day: 0.01}, "
            "visibility: {errors: 0.5, successes: 0.5, delay_days: 3}}",
            f"run.horizon_days={day + 1}",
            "run.seed=11",
        )
    )
    daily = result.production["plain"].trace.daily()
    return float(daily.loc[daily["day"] == day, "trust"].iloc[0])


def test_the_same_accuracy_gives_the_same_trust_path_at_four_times_the_volume():
    """The review measured 0.855 / 0.782 / 0.641 at 20 / 80 / 320 cases a day when trust moved per error."""
    small, large = _trust_at(20, 56), _trust_at(80, 56)
    assert small == pytest.approx(large, abs=0.03)
    # and both head for the steady state of the error share people see: r (1 - e) / (r (1 - e) + f e)
    e = 0.15
    steady = 0.01 * (1 - e) / (0.01 * (1 - e) + 0.03 * e)
    assert _trust_at(80, 399) == pytest.approx(steady, abs=0.03)


def test_the_learning_curve_starts_slow_and_converges_to_the_steady_state():
    import simpy

    from scalesim.scenario.schema import Team

    env = simpy.Environment()
    team = Team(staff=1, service_hours=1.0, calendar={"hours_per_day": 24, "days_per_week": 7, "start_hour": 0})
    station = Station(env, "desk", team)
    station.learn(2.0, 0.8)
    ends = []

    def cases():
        for i in range(1024):
            yield from station.work(1.0, i)
            ends.append(env.now * 24)

    env.process(cases())
    env.run()
    times = np.diff([0.0, *ends])
    assert times[0] == pytest.approx(2.0)  # the first case: twice the steady state
    assert times[1] == pytest.approx(1.8)  # one doubling keeps 80 % of the excess
    assert times[3] == pytest.approx(1 + 0.8**2)
    assert times[1023] == pytest.approx(1 + 0.8**10)
    assert times[-1] < 1.11 and all(np.diff(times) <= 1e-12)


def test_go_live_training_and_a_parallel_run_are_work_for_the_teams():
    base = tiny("run.horizon_days=28")
    plain = simulate(base)
    live = simulate(
        tiny(
            "run.horizon_days=28",
            "designs.plain.go_live={initial_time_factor: 1.0, training_hours: 8, parallel_run_days: 14}",
        )
    )
    busy = {t.team: t.utilisation for t in plain.production["plain"].teams}["desk"]
    busy_live = {t.team: t.utilisation for t in live.production["plain"].teams}["desk"]
    # about half the cases (14 of 28 days) worked twice, plus 50 people x 8 hours of training
    hours = 0.1 * len(plain.cases.arrival)
    expected = busy * (hours + 0.1 * np.sum(plain.cases.arrival < 14) + 50 * 8) / hours
    assert busy_live == pytest.approx(expected, rel=0.01)


def test_money_over_time_matches_the_closed_form():
    """100 a day at mid-day for 40 days; build 1,000 over 10 days; 100 at go-live; 365 a year running."""
    times = np.arange(40) + 0.5
    values = np.full(40, 100.0)
    plan = CostPlan(build=1000.0, build_days=10, change_management=100.0, running_per_year=365.0, horizon_days=40)
    rate = 0.1
    flow = cash_flow(times, values, plan, end=40, rate=rate)
    delta = math.log(1.1) / 365
    npv_value = sum(100 * math.exp(-delta * (t + 10)) for t in times)
    npv_build = 100 * (1 - math.exp(-delta * 10)) / delta
    npv_change = 100 * math.exp(-delta * 10)
    npv_running = (math.exp(-delta * 10) - math.exp(-delta * 50)) / delta
    assert flow.npv == pytest.approx(npv_value - npv_build - npv_change - npv_running, rel=1e-12)
    assert flow.net_value == pytest.approx(4000 - 1000 - 100 - 40)
    # day k (k = 1..): 100 k - 1,100 - k >= 0 from k = 12 (1,188 - 1,100 ... 99 k >= 1100 -> k = 12)
    assert flow.payback_day == 12
    # the first whole 28-day window whose value (2,800) covers its running costs (28): day 28, never earlier
    assert flow.time_to_value_days == 28
    monthly = flow.monthly()
    assert monthly["cumulative_net"].iloc[-1] == pytest.approx(flow.net_value)


def test_payback_and_time_to_value_are_moments_of_the_live_operation():
    """Value that arrives only in the drain (after the horizon, when running costs have stopped) pays nothing back
    while live; a horizon shorter than the window has no time to value."""
    plan = CostPlan(build=0.0, build_days=0, change_management=0.0, running_per_year=3650.0, horizon_days=60)
    late = cash_flow(np.array([61.0, 62.0]), np.array([1e6, 1e6]), plan, end=90, rate=0.0)
    assert late.npv > 0 and late.payback_day is None and late.time_to_value_days is None
    short = CostPlan(build=0.0, build_days=0, change_management=0.0, running_per_year=365.0, horizon_days=20)
    early = cash_flow(np.arange(20) + 0.5, np.full(20, 100.0), short, end=20, rate=0.0)
    assert early.payback_day == 1 and early.time_to_value_days is None


def test_a_design_that_never_pays_back_says_so():
    plan = CostPlan(build=1e6, build_days=0, change_management=0, running_per_year=0, horizon_days=10)
    flow = cash_flow(np.array([1.0]), np.array([5.0]), plan, end=10, rate=0.0)
    assert flow.payback_day is None and flow.npv == pytest.approx(5 - 1e6)


def test_a_run_reports_money_over_time_for_each_design():
    result = simulate(tiny("designs.plain.costs={one_off: 1000, build_days: 30, recurring_per_year: 3650}"))
    money = result.design_summary("plain")["money"]
    assert money["payback_day"] is not None and money["payback_day"] > 0
    assert money["net_value"] == pytest.approx(result.production["plain"].ledger.value.sum() - 1000 - 600)
    table = result.money_table()
    assert table["month"].min() == -1  # the build month
    assert table["cumulative_net"].iloc[-1] == pytest.approx(money["net_value"])
