"""Every mechanism does only what it claims: with its cause absent, its effect is exactly absent (metamorphic tests).

Each test removes one cause from every bundled scenario where the cause exists (a 40-day run; stall-demo's
dynamics over a whole year where they need time) and checks that the effect it drives is exactly zero, or that
the run is bit-identical to the run without the lever; where it helps, the same test puts the cause back and
checks the effect's documented sign. docs/background/model.md lists them under "what each mechanism does not do".
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from scalesim.api import resolve
from scalesim.ops import CaseFate, simulate
from scalesim.ops.capacity import outcome_variance
from scalesim.ops.dynamics import false_alarm_probability
from scalesim.ops.result import RunResult
from scalesim.scenario.load import validate
from scalesim.scenario.schema import TODAY, Scenario

from conftest import OPERATIONS, SCENARIOS, tiny

DAYS = 40


def bundled(path, days: float = DAYS) -> dict[str, Any]:
    """A bundled scenario's resolved fields, for a test to reshape."""
    return resolve(path, days=days).model_dump(mode="json", by_alias=True, exclude={"sensitivity", "beliefs"})


def run(raw: dict[str, Any], designs: list[str] | None = None) -> RunResult:
    return simulate(validate(copy.deepcopy(raw), source="test"), designs)


def same_ledgers(a: RunResult, b: RunResult, name_a: str, name_b: str | None = None) -> bool:
    x, y = a.production[name_a].ledger, b.production[name_b or name_a].ledger
    return (
        np.array_equal(x.fate, y.fate)
        and np.array_equal(x.value, y.value)
        and np.array_equal(x.end, y.end, equal_nan=True)
    )


def share(result: RunResult, design: str, fate: str) -> float:
    return result.design_summary(design)["production"]["fates"][fate]


ids = {"ids": lambda p: p.stem}


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_identical_levers_give_bit_identical_results(path):
    raw = bundled(path)
    first = next(iter(raw["designs"]))
    raw["designs"]["twin"] = copy.deepcopy(raw["designs"][first])
    raw.pop("workshop", None)  # lever prices are checked against every design, and the twin has none of its own
    result = run(raw)
    assert same_ledgers(result, result, first, "twin")
    mine, twin = result.design_summary(first), result.design_summary("twin")
    assert mine["money"] == twin["money"] and mine["erosion"] == twin["erosion"] and mine["stall"] == twin["stall"]


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_without_approvals_nothing_is_caught_or_rejected(path):
    raw = bundled(path)
    approving = [name for name, d in raw["designs"].items() if d["approval"]["policy"] != "none"]
    if not approving:
        pytest.skip(f"{path.stem}: no design approves")
    for name in approving:
        raw["designs"][name]["approval"] = {"policy": "none"}
    result = run(raw, approving)
    for name in approving:
        assert share(result, name, "caught") == share(result, name, "rejected") == 0.0
        assert result.design_summary(name)["production"]["prevented_loss_per_year"] == 0.0


