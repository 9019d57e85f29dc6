"""Time dynamics and the stall verdict: each mechanism moves the run the way the literature says it should."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import simpy

import scalesim
from scalesim.cli import main
from scalesim.ops import CaseFate, simulate
from scalesim.ops.cases import Cases
from scalesim.ops.dynamics import Dynamics, OperatingState, rollout_share
from scalesim.ops.stall import backlog_start, held_to_end
from scalesim.ops.streams import Streams
from scalesim.ops.teams import Station

from conftest import SCENARIOS, tiny

DRIFT = ("production.dynamics.drift={per_year: 0.5, retraining_days: 5}", "production.accuracy=0.9")


def events(*overrides: str) -> pd.DataFrame:
    """The dated events (checks, retraining, complaints, reversion) of the tiny scenario's production run."""
    return simulate(tiny(*overrides)).production["plain"].trace.event_table()


def daily_accuracy(result, design: str = "plain") -> np.ndarray:
    return result.production[design].trace.daily()["accuracy"].to_numpy()


def test_drift_without_monitoring_follows_the_stated_yearly_loss():
    result = simulate(tiny(*DRIFT, "run.horizon_days=365"))
    daily = result.production["plain"].trace.daily()
    at_year = daily.loc[daily["day"] == 365, "accuracy"].item()
    assert at_year == pytest.approx(0.9 * 0.5, rel=1e-9)
    assert result.pilot.trace.daily()["accuracy"].eq(1.0).all()  # no drift in the pilot unless set


def test_more_frequent_monitoring_keeps_mean_accuracy_higher():
    def mean_accuracy(every: int) -> float:
        scenario = tiny(
            *DRIFT, "run.horizon_days=365", f"designs.plain.monitoring={{every_days: {every}, threshold: 0.02}}"
        )
        return float(daily_accuracy(simulate(scenario)).mean())

    frequent, rare = mean_accuracy(10), mean_accuracy(90)
    never = float(daily_accuracy(simulate(tiny(*DRIFT, "run.horizon_days=365"))).mean())
    assert frequent > rare + 0.02 > never + 0.04


def test_monitoring_check_detects_a_drop_and_retraining_restores_accuracy():
    scenario = tiny(*DRIFT, "run.horizon_days=200", "designs.plain.monitoring={every_days: 30, threshold: 0.02}")
    table = simulate(scenario).production["plain"].trace.event_table()
    starts = table[table["event"] == "retrain_start"]
    ends = table[table["event"] == "retrain_end"]
    assert len(starts) >= 3 and len(ends) >= 3
    assert np.allclose(ends["day"].to_numpy()[:3] - starts["day"].to_numpy()[:3], 5.0)
    assert np.allclose(ends["value"], 0.9)


def test_complaints_force_a_retrain_without_monitoring():
    base = (*DRIFT, "run.horizon_days=200", "production.accuracy=0.6", "production.hard_case_accuracy=0.6")
    quiet = events(*base)
    loud = events(
        *base,
        "production.dynamics.drift={per_year: 0.5, retraining_days: 5, "
        "complaints_to_retrain: 20, complaint_window_days: 7}",
    )
    assert quiet.empty
    assert (loud["event"] == "complaints").sum() >= 1 and (loud["event"] == "retrain_end").sum() >= 1


def make_dynamics(*overrides: str) -> tuple[simpy.Environment, Dynamics]:
    scenario = tiny(*overrides)
    env = simpy.Environment()
    stations = {n: Station(env, n, t) for n, t in scenario.production.teams.items()}
    state = OperatingState(accuracy=0.9, hard_accuracy=0.9, adoption=0.8)
    design = scenario.designs["plain"]
    return env, Dynamics(env, scenario.production, design, state, stations, Cases(scenario, Streams(1)), 0.95)


def test_accountability_keeps_trust_higher_after_the_same_errors():
    trust = "production.dynamics.trust={fall_per_day: 0.05, recovery_per_day: 0.0, accountable_loss_factor: 0.4}"
    _, plain = make_dynamics(trust)
    _, owned = make_dynamics(trust, "designs.plain.accountability={review_hours: 0, fix_probability: 0}")
    for _ in range(10):
        plain._visible_error(None)
        owned._visible_error(None)
    plain._update_trust()
    owned._update_trust()
    # every outcome seen was an error: one day costs fall_per_day of trust (x 0.4 with an owner)
    assert plain.state.trust == pytest.approx(1 - 0.05)
    assert owned.state.trust == pytest.approx(1 - 0.05 * 0.4)
    assert owned.state.adoption == pytest.approx(0.8 * owned.state.trust)


