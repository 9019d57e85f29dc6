"""The route as a process graph: loops with the counts a log shows, choices, ends, a rota of people at work, and a
calibration from a log that recovers the graph that made it."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scalesim.errors import ScenarioError
from scalesim.evidence.calibrate import calibrate
from scalesim.ops.calendar import WeekCalendar, WorkCalendar
from scalesim.ops.route import profile
from scalesim.ops.run import simulate
from scalesim.scenario.load import validate
from scalesim.scenario.schema import Calendar

from conftest import ALWAYS_OPEN, BASE, tiny

CALLBACKS = {
    "start": {"intake": 1.0},
    "steps": {
        "intake": {"team": "desk", "next": [{"callback": 0.5, "decide": 0.5}]},
        "callback": {
            "team": "desk",
            "activity": "call the client back",
            "delay_hours": 2,
            "next": [{"callback": 0.3, "decide": 0.7}, {"decide": 1.0}],
        },
        "decide": {"team": "approvers", "next": [{"end": 0.9, "lost": 0.1}]},
    },
}
"""0, 1 or 2 call-backs with shares 0.5, 0.35 and 0.15: no first-order chain gives these (a loop that may turn
once but never three times)."""


def graph(process: dict | None = None, *overrides: str, **replace: object):
    raw = copy.deepcopy(BASE)
    raw["production"]["handoffs"] = []
    raw["production"]["process"] = copy.deepcopy(process or CALLBACKS)
    raw.update(copy.deepcopy(replace))
    from scalesim.scenario.load import apply_override

    for item in overrides:
        apply_override(raw, item)
    return validate(raw, source="graph")


def production_events(scenario) -> pd.DataFrame:
    table = simulate(scenario, event_log=True).event_log_table()
    return table[(table["environment"] == "production") & (table["case_id"] >= 0)]


def test_a_graph_reproduces_a_loop_count_distribution_a_chain_cannot():
    """Visit-conditioned choices: the call-back counts come out as the rows say, within sampling error."""
    events = production_events(graph(None, "run.horizon_days=200"))
    entered = events.loc[events["activity"] == "intake", "case_id"].unique()
    calls = events[events["activity"] == "call the client back"].groupby("case_id").size()
    counts = np.bincount(calls.reindex(entered, fill_value=0), minlength=3)
    assert len(counts) == 3, "a case is never called back a third time"
    shares = counts / counts.sum()
    n = counts.sum()
    for observed, expected in zip(shares, (0.5, 0.35, 0.15), strict=True):
        assert observed == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / n))


def test_the_expected_visits_match_the_walks_and_ends_are_counted():
    seen = profile(graph().production.process)
    assert seen.visits["callback"] == pytest.approx(0.35 + 2 * 0.15, abs=0.02)
    assert seen.visits["intake"] == seen.visits["decide"] == 1.0
    assert seen.lost == pytest.approx(0.1, abs=0.01)


def test_lost_cases_realize_nothing_and_ended_cases_are_acted_on():
    run = simulate(graph(None, "run.horizon_days=120"))
    fates = run.production["plain"].ledger.fate
    from scalesim.ops.ledger import CaseFate

    lost = float(np.mean(fates == CaseFate.LOST_IN_HANDOFF))
    assert lost == pytest.approx(0.1, abs=0.02)
    assert np.mean(fates == CaseFate.REALIZED) == pytest.approx(0.9, abs=0.02)


def test_a_linear_route_written_as_a_graph_does_the_same_work():
    """The simplest graph (one step, then end) loads its team as the one-step route does."""
    line = tiny("run.horizon_days=40")
    one = graph(
        {"start": {"desk": 1.0}, "steps": {"desk": {"team": "desk", "next": [{"end": 1.0}]}}}, "run.horizon_days=40"
    )
    a, b = simulate(line).production["plain"], simulate(one).production["plain"]
    assert [t.served for t in a.teams if t.team == "desk"] == [t.served for t in b.teams if t.team == "desk"]
    assert a.ledger.value.sum() == pytest.approx(b.ledger.value.sum())


@pytest.mark.parametrize(
    ("process", "expected"),
    [
        ({"start": {"a": 1.0}, "steps": {"a": {"team": "desk", "next": [{"b": 1.0}]}}}, "unknown step 'b'"),
        (
            {"start": {"a": 1.0}, "steps": {"a": {"team": "desk", "next": [{"end": 0.7}]}}},
            "sum to 0.7, not 1",
        ),
        (
            {
                "start": {"a": 1.0},
                "steps": {"a": {"team": "desk", "next": [{"end": 1}]}, "b": {"team": "desk", "next": [{"end": 1}]}},
            },
            "steps.b: no case can reach this step",
        ),
        (
            {
                "start": {"a": 1.0},
                "steps": {
                    "a": {"team": "desk", "next": [{"end": 0.5, "b": 0.5}]},
                    "b": {"team": "desk", "next": [{"b": 1}]},
                },
            },
            "steps.b: a loop no case can leave",
        ),
        ({"start": {"a": 1.0}, "steps": {"a": {"team": "nobody", "next": [{"end": 1}]}}}, "unknown team 'nobody'"),
    ],
)
def test_a_graph_cases_cannot_go_through_is_refused_with_the_step_named(process, expected):
    with pytest.raises(ScenarioError, match=expected):
        graph(process)


def test_a_route_is_handoffs_or_a_process_not_both_nor_neither():
    raw = copy.deepcopy(BASE)
    raw["production"]["process"] = copy.deepcopy(CALLBACKS)
    with pytest.raises(ScenarioError, match="not both"):
        validate(raw, source="both")
    raw["production"]["handoffs"] = []
    del raw["production"]["process"]
    with pytest.raises(ScenarioError, match="one of them"):
        validate(raw, source="neither")


def test_a_rota_of_everyone_at_work_every_hour_is_a_team_always_at_work():
    """Null effect: a rota that never changes who is at work gives exactly the results of a 24/7 calendar."""
    always = tiny("run.horizon_days=30", "production.teams.desk.staff=2", "production.teams.desk.service_hours=1.5")
    rota = copy.deepcopy(BASE)
    rota["production"]["teams"]["desk"] = {"staff": 2, "service_hours": 1.5, "rota": [2.0] * 168}
    rota["run"]["horizon_days"] = 30
    a = simulate(always).production["plain"]
    b = simulate(validate(rota, source="rota")).production["plain"]
    assert np.array_equal(a.ledger.end, b.ledger.end)
    assert np.array_equal(a.ledger.value, b.ledger.value)


def test_a_rota_starts_work_only_while_people_are_at_work():
    """Cause present: nobody at work at night, so no piece of work starts at night (a piece begun runs on)."""
    raw = copy.deepcopy(BASE)
    day = [0.0] * 9 + [3.0] * 8 + [0.0] * 7
    raw["production"]["teams"]["desk"] = {"staff": 3, "service_hours": 0.5, "rota": day * 7}
    raw["run"]["horizon_days"] = 14
    events = production_events(validate(raw, source="rota"))
    hours = events.loc[events["team"] == "desk", "start_time"].dt.hour
    assert len(hours) and hours.between(9, 16).all()


def test_a_rota_is_refused_beyond_the_staff_and_beside_a_calendar():
    raw = copy.deepcopy(BASE)
    raw["production"]["teams"]["desk"] = {"staff": 2, "service_hours": 1, "rota": [3.0] * 168}
    with pytest.raises(ScenarioError, match="more than the team's staff"):
        validate(raw, source="rota")
    raw["production"]["teams"]["desk"] = {"staff": 2, "service_hours": 1, "rota": [1.0] * 168, "calendar": ALWAYS_OPEN}
    with pytest.raises(ScenarioError, match="not both"):
        validate(raw, source="rota")


def test_calibration_recovers_the_graph_that_made_the_log(tmp_path):
    """Round trip: a graph scenario's event log calibrates to the same steps, shares and call-back counts."""
    scenario = graph(None, "run.horizon_days=120", "run.drain_days=20", "workload.arrival_rate=40")
    events = production_events(scenario)
    log = tmp_path / "graph.csv"
    events.drop(columns=["environment", "design"]).to_csv(log, index=False)
    found = calibrate(log).found.process
    names = {step.activity: name for name, step in found.steps.items()}
    assert set(names) == {"intake", "call the client back", "decide"}
    intake = found.steps[names["intake"]]
    assert intake.rows[0][names["call the client back"]] == pytest.approx(0.5, abs=0.03)
    callback = found.steps[names["call the client back"]]
    assert len(callback.rows) == 2, "a row for the first call-back and one for later ones"
    assert callback.rows[0][names["decide"]] == pytest.approx(0.7, abs=0.04)
    assert callback.rows[1][names["decide"]] == pytest.approx(1.0, abs=0.01)
    counts = found.visits_per_case[names["call the client back"]]
    assert set(counts) == {1, 2}
    assert counts[2] / (counts[1] + counts[2]) == pytest.approx(0.3, abs=0.05)