def test_an_approval_that_detects_catches_wrong_outputs_and_blocks_right_ones():
    """The cause present: claims-triage's redesign approves valuable and uncertain claims, with a catch rate above
    its rejection rate; its approvals stop wrong outputs (a prevented loss) and block a few right ones."""
    result = run(bundled(SCENARIOS / "claims-triage.yaml"), ["redesigned"])
    assert share(result, "redesigned", "caught") > share(result, "redesigned", "rejected") > 0.0
    assert result.design_summary("redesigned")["production"]["prevented_loss_per_year"] > 0.0


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_zero_costs_make_the_npv_the_discounted_value(path):
    raw = bundled(path)
    for team in raw["production"]["teams"].values():
        team["cost_per_staff_year"] = 0.0
    for design in raw["designs"].values():
        design["costs"] = {}
        if design.get("monitoring"):
            design["monitoring"]["cost_per_year"] = 0.0
    result = run(raw)
    delta = math.log1p(result.scenario.run.discount_rate) / 365.0
    for name in result.designs:
        ledger = result.production[name].ledger
        done = np.isfinite(ledger.end)
        discounted = float(np.sum(ledger.value[done] * np.exp(-delta * ledger.end[done])))
        money = result.design_summary(name)["money"]
        assert money["npv"] == pytest.approx(discounted, rel=1e-12, abs=1e-9)
        assert money["spends"] is False and money["payback_day"] is None  # nothing to pay back
        assert result.design_summary(name)["costs"]["annualised_total"] == 0.0


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_a_team_with_ample_staff_makes_no_one_wait(path):
    """(Go-live training takes every person off the floor at once, however many there are: a wait that is the
    training's, not the queue's, so it is switched off here.)"""
    raw = bundled(path)
    for team in raw["production"]["teams"].values():
        team["staff"] = 3000
    for design in raw["designs"].values():
        if design.get("go_live"):
            design["go_live"]["training_hours"] = 0
    result = run(raw)
    for name in result.designs:
        for team in result.production[name].teams:
            assert team.mean_wait_days == 0.0, (name, team.team)


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_without_hard_cases_the_hard_case_accuracy_changes_nothing(path):
    raw = bundled(path)
    raw["workload"]["hard_case_share"] = 0.0
    low, high = copy.deepcopy(raw), copy.deepcopy(raw)
    low["production"]["hard_case_accuracy"] = 0.3
    high["production"]["hard_case_accuracy"] = 0.99
    a, b = run(low), run(high)
    for name in a.designs:
        assert same_ledgers(a, b, name)
    assert a.pilot.ledger.value.tolist() == b.pilot.ledger.value.tolist()


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_a_go_live_that_asks_nothing_is_no_go_live(path):
    """A learning curve that starts at the steady state, no training and no parallel run: the steady-state service
    times from day 0, exactly as without the lever."""
    raw = bundled(path)
    live = [name for name, d in raw["designs"].items() if d.get("go_live")]
    if not live:
        pytest.skip(f"{path.stem}: no design goes live with a learning curve")
    inert = copy.deepcopy(raw)
    for name in live:
        inert["designs"][name]["go_live"] = {"initial_time_factor": 1.0, "training_hours": 0, "parallel_run_days": 0}
        raw["designs"][name]["go_live"] = None
    a, b = run(raw, live), run(inert, live)
    for name in live:
        assert same_ledgers(a, b, name)


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_todays_process_adds_nothing_and_costs_nothing(path):
    result = simulate(resolve(path, days=DAYS), [TODAY])
    summary = result.design_summary(TODAY)
    assert summary["production"]["value_per_case"] == 0.0 and summary["production"]["value_per_year"] == 0.0
    assert summary["costs"]["annualised_total"] == 0.0 and summary["net_value_per_year"] == 0.0
    assert summary["money"]["npv"] == 0.0 and summary["money"]["net_value"] == 0.0
    assert summary["money"]["payback_day"] is None and summary["money"]["time_to_value_days"] is None
    assert summary["retention"] == 0.0 and summary["stall"]["verdict"] == "not_scaled"
    assert share(result, TODAY, "not_scaled") == 1.0 and result.production[TODAY].teams == []
    # the erosion still adds up exactly: all of the pilot's value is "not scaled"
    assert summary["erosion"]["not_scaled"] == pytest.approx(summary["pilot"]["value_per_case"], rel=1e-12)


def test_a_design_that_changes_nothing_of_todays_work_adds_nothing():
    """A zero-cost design whose output nobody picks up is today's process in all but name."""
    result = simulate(
        tiny(
            "designs.plain.integration_point=side_channel",
            "designs.plain.side_channel={every_days: 1, pickup_probability: 0}",
        )
    )
    money = result.design_summary("plain")["money"]
    assert result.design_summary("plain")["production"]["value_per_case"] == 0.0
    assert money["npv"] == 0.0 and money["payback_day"] is None and not money["spends"]


# --------------------------------------------------------------------------- one cause at a time, on every scenario

Edit = Callable[[dict[str, Any]], None]


def _production(**fields: Any) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        raw["production"].update(fields)

    return edit


def _dynamics(section: str, **fields: Any) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        raw["production"].setdefault("dynamics", {}).setdefault(section, {}).update(fields)

    return edit