def test_trust_follows_the_error_share_not_the_count():
    trust = "production.dynamics.trust={fall_per_day: 0.5, recovery_per_day: 0.1, memory_days: 1000}"
    _, few = make_dynamics(trust)
    _, many = make_dynamics(trust)
    few._visible_error(None)
    few._visible_success(None)
    for _ in range(40):
        many._visible_error(None)
        many._visible_success(None)
    few._update_trust()
    many._update_trust()
    # half the outcomes were errors: trust 1 loses 0.5 x 0.5 x 1; nothing to regain yet
    assert few.state.trust == many.state.trust == pytest.approx(1 - 0.25)
    few._update_trust()  # the same remembered share keeps acting on the next day
    assert few.state.trust == pytest.approx(0.75 - 0.25 * 0.75 + 0.1 * 0.5 * 0.25)


def test_trust_may_not_recover_faster_than_it_falls():
    with pytest.raises(Exception, match="algorithm aversion"):
        make_dynamics("production.dynamics.trust={fall_per_day: 0.01, recovery_per_day: 0.02}")


def test_reviews_fix_root_causes_toward_the_pilot_accuracy():
    env, dyn = make_dynamics(
        "designs.plain.accountability={team: desk, review_hours: 1, fix_probability: 1, fix_gain: 0.5}",
        "production.accuracy=0.8",
    )
    dyn._visible_error(None)
    env.run(until=1)
    # the gap to the pilot's accuracy (0.95 here) halves after one fixed root cause
    assert dyn.state.accuracy == pytest.approx(0.8 + 0.5 * (0.95 - 0.8))


def test_reversion_happens_only_after_adoption_stays_under_the_threshold_for_the_period():
    low = ("production.adoption={with_owner: 0.2, without_owner: 0.2}", "run.horizon_days=120")
    reverted = simulate(tiny(*low, "production.dynamics.reversion={commitment_threshold: 0.3, sustained_days: 30}"))
    table = reverted.production["plain"].trace.event_table()
    assert table.loc[table["event"] == "reverted", "day"].tolist() == [30.0]
    ledger = reverted.production["plain"].ledger
    arrival = reverted.cases.arrival
    assert np.all(ledger.fate[arrival > 30.01] == CaseFate.REVERTED)
    assert not np.any(ledger.fate[arrival < 29.9] == CaseFate.REVERTED)
    # shorter than the period, or adoption above the threshold: no reversion
    patient = simulate(tiny(*low, "production.dynamics.reversion={commitment_threshold: 0.3, sustained_days: 200}"))
    assert patient.production["plain"].trace.event_table().empty
    content = simulate(tiny(*low, "production.dynamics.reversion={commitment_threshold: 0.1, sustained_days: 30}"))
    assert content.production["plain"].trace.event_table().empty
    summary = reverted.design_summary("plain")
    assert summary["stall"]["verdict"] == "stalled" and summary["stall"]["reason"] == "reverted"
    assert summary["erosion"]["reverted"] > 0


def test_rollout_ramp_is_an_s_curve_and_routes_few_cases_early():
    assert rollout_share(0, 100) == pytest.approx(0.01)
    assert rollout_share(50, 100) == pytest.approx(0.5)
    assert rollout_share(100, 100) == 1.0 and rollout_share(5, 0) == 1.0
    result = simulate(
        tiny("production.dynamics.rollout={days: 28}", "run.horizon_days=84", "workload.arrival_rate=100")
    )
    ledger, arrival = result.production["plain"].ledger, result.cases.arrival
    not_routed = ledger.fate == CaseFate.NOT_ROUTED
    assert not_routed[arrival < 7].mean() > 0.9
    assert not np.any(not_routed[arrival >= 28])
    # the expected share not routed over the ramp is the area above the S-curve: half of it
    assert not_routed[arrival < 28].mean() == pytest.approx(0.5, abs=0.05)
    assert not np.any(result.pilot.ledger.fate == CaseFate.NOT_ROUTED)


