"""The pilot plan (``scalesim plan``): the three questions answered from the scenario, gaps said, files written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from scalesim.cli import main
from scalesim.experiment.plan import changes, daily_decisions, governance, ownership
from scalesim.scenario.load import load_scenario

from conftest import SCENARIOS

CLAIMS = SCENARIOS / "claims-triage.yaml"


def test_the_redesign_names_its_owner_its_integration_point_and_its_approvals() -> None:
    scenario = load_scenario(CLAIMS)
    design = scenario.designs["redesigned"]
    owner = ownership(scenario, design)
    assert owner == {"owner": "the head of claims operations", "acting_team": "adjusters (16 staff)", "gap": None}
    daily = daily_decisions(scenario, design)
    assert daily["integration_point"].startswith("embedded: the output arrives with the case in the adjusters team's")
    assert (
        daily["today"] == "today: cases go intake -> adjusters with no model output; the decision is made as it is now"
    )
    assert daily["gap"] is None and "recovers 50%" in daily["exceptions"]
    rules = governance(scenario, design)
    assert rules["approvals"] == (
        "risk-based: the supervisors team approves cases worth more than 150 EUR and outputs with confidence below 0.5"
    )
    assert rules["gaps"] == ["no monitoring: drift goes unseen until people stop trusting the output"]
    work = changes(scenario, design, "redesigned")
    assert "a new team: triage (4 staff), staffed before go-live" in work
    assert "training: 8 h for each of the 16 people in adjusters (128 h in all)" in work
    assert any(line.startswith("the route changes: today intake -> adjusters") for line in work)


def test_a_design_without_an_owner_says_so_as_a_gap() -> None:
    scenario = load_scenario(CLAIMS)
    design = scenario.designs["bolt_on"]
    owner = ownership(scenario, design)
    assert owner["owner"] == "nobody" and "no process owner" in owner["gap"]
    assert daily_decisions(scenario, design)["gap"] == "exceptions have no defined owner: they bounce and get lost"
    unnamed = scenario.designs["redesigned"].model_copy(update={"owner": ""})
    assert "does not say who" in ownership(scenario, unnamed)["gap"]
    assert len(governance(scenario, design)["gaps"]) == 2  # no monitoring, no accountability


def test_an_owner_without_a_process_owner_is_refused(tmp_path: Path, capsys) -> None:
    text = CLAIMS.read_text().replace(
        "    process_owner: false\n", "    process_owner: false\n    owner: nobody really\n", 1
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    assert main(["validate", str(bad)]) == 2
    assert "owner 'nobody really' is named but process_owner is false" in capsys.readouterr().err


def test_a_design_that_does_not_exist_is_refused_before_anything_runs(tmp_path: Path, capsys) -> None:
    assert main(["plan", str(CLAIMS), "--design", "redesign", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "redesign" in err and "redesigned" in err
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_the_plan_is_written_in_three_formats_with_its_measurements(tmp_path: Path, capsys) -> None:
    args = ["plan", str(CLAIMS), "--design", "redesigned", "--samples", "16", "--days", "90", "--out", str(tmp_path)]
    assert main([*args, "--quiet", "--format", "json", "-j", "2"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["design"] == "redesigned" and plan["ownership"]["owner"] == "the head of claims operations"
    assert [m["input"] for m in plan["measurements"]] == [
        "production.adoption.with_owner",
        "production.accuracy",
        "production.exception_rate",
        "value.uplift.mean",
    ]
    for m in plan["measurements"]:
        assert all(0 <= s["evsi"] <= m["evppi"] for s in m["sizes"])
    assert [g["input"] for g in plan["go_no_go"]] == [m["input"] for m in plan["measurements"]]
    folder = next(tmp_path.glob("claims-triage/decide-*"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"plan.txt", "plan.md", "plan.html"} <= set(manifest["files"])
    page = (folder / "plan.html").read_text()
    assert "Who owns the process" in page and "the head of claims operations" in page
    text = (folder / "plan.txt").read_text()
    assert "4. What the pilot must measure, and on how many cases" in text and "7. Timeline" in text


def test_naming_the_owner_changes_no_number() -> None:
    """The owner is a role's name for the plan: the model never reads it."""
    from scalesim.ops.run import simulate

    named = load_scenario(CLAIMS, ["run.horizon_days=30", "designs.redesigned.owner=someone else entirely"])
    unnamed = load_scenario(CLAIMS, ["run.horizon_days=30", "designs.redesigned.owner="])
    first, second = simulate(named).summary(), simulate(unnamed).summary()
    assert first["designs"]["redesigned"] == second["designs"]["redesigned"]


def test_the_timeline_turns_the_planned_cases_into_days_at_the_arrival_rate() -> None:
    """Issue 40 (beyond): a pilot timeline with a decision week, from the scenario's arrival rate."""
    from scalesim.api import resolve
    from scalesim.experiment.plan import timeline
    from scalesim.report.plan_page import timeline_lines

    scenario = resolve(CLAIMS)
    measured = [
        {"input": "a", "label": "field accuracy", "best_n": 800},
        {"input": "b", "label": "adoption", "best_n": 3000},
        {"input": "c", "label": "not worth it", "best_n": None},
    ]
    line = timeline(scenario, measured)
    rate = scenario.workload.arrival_rate * scenario.pilot.sample_share
    assert line["cases_per_day"] == rate
    assert [m["days"] for m in line["measurements"]] == [800 / rate, 3000 / rate]
    assert line["decision_week"] == math.ceil(3000 / rate / 7)
    shown = timeline_lines({"timeline": line})
    assert shown[-1].startswith(f"decision: at the end of week {line['decision_week']} after the pilot starts")
    assert timeline(scenario, measured[2:])["decision_week"] is None
    assert timeline_lines({"timeline": timeline(scenario, measured[2:])}) == [
        "no measurement is worth its cost: no pilot to time"
    ]


def test_the_go_no_go_line_is_on_what_the_pilot_observes_with_the_true_break_even_beside_it() -> None:
    from scalesim.report.plan_page import go_lines

    item = {"input": "v", "label": "the value of a correct triage", "threshold": 49.75, "go_above": True}
    plan = {"design": "redesigned", "measurements": [{"input": "v", "kind": "mean"}]}
    seen = {**item, "cases": 100, "observed_threshold": 48.8, "observed_go_above": True}
    (line,) = go_lines({**plan, "go_no_go": [seen]})
    assert line.startswith("the value of a correct triage: go if the pilot's 100 cases show at or above 48.8")
    assert "the true value's break-even is 49.75" in line
    (line,) = go_lines({**plan, "go_no_go": [{**item, "cases": None, "observed_threshold": None}]})
    assert "go if its true value is at or above 49.75" in line and "no pilot size is planned" in line