def _no_losses(raw: dict[str, Any]) -> None:
    for route in [raw["production"]["handoffs"], *(d["handoffs"] or [] for d in raw["designs"].values())]:
        for step in route:
            step["loss_probability"] = 0.0


def _always_picked_up(raw: dict[str, Any]) -> None:
    for design in raw["designs"].values():
        if design.get("side_channel"):
            design["side_channel"]["pickup_probability"] = 1.0


def _no_decay(raw: dict[str, Any]) -> None:
    raw["value"]["decay"] = {"kind": "none"}


def _fates_absent(*fates: str) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        for name in result.designs:
            for fate in fates:
                assert share(result, name, fate) == 0.0, (name, fate)

    return check


def _no_delay_erosion(result: RunResult) -> None:
    for name in result.designs:
        assert result.design_summary(name)["erosion"]["delay"] == 0.0, name


CAUSES: dict[str, tuple[Edit, Callable[[RunResult], None]]] = {
    "every input present: nothing unscored": (_production(data_quality=1.0), _fates_absent("no_score")),
    "no edge cases: no exception": (_production(exception_rate=0.0), _fates_absent("exception")),
    "no handoff drops work: nothing lost in a handoff": (_no_losses, _fates_absent("lost_in_handoff")),
    "a side channel everyone reads: nothing orphaned": (_always_picked_up, _fates_absent("orphaned")),
    "no roll-out ramp: every case routed": (_dynamics("rollout", days=0), _fates_absent("not_routed")),
    "no commitment threshold: no reversion": (
        _dynamics("reversion", commitment_threshold=0.0),
        _fates_absent("reverted"),
    ),
    "no cost of delay: no delay erosion": (_no_decay, _no_delay_erosion),
}


@pytest.mark.parametrize("cause", CAUSES)
@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_a_cause_absent_leaves_its_fate_or_erosion_exactly_zero(path, cause):
    edit, check = CAUSES[cause]
    raw = bundled(path)
    edit(raw)
    check(run(raw))


# --------------------------------------------------------------------------- dynamics, over stall-demo's year


@pytest.fixture(scope="module")
def stall_demo_year() -> dict[str, Any]:
    return bundled(SCENARIOS / "stall-demo.yaml", days=364)


def test_without_drift_monitoring_never_retrains_in_stall_demo(stall_demo_year):
    """The canonical artefact this fixes: with hard cases, the check compared all scored cases with the accuracy on
    ordinary ones, read 0.2 x 0.18 = 0.036 > 0.03 every month and retrained at every check."""
    raw = copy.deepcopy(stall_demo_year)
    raw["production"]["dynamics"]["drift"]["per_year"] = 0.0
    result = run(raw, ["monitoring_only", "redesigned"])
    for name in ("monitoring_only", "redesigned"):
        watch = result.design_summary(name)["monitoring"]
        events = result.production[name].trace.event_table()
        checks = events[events["event"] == "check"]
        assert watch["checks"] == len(checks) >= 5 and watch["retrains"] == 0, name  # (no checks after a reversion)
        assert watch["false_alarm_per_check"] * watch["checks"] < 0.01  # the check's own false alarms: rare
        assert (checks["expected"] < result.scenario.production.accuracy).all()  # hard cases expected lower
        assert np.all(np.abs(checks["value"] - checks["expected"]) < 0.03)


def test_with_drift_monitoring_retrains_and_restores_accuracy(stall_demo_year):
    """The cause present (25 % a year): checks read the drop and retrain; without monitoring nothing restores it."""
    result = run(stall_demo_year, ["bolt_on", "monitoring_only"])
    assert result.design_summary("monitoring_only")["monitoring"]["retrains"] >= 2
    assert result.design_summary("bolt_on")["monitoring"] is None
    watched = result.production["monitoring_only"].trace.daily()["accuracy"].to_numpy()
    unwatched = result.production["bolt_on"].trace.daily()["accuracy"].to_numpy()
    assert watched.mean() > unwatched.mean() + 0.02
    assert np.all(np.diff(unwatched) <= 1e-15)  # without a retrain, accuracy only falls