@pytest.mark.parametrize(("hours", "flagged"), [(1.44, True), (0.84, False)])
def test_backlog_verdict_from_the_trend_not_the_size(hours, flagged):
    # 20 cases a day on one person working 24 h: utilisation = 20 * hours / 24 -> 1.2 and 0.7
    scenario = tiny(
        "run.horizon_days=365",
        f"production.teams.desk={{staff: 1, service_hours: {{dist: exponential, mean: {hours}}}, "
        "calendar: {hours_per_day: 24, days_per_week: 7, start_hour: 0}}",
    )
    result = simulate(scenario)
    stall = result.design_summary("plain")["stall"]
    utilisation = result.production["plain"].teams[0].utilisation
    offered = 20 * hours / 24
    assert utilisation == pytest.approx(min(offered, 1.0), abs=0.06)
    assert (stall["reason"] == "backlog") is flagged
    if flagged:
        assert stall["verdict"] == "stalled" and 0 <= stall["day"] < 120 and "desk" in stall["detail"]
    else:
        assert stall["verdict"] == "scaled"


def test_backlog_start_and_held_to_end_on_synthetic_series():
    days = np.arange(200.0)
    rng = np.random.default_rng(0)
    stable = rng.poisson(30, 200).astype(float)
    assert backlog_start(days, stable, per_day=20) is None
    growing = np.concatenate([stable[:100], stable[100:] + 5 * np.arange(100)])
    start = backlog_start(days, growing, per_day=20)
    assert start is not None and 90 <= start <= 110
    assert held_to_end(days, days > 150, 30) == 151.0
    assert held_to_end(days, days > 180, 30) is None  # not long enough
    assert held_to_end(days, (days > 50) & (days < 150), 30) is None  # recovered before the end


def test_capability_trap_a_swamped_team_monitors_late():
    """Checks queue behind the cases at the monitoring team: an overloaded team detects drift later."""
    base = (
        *DRIFT,
        "run.horizon_days=150",
        "designs.plain.monitoring={every_days: 30, threshold: 0.02, team: desk, check_hours: 1}",
    )
    idle = events(*base)
    late = events(
        *base,
        "production.teams.desk={staff: 1, service_hours: 1.6, calendar: "
        "{hours_per_day: 24, days_per_week: 7, start_hour: 0}}",
    )
    first = lambda e: e.loc[e["event"] == "check", "day"].iloc[0]  # noqa: E731
    assert first(idle) == pytest.approx(30.0, abs=0.1)
    assert first(late) > first(idle) + 5


def test_weekly_series_cover_the_run_and_add_up():
    result = scalesim.run(SCENARIOS / "stall-demo.yaml", ["redesigned"], days=56)
    weekly = result.weekly_table()
    assert list(weekly.columns[:6]) == [
        "design",
        "week",
        "arrivals",
        "pilot_value",
        "production_value",
        "realized_in_week",
    ]
    assert weekly["arrivals"].sum() == result.cases.count
    assert weekly["production_value"].sum() == pytest.approx(result.production["redesigned"].ledger.value.sum())
    assert weekly["pilot_value"].sum() == pytest.approx(result.pilot.ledger.value.sum())
    teams = result.weekly_teams_table()
    assert set(teams["team"]) == {"retention_team", "analytics"}
    assert teams["utilisation"].between(0, 1 + 1e-9).all()


@pytest.mark.slow
def test_stall_demo_tells_its_story(tmp_path, capsys):
    """Pilot excellent; bolt_on stalls within a year for a named reason; redesigned survives the year, keeping
    about half of the pilot's value (not all: drift between monthly checks and partial adoption cost the rest);
    one lever delays the stall."""
    code = main(["run", str(SCENARIOS / "stall-demo.yaml"), "--format", "json", "--out", str(tmp_path), "--no-ledger"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    designs = data["designs"]
    assert designs["bolt_on"]["pilot"]["value_per_case"] > 50
    bolt_on, partial, redesigned = (designs[n] for n in ("bolt_on", "monitoring_only", "redesigned"))
    assert bolt_on["stall"]["verdict"] == "stalled" and bolt_on["stall"]["reason"] in {"reverted", "trust_collapse"}
    assert 0 < bolt_on["stall"]["day"] < 365
    assert redesigned["stall"]["verdict"] in {"scaled", "eroded"} and redesigned["stall"]["reason"] is None
    assert redesigned["retention"] > max(0.4, 5 * bolt_on["retention"])
    # monitoring alone does not hold the room: it stalls later than bolt_on, if at all
    assert partial["stall"]["verdict"] in {"eroded", "scaled"} or partial["stall"]["day"] > bolt_on["stall"]["day"]
    assert bolt_on["retention"] < partial["retention"] < redesigned["retention"]
    (folder,) = (tmp_path / "stall-demo").iterdir()
    weekly = pd.read_csv(folder / "weekly.csv")
    assert set(weekly["design"]) == set(designs) and weekly["week"].max() == 364 // 7 - 1
    for name in ("weekly_teams.csv", "events.csv"):
        assert (folder / name).exists()