@given(
    st.integers(0, 16),
    st.integers(1, 8),
    st.integers(1, 7),
    st.floats(0, 30, allow_nan=False),
    st.floats(0, 200, allow_nan=False),
)
@example(0, 8, 1, 1 / 3, 0.0)  # the closing instant of the shift (8 h as days, to rounding): open in both
@example(0, 8, 1, 1 / 3, 1.0)
@settings(max_examples=200, deadline=None)
def test_a_week_calendar_of_a_shift_is_that_shift(start, length, days, now, hours):
    """The rota's calendar (hours of the week anybody works) agrees with the shift calendar on the same hours."""
    shift = WorkCalendar(Calendar(start_hour=start, hours_per_day=length, days_per_week=days))
    mask = [(h // 24) < days and start <= h % 24 < start + length for h in range(168)]
    week = WeekCalendar(mask)
    assert week.finish(now, hours) == pytest.approx(shift.finish(now, hours), abs=1e-9)
    assert week.open_hours(now, now + hours / 10) == pytest.approx(shift.open_hours(now, now + hours / 10), abs=1e-9)
    assert week.next_open(np.array([now]))[0] == pytest.approx(shift.next_open(np.array([now]))[0], abs=1e-9)


def test_a_design_that_removes_a_step_sends_no_work_to_its_team():
    """A design's own process replaces the environment's: without the call-back step, nobody is called back."""
    shorter = {
        "start": {"intake": 1.0},
        "steps": {
            "intake": {"team": "desk", "next": [{"decide": 1.0}]},
            "decide": {"team": "approvers", "next": [{"end": 0.9, "lost": 0.1}]},
        },
    }
    scenario = graph(None, "run.horizon_days=40", designs={"plain": {}, "direct": {"process": shorter}})
    table = simulate(scenario, event_log=True).event_log_table()
    table = table[(table["environment"] == "production") & (table["case_id"] >= 0)]
    calls = table[table["activity"] == "call the client back"].groupby("design", observed=True).size()
    assert calls.get("plain", 0) > 0 and calls.get("direct", 0) == 0


def test_a_step_shared_with_no_share_is_the_step_alone_and_a_share_moves_that_much_work():
    """Null effect: another team with a share of 0 changes nothing; with 0.5 it works about half the visits."""

    def shared(share: float) -> dict:
        process = copy.deepcopy(CALLBACKS)
        process["steps"]["decide"]["shared"] = {"triage": share}
        return process

    alone = simulate(graph(None, "run.horizon_days=40")).production["plain"]
    none = simulate(graph(shared(0.0), "run.horizon_days=40")).production["plain"]
    assert np.array_equal(alone.ledger.end, none.ledger.end) and np.array_equal(alone.ledger.value, none.ledger.value)
    half = simulate(graph(shared(0.5), "run.horizon_days=40")).production["plain"]
    served = {t.team: t.served for t in half.teams}
    assert served["triage"] / (served["triage"] + served["approvers"]) == pytest.approx(0.5, abs=0.03)