def test_monitoring_false_alarms_happen_at_the_stated_rate():
    """No drift, hard cases, a daily check of about 400 outputs and a threshold of one standard deviation of the
    share right: the stated false-alarm probability (0.16) is what 364 checks measure."""
    base = (
        "workload.arrival_rate=400",
        "workload.hard_case_share=0.3",
        "production.accuracy=0.9",
        "production.hard_case_accuracy=0.6",
        "run.horizon_days=365",
        "production.dynamics.drift={per_year: 0.0, retraining_days: 0.25}",
    )
    scenario = tiny(*base)
    sd = math.sqrt(outcome_variance(scenario, scenario.production) / 400)
    result = simulate(tiny(*base, f"designs.plain.monitoring={{every_days: 1, threshold: {sd}}}"))
    watch = result.design_summary("plain")["monitoring"]
    assert watch["false_alarm_per_check"] == pytest.approx(false_alarm_probability(sd**2 * 400, 400, sd), rel=1e-9)
    assert watch["false_alarm_per_check"] == pytest.approx(0.1587, abs=1e-3)
    expected = watch["false_alarm_per_check"] * watch["checks"]
    assert abs(watch["retrains"] - expected) < 4 * math.sqrt(expected)  # binomial, 4 standard deviations


def test_complaints_count_from_the_end_of_the_last_retrain():
    """A threshold below the normal volume of visible errors: after each retrain, the next needs as many new
    complaints as the first did, instead of the errors seen while retraining setting it off at once."""
    scenario = tiny(
        "run.horizon_days=200",
        "production.accuracy=0.6",
        "production.dynamics.drift={per_year: 0.0, retraining_days: 10, complaints_to_retrain: 30, "
        "complaint_window_days: 30}",
        "production.dynamics.visibility={errors: 0.5, delay_days: 0}",
    )
    events = simulate(scenario).production["plain"].trace.event_table()
    ends = events[events["event"] == "retrain_end"]["day"].to_numpy()
    complaints = events[events["event"] == "complaints"]["day"].to_numpy()
    errors_per_day = 20 * 0.4 * 0.5  # cases a day x wrong share x visible share
    assert len(complaints) >= 3
    for end in ends:
        later = complaints[complaints > end]
        if len(later):  # 30 new complaints take about 7.5 days at 4 a day
            assert later[0] - end > 0.5 * 30 / errors_per_day


def test_validate_warns_when_normal_operation_alone_sets_complaints_off():
    from scalesim.ops.check import complaint_loops

    quiet = tiny("production.accuracy=0.6", "production.dynamics.drift={complaints_to_retrain: 1000}")
    loud = tiny("production.accuracy=0.6", "production.dynamics.drift={complaints_to_retrain: 30}")
    assert complaint_loops(quiet) == []
    (warning,) = complaint_loops(loud)
    assert "complaints_to_retrain 30" in warning and "plain" in warning and "back to back" in warning


@pytest.mark.parametrize("path", OPERATIONS, **ids)
def test_without_visible_errors_trust_never_falls(path):
    raw = bundled(path)
    if raw["production"]["dynamics"]["trust"] is None:
        pytest.skip(f"{path.stem}: no trust dynamics")
    raw["production"]["dynamics"]["visibility"]["errors"] = 0.0
    result = run(raw)
    for name in result.designs:
        trust = result.production[name].trace.daily()["trust"].to_numpy()
        assert np.all(trust == 1.0), name


def test_with_visible_errors_trust_falls_and_without_drift_accuracy_holds(stall_demo_year):
    raw = copy.deepcopy(stall_demo_year)
    raw["production"]["dynamics"]["drift"]["per_year"] = 0.0
    result = run(raw, ["bolt_on"])
    daily = result.production["bolt_on"].trace.daily()
    assert daily["trust"].iloc[-1] < 0.9  # errors are seen: trust falls
    assert daily["accuracy"].eq(result.scenario.production.accuracy).all()  # no drift: accuracy never moves


