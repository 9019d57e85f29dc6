"""Each input that once gave a plausible but wrong number (or a traceback) now gives the right one or a refusal.

One test per row of the table in the issue "No silent wrong answers"; file-level faults and the full corpus are
in ``test_bad_input.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from scalesim.cli import main
from scalesim.errors import ScenarioError
from scalesim.ops.run import simulate
from scalesim.report.text import comparison_lines, plus_minus

from conftest import SCENARIOS, tiny

CLAIMS = str(SCENARIOS / "claims-triage.yaml")


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_typo_in_a_design_name_is_refused_with_the_nearest_name(capsys, tmp_path):
    code, _, err = cli(
        capsys,
        "run",
        CLAIMS,
        "--design",
        "bolt_on",
        "--set",
        "designs.bolt_ob.process_owner=true",
        "--out",
        str(tmp_path),
    )
    assert code == 2
    assert "designs.bolt_ob: no such design (did you mean 'bolt_on'?); designs are bolt_on, redesigned" in err
    code, _, err = cli(
        capsys, "sweep", CLAIMS, "--grid", "designs.bolt_ob.process_owner=true,false", "--out", str(tmp_path)
    )
    assert code == 2 and "no such design" in err
    assert not any(tmp_path.iterdir())


def test_a_pilot_team_too_small_for_its_cases_is_refused_before_the_run(capsys, tmp_path):
    for staff in ("2", "10"):
        code, _, err = cli(
            capsys, "run", CLAIMS, "--set", f"pilot.teams.pilot_squad.staff={staff}", "--out", str(tmp_path)
        )
        assert code == 2
        assert "pilot.teams.pilot_squad: the pilot cannot serve its own cases — offered load" in err
        assert "give it at least 16 staff" in err and "pilot.sample_share <=" in err
    code, _, err = cli(capsys, "validate", CLAIMS, "--set", "pilot.teams.pilot_squad.staff=2")
    assert code == 2 and "offered load 6.56" in err
    assert not any(tmp_path.iterdir())


def test_the_pilot_may_work_a_sample_and_pairing_stays_exact_on_it():
    scenario = tiny("workload.arrival_rate=200", "pilot.sample_share=0.25", "pilot.teams.squad.staff=2")
    result = simulate(scenario)
    summary = result.summary()
    assert 0.2 < summary["pilot_cases"] / summary["cases"] < 0.3
    design = summary["designs"]["plain"]
    # production on the same sampled cases, configured like the pilot: identical cases, identical value
    assert design["retention"] == 1.0
    gap = design["pilot"]["value_per_case"] - design["production"]["value_per_case"]
    assert sum(design["erosion"].values()) == pytest.approx(gap, abs=1e-12)
    # the pilot's value per year is projected to the full volume, not the sample's
    assert design["pilot"]["value_per_year"] == pytest.approx(design["production"]["value_per_year"], rel=0.1)


def test_a_pilot_that_loses_money_has_undefined_retention_not_a_ratio(capsys, tmp_path):
    code, out, _ = cli(
        capsys,
        "run",
        CLAIMS,
        "--days",
        "30",
        "--set",
        "pilot.accuracy=0.2",
        "--set",
        "pilot.hard_case_accuracy=0.2",
        "--set",
        "value.wrong_action_cost_share=2",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    assert re.search(r"\nvalue kept \(retention\)\s+undefined\s+undefined\n", out)
    assert "note: bolt_on and redesigned retention undefined: the pilot's value per case is" in out
    code, out, _ = cli(capsys, *(["run", CLAIMS, "--days", "30", "--format", "json", "--out", str(tmp_path)]))
    data = json.loads(out)["designs"]["redesigned"]
    assert data["retention"] is not None and data["retention_note"] is None


def test_retention_above_100_percent_is_flagged_with_its_cause():
    # production decides faster than the pilot (a slower pilot squad) and values decay: a genuine gain on delay
    scenario = tiny(
        "value.decay={kind: half_life, days: 2}",
        "pilot.teams.squad.service_hours=20",
    )
    design = simulate(scenario).summary()["designs"]["plain"]
    assert design["retention"] > 1
    assert design["retention_note"].startswith("above 100%: production did better than the pilot on delay")


@pytest.mark.slow
def test_an_overloaded_production_team_is_named_in_the_verdict_and_the_summary(capsys, tmp_path):
    code, out, _ = cli(
        capsys, "run", CLAIMS, "--set", "production.teams.triage.staff=1", "--format", "json", "--out", str(tmp_path)
    )
    assert code == 0
    redesigned = json.loads(out)["designs"]["redesigned"]
    assert redesigned["stall"]["reason"] == "backlog" and redesigned["stall"]["team"] == "triage"
    assert "the queue at triage grows without bound (offered load 3.07" in redesigned["stall"]["detail"]
    assert redesigned["overloaded_teams"] == ["triage"]
    folder = next((tmp_path / "claims-triage").iterdir())
    text = main(["report", str(folder)])
    assert text == 0 and "offered load" in (folder / "report.md").read_text()


def test_only_what_a_design_adds_is_charged(capsys):
    defined = "designs.plain.exception_handling={mode: defined, team: triage}"
    existing = simulate(tiny(defined)).summary()["designs"]["plain"]["costs"]
    assert existing["new_teams_per_year"] == 0 and existing["annualised_total"] == 0
    created = simulate(tiny(defined, "production.teams.triage.existing=false")).summary()["designs"]["plain"]["costs"]
    assert created["new_teams_per_year"] == 50 * 1000
    hired = tiny("designs.plain.added_staff.triage=3", defined, "production.teams.triage.existing=true")
    result = simulate(hired)
    costs = result.summary()["designs"]["plain"]["costs"]
    assert costs["added_staff_per_year"] == 3 * 1000 and costs["annualised_total"] == 3000
    assert {t.team: t.staff for t in result.production["plain"].teams}["triage"] == 53


def test_the_text_output_breaks_costs_down(capsys, tmp_path):
    _, out, _ = cli(capsys, "run", CLAIMS, "--days", "30", "--out", str(tmp_path))
    for label in ("one-off, amortised", "recurring", "staff of new teams"):
        assert f"  {label}" in out


@pytest.mark.slow
def test_value_over_time_has_no_partial_last_week(capsys, tmp_path):
    cli(capsys, "run", CLAIMS, "--design", "redesigned", "--out", str(tmp_path), "--no-ledger")
    folder = next((tmp_path / "claims-triage").iterdir())
    weekly = pd.read_csv(folder / "weekly.csv")
    assert weekly["week"].max() == 365 // 7 - 1
    arrivals = weekly["arrivals"]
    assert arrivals.iloc[-1] > 0.5 * arrivals.median()
    teams = pd.read_csv(folder / "weekly_teams.csv")
    assert teams["week"].max() == (365 + 30) // 7 - 1


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("workload.arrival_rate=.inf", "finite number"),
        ("workload.arrival_rate=1e308", "less than or equal to 1000000000"),
        ("workload.arrival_rate=1e9", "--max-cases"),
        ("run.horizon_days=.inf", "finite number"),
        ("production.accuracy=true", "a boolean is not a number"),
    ],
)
def test_absurd_numbers_are_refused_up_front(capsys, tmp_path, override, expected):
    code, _, err = cli(capsys, "run", CLAIMS, "--set", override, "--out", str(tmp_path))
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "validate", CLAIMS, "--set", override)
    assert code == 2 or "--max-cases" in expected


def test_a_big_run_is_refused_with_its_estimate_and_the_option_that_allows_it(capsys, tmp_path):
    code, _, err = cli(capsys, "run", CLAIMS, "--set", "workload.arrival_rate=20000", "--out", str(tmp_path))
    assert code == 2 and "about 7,300,000 cases x 3 environments" in err and "GiB per run" in err
    assert "--max-cases" in err


@pytest.mark.parametrize("days", ["100000", "0.5", "0", "nan"])
def test_horizons_out_of_bounds_are_refused(capsys, tmp_path, days):
    code, _, err = cli(capsys, "run", CLAIMS, "--days", days, "--out", str(tmp_path))
    assert code == 2 and err.strip()


def test_compare_needs_two_designs(capsys, tmp_path):
    code, _, err = cli(capsys, "compare", CLAIMS, "--designs", "bolt_on", "--out", str(tmp_path))
    assert code == 2 and "compare needs at least two designs" in err


def test_a_results_file_or_the_wrong_kind_of_scenario_gets_one_line(capsys, tmp_path):
    cli(capsys, "run", CLAIMS, "--days", "7", "--out", str(tmp_path / "r"), "--no-ledger")
    summary = next((tmp_path / "r" / "claims-triage").iterdir()) / "summary.json"
    code, _, err = cli(capsys, "run", str(summary), "--out", str(tmp_path / "o"))
    assert code == 2 and "this is a results file written by scalesim" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "portfolio", CLAIMS, "--out", str(tmp_path / "o"))
    assert code == 2 and "this is an operations scenario, not a portfolio" in err and len(err.splitlines()) == 1


def test_the_manifest_records_the_command_that_made_it(capsys, tmp_path):
    args = ["run", CLAIMS, "--days", "7", "--out", str(tmp_path), "--no-ledger"]
    assert main(args) == 0
    manifest = json.loads(next((tmp_path / "claims-triage").iterdir()).joinpath("manifest.json").read_text())
    assert manifest["command"] == ["scalesim", *args]


def test_an_explicit_option_beats_the_sweep_file(capsys, tmp_path):
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(yaml.safe_dump({"grid": {"production.accuracy": [0.7, 0.8]}, "replications": 2}))
    args = ["sweep", CLAIMS, "--days", "7", "--sweep-file", str(sweep_file), "-j", "1", "--quiet"]
    code, out, _ = cli(capsys, *args, "--replications", "3", "--format", "json", "--out", str(tmp_path / "a"))
    assert code == 0 and json.loads(out)["replications"] == 3
    code, out, _ = cli(capsys, *args, "--format", "json", "--out", str(tmp_path / "b"))
    assert code == 0 and json.loads(out)["replications"] == 2


def test_compare_says_widened_and_never_shows_a_zero_interval_that_is_not_zero():
    line = comparison_lines(
        [
            {
                "design": "b",
                "baseline": "a",
                "metric": "production_value_per_case",
                "mean": 0.01234,
                "half_width": 0.0004,
                "unpaired_half_width": 0.00032,
                "narrowing": 0.8,
            }
        ]
    )
    assert "pairing widened it 1.2x" in line and "+0.0123 ± 0.0004" in line and "± 0.00 " not in line
    assert plus_minus(692202.4, 6659.1, 0) == "692,202 ± 6,659"
    assert plus_minus(1.5, 0.0, 2) == "1.50 ± 0.00"  # a true zero may show as zero


def test_team_statistics_honour_the_warm_up():
    without = simulate(tiny()).production["plain"].teams[0]
    result = simulate(tiny("run.warmup_days=30"))
    desk = result.production["plain"].teams[0]
    counted = int((result.cases.arrival >= 30).sum())
    assert abs(desk.served - counted) <= 2 < without.served - counted
    assert desk.arrival_rate == pytest.approx(counted / (70 - 30), rel=0.01)


def test_a_key_given_twice_names_both_lines(tmp_path):
    from scalesim.scenario.load import load_scenario

    path = tmp_path / "dup.yaml"
    path.write_text(Path(CLAIMS).read_text().replace("currency: EUR", "currency: EUR\ncurrency: USD"))
    with pytest.raises(ScenarioError, match=r"key 'currency' appears twice in the same block \(lines \d+ and \d+\)"):
        load_scenario(path)


def test_a_grid_point_too_big_to_run_is_refused_before_anything_runs(capsys, tmp_path):
    code, _, err = cli(capsys, "sweep", CLAIMS, "--grid", "run.horizon_days=30,36000", "--out", str(tmp_path))
    assert code == 2 and "grid point 1 (run.horizon_days=36000)" in err and "--max-cases" in err
    assert not any(tmp_path.iterdir())