def test_without_trust_dynamics_adoption_stays_at_its_base():
    result = simulate(tiny("production.adoption={with_owner: 0.7, without_owner: 0.5}", "production.accuracy=0.6"))
    assert result.production["plain"].trace.daily()["adoption"].eq(0.7).all()


def test_without_a_fix_accountability_never_raises_accuracy():
    trust = "production.dynamics.trust={fall_per_day: 0.05, recovery_per_day: 0.01}"
    off = simulate(
        tiny(trust, "production.accuracy=0.6", "designs.plain.accountability={fix_probability: 0, review_hours: 0}")
    )
    on = simulate(
        tiny(trust, "production.accuracy=0.6", "designs.plain.accountability={fix_probability: 1, review_hours: 0}")
    )
    assert off.production["plain"].trace.daily()["accuracy"].eq(0.6).all()
    assert on.production["plain"].trace.daily()["accuracy"].iloc[-1] > 0.6


@pytest.mark.slow
def test_trust_onset_does_not_depend_on_volume():
    """stall-demo's monitoring_only at 40 and at 160 cases a day (every team four times the staff): mean trust over
    weeks 5-12 within 0.03 over 5 replications, and trust moves from the first day at both volumes (before, the
    first outcome came at day 42 at low volume and trust stayed exactly 1 until then)."""
    from scalesim.experiment.tasks import replication_seed

    def onset(rate: int, k: int) -> tuple[float, float]:
        scenario: Scenario = resolve(
            SCENARIOS / "stall-demo.yaml",
            overrides=[
                f"workload.arrival_rate={rate}",
                f"production.teams.retention_team.staff={10 * k}",
                f"production.teams.analytics.staff={2 * k}",
                f"pilot.teams.pilot_callers.staff={12 * k}",
            ],
        )
        means, frozen = [], []
        for r in range(5):
            result = simulate(scenario, ["monitoring_only"], replication_seed(scenario.run.seed, r))
            weekly = result.weekly_table()
            means.append(weekly[(weekly["week"] >= 5) & (weekly["week"] <= 12)]["trust"].mean())
            daily = result.production["monitoring_only"].trace.daily()
            frozen.append(float((daily["trust"] == 1.0).sum()))
        return float(np.mean(means)), max(frozen)

    low, low_frozen = onset(40, 1)
    high, high_frozen = onset(160, 4)
    assert abs(low - high) < 0.03
    assert low_frozen <= 1 and high_frozen <= 1  # only day 0, before the first daily step


def test_a_design_that_loses_money_says_so_in_its_verdict():
    result = simulate(
        resolve(SCENARIOS / "claims-triage.yaml", days=120, overrides=["designs.redesigned.costs.one_off=5000000"]),
        ["redesigned"],
    )
    stall = result.design_summary("redesigned")["stall"]
    assert stall["pays"] is False and stall["money"].startswith(("loses money", "does not pay"))
    assert "NPV -" in stall["money"]


def test_time_to_value_never_comes_after_arrivals_stop():
    """A running cost the value never covers: before, time to value was day 392 of a 365-day run (the drain's value
    against no running costs); now it is "never while live"."""
    result = simulate(
        resolve(SCENARIOS / "claims-triage.yaml", overrides=["designs.redesigned.costs.recurring_per_year=2000000"]),
        ["redesigned"],
    )
    money = result.design_summary("redesigned")["money"]
    assert money["time_to_value_days"] is None and money["payback_day"] is None


def test_a_positive_caught_is_explained_and_prevented_loss_is_not_value():
    result = simulate(
        resolve(
            SCENARIOS / "claims-triage.yaml",
            days=DAYS,
            overrides=["production.accuracy=0.80", "production.hard_case_accuracy=0.65"],
        ),
        ["redesigned"],
    )
    summary = result.design_summary("redesigned")
    assert summary["erosion"]["caught"] > 0 and "the approval prevented a wrong action" in summary["erosion_note"]
    caught = result.production["redesigned"].ledger.fate == CaseFate.CAUGHT
    assert caught.any() and np.all(result.production["redesigned"].ledger.value[caught] == 0.0)
